/* --baseline FILE (baseline.h). The file is an earlier report of this
 * program, but it arrives from a CI artifact store or a repository: every
 * member read is checked for its type and range, and an error names the
 * file, and the target, or the line and column of a syntax error. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"

/* A report's durations are far below this; anything above is not one. */
#define MAX_SECONDS 1e9
/* Counts a run can reach; beyond, arithmetic on them would lose exactness. */
#define MAX_COUNT ((json_int_t)1 << 53)
/* A report's size grows with its length (per-second series); a year of
 * seconds for a few targets is far below this. */
#define MAX_FILE ((size_t)64 << 20)
/* Targets in one report; more is not a report of this program's. */
#define MAX_TARGETS 10000

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, const char *path,
                                                      const char *fmt, ...)
{
    int used = snprintf(err, errlen, "%s: ", path);
    va_list ap;
    va_start(ap, fmt);
    if (used >= 0 && (size_t)used < errlen)
        vsnprintf(err + used, errlen - (size_t)used, fmt, ap);
    va_end(ap);
    return -1;
}

/* s for a message: at most 40 bytes, bytes outside printable ASCII as '?'.
 * The file's text must not drive a CI log. */
static const char *printable(const char *s, char *buf, size_t buflen)
{
    size_t n = 0;
    for (size_t i = 0; s[i] && i < 40 && n + 1 < buflen; i++)
        buf[n++] = (unsigned char)s[i] >= ' ' && (unsigned char)s[i] < 0x7f ? s[i] : '?';
    buf[n] = '\0';
    return buf;
}

/* A number of seconds (scale 1e6) or milliseconds (scale 1e3) as
 * microseconds; -1 when v is not a non-negative number. */
static int64_t to_us(const json_t *v, double scale)
{
    if (!json_is_number(v))
        return -1;
    double x = json_number_value(v);
    if (!(x >= 0) || x * scale / 1e6 > MAX_SECONDS)
        return -1;
    return (int64_t)llround(x * scale);
}

static int read_target(const json_t *t, size_t i, struct baseline_target *out, const char *path,
                       char *err, size_t errlen)
{
    char buf[48];
    const json_t *name = json_object_get(t, "name");
    if (!json_is_object(t) || !json_is_string(name) || json_string_length(name) == 0)
        return fail(err, errlen, path, "targets[%zu]: no name", i);
    const char *n = json_string_value(name);
    if (strlen(n) != json_string_length(name))
        return fail(err, errlen, path, "targets[%zu]: a name with a NUL byte", i);
    struct {
        const char *key;
        int64_t *us;
        double scale;
    } durations[] = {
        {"downtime_s", &out->downtime_us, 1e6},
        {"longest_window_s", &out->longest_window_us, 1e6},
    };
    for (size_t k = 0; k < sizeof durations / sizeof *durations; k++)
        if ((*durations[k].us = to_us(json_object_get(t, durations[k].key), durations[k].scale)) <
            0)
            return fail(err, errlen, path, "target \"%s\": %s is not a duration in seconds",
                        printable(n, buf, sizeof buf), durations[k].key);
    const json_t *lat = json_object_get(t, "latency_ms");
    if ((out->p99_us = to_us(json_object_get(lat, "p99"), 1e3)) < 0)
        return fail(err, errlen, path, "target \"%s\": latency_ms.p99 is not a latency in ms",
                    printable(n, buf, sizeof buf));
    const char *counts[] = {"requests", "failed"};
    uint64_t *vals[] = {&out->requests, &out->failed};
    for (size_t k = 0; k < 2; k++) {
        const json_t *v = json_object_get(t, counts[k]);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > MAX_COUNT)
            return fail(err, errlen, path, "target \"%s\": %s is not a count",
                        printable(n, buf, sizeof buf), counts[k]);
        *vals[k] = (uint64_t)json_integer_value(v);
    }
    if (out->failed > out->requests)
        return fail(err, errlen, path, "target \"%s\": more failed than requests",
                    printable(n, buf, sizeof buf));
    /* how it was measured: a comparison needs the same */
    const json_t *logs = json_object_get(t, "logs"), *rate = json_object_get(t, "rate");
    if (!json_is_integer(logs) || json_integer_value(logs) < 1 ||
        json_integer_value(logs) > 100000 || !json_is_number(rate) ||
        !(json_number_value(rate) >= 0 && json_number_value(rate) < 1e9))
        return fail(err, errlen, path, "target \"%s\": no logs or rate: not a whole report",
                    printable(n, buf, sizeof buf));
    out->logs = (int)json_integer_value(logs);
    out->rate = json_number_value(rate);
    if ((out->name = strdup(n)) == NULL)
        return fail(err, errlen, path, "out of memory");
    return 0;
}

static int read_report(const json_t *doc, struct baseline *out, const char *path, char *err,
                       size_t errlen)
{
    char buf[48];
    const json_t *schema = json_object_get(doc, "schema");
    if (!json_is_object(doc) || !json_is_integer(schema))
        return fail(err, errlen, path,
                    "not a report of pbprobe-report -f json (no \"schema\" member)");
    if (json_integer_value(schema) != 1)
        return fail(err, errlen, path,
                    "schema %" JSON_INTEGER_FORMAT ", but this pbprobe-report reads schema 1",
                    json_integer_value(schema));
    const json_t *runs = json_object_get(doc, "runs");
    if (json_is_array(runs))
        return fail(err, errlen, path,
                    "a report of %zu runs (logs that do not overlap in time): a baseline is "
                    "one run's report (report that run's logs alone, or use --one-run)",
                    json_array_size(runs));
    const json_t *verdict = json_object_get(json_object_get(doc, "gate"), "verdict");
    const json_t *targets = json_object_get(doc, "targets");
    if (!json_is_string(verdict) || !json_is_array(targets))
        return fail(err, errlen, path, "no gate.verdict or no targets: not a whole report");
    const char *v = json_string_value(verdict);
    if (strcmp(v, "pass") != 0 && strcmp(v, "fail") != 0 && strcmp(v, "inconclusive") != 0)
        return fail(err, errlen, path, "gate.verdict \"%s\" is not pass, fail or inconclusive",
                    printable(v, buf, sizeof buf));
    out->by_log = json_is_true(json_object_get(json_object_get(doc, "config"), "by_log"));
    /* a time, not a duration: Unix seconds, or null */
    const json_t *start = json_object_get(doc, "start");
    double s = json_is_number(start) ? json_number_value(start) : -1;
    out->start_us = s >= 0 && s < 1e11 ? (int64_t)llround(s * 1e6) : -1;
    if ((out->verdict = strdup(printable(json_string_value(verdict), buf, sizeof buf))) == NULL)
        return fail(err, errlen, path, "out of memory");
    size_t n = json_array_size(targets);
    if (n > MAX_TARGETS)
        return fail(err, errlen, path, "%zu targets: more than %d", n, MAX_TARGETS);
    if (n > 0 && (out->targets = calloc(n, sizeof *out->targets)) == NULL)
        return fail(err, errlen, path, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (read_target(json_array_get(targets, i), i, &out->targets[i], path, err, errlen) < 0)
            return -1;
        out->ntargets++;
        /* a --by-log report holds a name once per log: which one compares? */
        for (size_t j = 0; j < i; j++)
            if (strcmp(out->targets[j].name, out->targets[i].name) == 0)
                return fail(err, errlen, path,
                            "target \"%s\" twice (a --by-log report?): a baseline holds each "
                            "target once",
                            printable(out->targets[i].name, buf, sizeof buf));
    }
    return 0;
}

int baseline_parse(const char *text, size_t len, const char *path, struct baseline *out, char *err,
                   size_t errlen)
{
    char buf[48];
    json_error_t jerr;
    memset(out, 0, sizeof *out);
    out->start_us = -1;
    if ((out->path = strdup(path)) == NULL)
        return fail(err, errlen, path, "out of memory");
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        snprintf(err, errlen, "%s:%d:%d: not valid JSON: %s", path, jerr.line, jerr.column,
                 printable(jerr.text, buf, sizeof buf));
        baseline_free(out);
        return -1;
    }
    int rc = read_report(doc, out, path, err, errlen);
    json_decref(doc);
    if (rc < 0)
        baseline_free(out);
    return rc;
}

int baseline_load(const char *path, struct baseline *out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0;
    if (f == NULL)
        return fail(err, errlen, path, "cannot open: %s", strerror(errno));
    for (;;) {
        if (len == cap) {
            char *n = cap < MAX_FILE ? realloc(text, cap ? cap * 2 : 65536) : NULL;
            if (n == NULL) {
                free(text);
                fclose(f);
                return fail(err, errlen, path,
                            cap >= MAX_FILE ? "larger than 64 MiB: not a report of this program"
                                            : "out of memory");
            }
            text = n;
            cap = cap ? cap * 2 : 65536;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f) ? errno : 0;
    fclose(f);
    if (bad) {
        free(text);
        return fail(err, errlen, path, "cannot read: %s", strerror(bad));
    }
    int rc = baseline_parse(text, len, path, out, err, errlen);
    free(text);
    return rc;
}

const struct baseline_target *baseline_find(const struct baseline *b, const char *name)
{
    for (int i = 0; i < b->ntargets; i++)
        if (strcmp(b->targets[i].name, name) == 0)
            return &b->targets[i];
    return NULL;
}

void baseline_free(struct baseline *b)
{
    for (int i = 0; i < b->ntargets; i++)
        free(b->targets[i].name);
    free(b->targets);
    free(b->path);
    free(b->verdict);
    memset(b, 0, sizeof *b);
}
