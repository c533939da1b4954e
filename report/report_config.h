/* The report's configuration: built once from the command line by options.c,
 * read-only afterwards. Every other module takes a const pointer to it. */
#ifndef REP_CONFIG_H
#define REP_CONFIG_H

#include <stddef.h> /* lib/outcome.h uses size_t without including it */
#include <stdint.h>

#include "outcome.h"

enum rep_format {
    REP_FMT_TEXT,
    REP_FMT_JSON,
    REP_FMT_JUNIT,
    REP_FMT_MARKDOWN,
    REP_FMT_HTML,
    REP_FMT_OPENMETRICS
};

/* A --label KEY=VALUE: OpenMetrics labels on every sample (release,
 * environment). KEY is checked by options.c: [a-zA-Z_][a-zA-Z0-9_]*, none of
 * the report's own labels, not starting with "__". */
struct rep_label {
    const char *key; /* points into owned */
    const char *value;
    char *owned;
};

/* The gate's rules, in the order they are checked and printed. */
enum rep_rule {
    REP_RULE_MAX_ERRORS,
    REP_RULE_MAX_DOWNTIME,
    REP_RULE_MAX_WINDOW,
    REP_RULE_MAX_BURST,      /* the longest error burst */
    REP_RULE_MAX_ERROR_RATE, /* the share of failures in any one second, a percentage */
    REP_RULE_MAX_P99,
    REP_RULE_MIN_REQUESTS,
    REP_RULE_MAX_BLIND, /* blind time at most this (default 0); beyond, inconclusive */
    /* --max-regression KIND:AMOUNT, against --baseline: this run less the
     * baseline's at most AMOUNT (or a share of the baseline's) */
    REP_RULE_REG_FAILED,
    REP_RULE_REG_DOWNTIME,
    REP_RULE_REG_WINDOW,
    REP_RULE_REG_P99,
    REP_RULE_N
};

/* One --max-... or --min-... argument, or a rule of a --gate file. */
struct rep_limit {
    enum rep_rule rule;
    char *target;    /* the NAME: prefix, or NULL for every target */
    int64_t value;   /* a count, or microseconds for durations */
    double percent;  /* --max-errors N%: the share of sent requests; --max-regression
                        KIND:+N%: the share of the baseline's value; -1 when a count */
    const char *arg; /* as given, for messages ("[NAME:]VALUE") */
    int warn;        /* a warn level: beyond it a warning, and still a pass */
    char *from;      /* a --gate file's rule: "FILE:LINE"; NULL for an option */
    char *owned;     /* a --gate file's rule: the text arg points to */
};

struct rep_config {
    char **logs;
    int nlogs;
    enum rep_format format;
    const char *output; /* NULL: standard output */
    const char *plot;   /* NULL: no plot */
    int by_log;
    int one_run; /* merge logs that do not overlap in time, as if one run */
    int lenient;
    int allow_skipped;           /* --max-blind unlimited, unless --max-blind is given */
    int require_command_success; /* a wrapped command that failed fails the gate */
    int64_t max_lag_us;          /* --max-lag; -1: each log's own (its header), else the default */
    int color;                   /* resolved: 1 to colour the text output */
    int max_listed;              /* windows and bursts kept per target */
    unsigned char ok_status[OUTCOME_MAX]; /* 1 for an HTTP status that is a success */
    const char *ok_status_arg;
    int ok_status_given; /* else the logs' own (ok_status= in their header), else the default */
    int64_t burst_gap_us;
    int64_t
        horizon_us; /* how far out of order req lines may be (lines are written at completion) */
    struct rep_limit *limits;
    int nlimits;
    const char *baseline; /* --baseline FILE, or NULL */
    struct rep_label *labels;
    int nlabels;
    int markdown_summary; /* also append the Markdown report to $GITHUB_STEP_SUMMARY */
    const char **attach;  /* --attach FILE: files the JUnit report names as attachments */
    int nattach;
    /* the database rules, not per target; -1 when not given */
    int64_t max_db_down_us;
    const char *max_db_down_arg;
    int64_t max_lock_wait_us;
    const char *max_lock_wait_arg;
};

#endif
