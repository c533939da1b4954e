/* The live gate (--abort-on): some of the report's rules, evaluated while
 * probing on what the prober has logged, so that a bad rollout is stopped
 * while it runs rather than judged after it.
 *
 * Requests end out of order, and a downtime window is a run of failures in
 * scheduled order (report/windows.h). So the guard takes each target's ticks
 * in order as they are scheduled and judges them in that order as they
 * resolve: a rule is known to be broken once every request scheduled before
 * the breaking one has ended, at most the --timeout of the slowest later.
 * The values it compares are the report's definitions taken so far, never
 * more: a window still open counts up to its latest failure's observed
 * time, which the report's window of the same requests covers. The report's
 * verdict after the run stays the authority; the guard only decides when to
 * stop. */
#ifndef PB_GUARD_H
#define PB_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "logevent.h"

/* The rules that make sense live, by pbprobe-report's names. */
enum guard_rule {
    GUARD_MAX_ERRORS,   /* failed requests */
    GUARD_MAX_WINDOW,   /* the longest downtime window so far */
    GUARD_MAX_DOWNTIME, /* downtime so far */
    GUARD_MAX_BLIND,    /* blind time so far: ticks skipped or sent late */
    GUARD_NRULES
};

/* "max-window=2s" into its rule and limit (a count, or microseconds).
 * Returns 0, or -1 with why. */
int guard_parse(const char *s, enum guard_rule *rule, int64_t *limit, char *why, size_t len);

const char *guard_rule_name(enum guard_rule rule);
int guard_rule_is_duration(enum guard_rule rule);

/* What the guard needs of a target: its rate and limits (-1: none). */
struct guard_target {
    double rate;
    int64_t limit[GUARD_NRULES];
};

struct guard_breach {
    int target;
    enum guard_rule rule;
    int64_t value, limit;
};

struct guard;

/* ok: 1 for an HTTP status that is a success. max_lag_us: a hand-off later
 * than this is late (blind), as in the report. NULL when memory is short. */
struct guard *guard_new(const struct guard_target *targets, int ntargets, const unsigned char *ok,
                        int64_t max_lag_us);
void guard_free(struct guard *g);

/* Tick sched_us (the log's wall time) of target is due: called in schedule
 * order, before its request can end. Returns -1 when memory is short. */
int guard_tick(struct guard *g, int target, int64_t sched_us);

/* The tick's request ended as q (a req record as logged, stalled set).
 * Returns 1 the first time a rule breaks, with out filled; 0 otherwise. */
int guard_done(struct guard *g, int target, const struct log_req *q, struct guard_breach *out);

#endif
