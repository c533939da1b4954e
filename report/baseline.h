/* --baseline FILE: what an earlier run's JSON report (pbprobe-report -f json)
 * says of each target, for the comparison and the --max-regression rules.
 * Only the members the comparison needs are read; the rest of the document
 * may grow (schema 1 only adds). */
#ifndef REP_BASELINE_H
#define REP_BASELINE_H

#include <stddef.h>
#include <stdint.h>

struct baseline_target {
    char *name;
    uint64_t requests, failed;
    int64_t downtime_us, longest_window_us, p99_us;
    int logs;    /* how many prober logs were merged into it */
    double rate; /* declared requests per second, summed over those logs */
};

struct baseline {
    char *path;
    char *verdict; /* the earlier run's: "pass", "fail" or "inconclusive" */
    int by_log;    /* it was a --by-log report */
    int64_t start_us;
    int ntargets;
    struct baseline_target *targets;
};

/* Reads and checks path. Returns 0, or -1 with a one-line reason naming the
 * file (and the line and column of a syntax error) in err. */
int baseline_load(const char *path, struct baseline *out, char *err, size_t errlen);

/* The same from text in memory (the fuzzer's entry); path names it in err. */
int baseline_parse(const char *text, size_t len, const char *path, struct baseline *out, char *err,
                   size_t errlen);

/* The target of that name, or NULL. */
const struct baseline_target *baseline_find(const struct baseline *b, const char *name);

void baseline_free(struct baseline *b);

#endif
