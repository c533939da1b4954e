/* The live gate (guard.h). Each target with a rule keeps its unresolved
 * ticks in a ring, in schedule order; the front is judged as soon as it has
 * resolved. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "outcome.h"
#include "units.h"

static const char *const rule_names[GUARD_NRULES] = {
    [GUARD_MAX_ERRORS] = "max-errors",
    [GUARD_MAX_WINDOW] = "max-window",
    [GUARD_MAX_DOWNTIME] = "max-downtime",
    [GUARD_MAX_BLIND] = "max-blind",
};

const char *guard_rule_name(enum guard_rule rule)
{
    return rule_names[rule];
}

int guard_rule_is_duration(enum guard_rule rule)
{
    return rule != GUARD_MAX_ERRORS;
}

int guard_parse(const char *s, enum guard_rule *rule, int64_t *limit, char *why, size_t len)
{
    const char *eq = strchr(s, '=');
    size_t klen = eq ? (size_t)(eq - s) : strlen(s);
    int r = 0;
    while (r < GUARD_NRULES &&
           !(strlen(rule_names[r]) == klen && strncmp(s, rule_names[r], klen) == 0))
        r++;
    if (r == GUARD_NRULES) {
        snprintf(why, len,
                 "\"%.*s\" is not a live rule (max-errors, max-window, max-downtime, max-blind)",
                 (int)(klen > 40 ? 40 : klen), s);
        return -1;
    }
    if (eq == NULL || eq[1] == '\0') {
        snprintf(why, len, "%s: no limit (e.g. %s=%s)", rule_names[r], rule_names[r],
                 r == GUARD_MAX_ERRORS ? "10" : "2s");
        return -1;
    }
    *rule = (enum guard_rule)r;
    if (guard_rule_is_duration(*rule))
        return units_parse_duration_us(eq + 1, limit, why, len);
    if (strchr(eq + 1, '%')) {
        snprintf(why, len, "max-errors: a count, not a share, while probing");
        return -1;
    }
    return units_parse_count(eq + 1, limit, why, len);
}

enum tick_state { TICK_WAITING, TICK_OK, TICK_FAILED, TICK_BLIND };

struct tick {
    int64_t sched_us;
    int64_t seen_us; /* when it reached the server (report/ingest.c's observed time) */
    enum tick_state state;
};

struct gtarget {
    struct guard_target spec;
    bool active; /* it has a rule */
    int64_t interval_us;
    /* the unresolved ticks, and those resolved behind one that is not */
    struct tick *ring;
    size_t cap, head, len;
    /* the values so far, as the report defines them */
    int64_t failed;
    bool in_window;
    int64_t win_start_us, win_last_seen_us, prev_end_us;
    int64_t closed_downtime_us, longest_closed_us;
    int64_t blind_us, blind_end_us;
};

struct guard {
    struct gtarget *t;
    int ntargets;
    const unsigned char *ok;
    int64_t max_lag_us;
    bool tripped; /* a rule broke: the guard has done its work */
};

struct guard *guard_new(const struct guard_target *targets, int ntargets, const unsigned char *ok,
                        int64_t max_lag_us)
{
    struct guard *g = calloc(1, sizeof *g);
    if (g == NULL || (g->t = calloc((size_t)ntargets + 1, sizeof *g->t)) == NULL) {
        free(g);
        return NULL;
    }
    g->ntargets = ntargets;
    g->ok = ok;
    g->max_lag_us = max_lag_us;
    for (int i = 0; i < ntargets; i++) {
        struct gtarget *t = &g->t[i];
        t->spec = targets[i];
        for (int r = 0; r < GUARD_NRULES; r++)
            t->active |= t->spec.limit[r] >= 0;
        t->interval_us = (int64_t)(1e6 / t->spec.rate);
    }
    return g;
}

void guard_free(struct guard *g)
{
    if (g == NULL)
        return;
    for (int i = 0; i < g->ntargets; i++)
        free(g->t[i].ring);
    free(g->t);
    free(g);
}

static struct tick *at(struct gtarget *t, size_t k)
{
    return &t->ring[(t->head + k) % t->cap];
}

int guard_tick(struct guard *g, int target, int64_t sched_us)
{
    struct gtarget *t = &g->t[target];
    if (!t->active || g->tripped)
        return 0;
    if (t->len == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct tick *n = malloc(cap * sizeof *n);
        if (n == NULL)
            return -1;
        for (size_t k = 0; k < t->len; k++)
            n[k] = *at(t, k);
        free(t->ring);
        t->ring = n;
        t->cap = cap;
        t->head = 0;
    }
    struct tick *k = at(t, t->len++);
    k->sched_us = sched_us;
    k->seen_us = sched_us;
    k->state = TICK_WAITING;
    return 0;
}

/* The tick scheduled at sched_us, or NULL (not tracked: a tick from before
 * the guard tripped, or none). Ticks are in schedule order. */
static struct tick *find(struct gtarget *t, int64_t sched_us)
{
    size_t lo = 0, hi = t->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (at(t, mid)->sched_us < sched_us)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->len && at(t, lo)->sched_us == sched_us ? at(t, lo) : NULL;
}

/* report/windows.c's state machine, on the same observed times */
static void window_fail(struct gtarget *t, int64_t seen_us)
{
    if (!t->in_window) {
        t->in_window = true;
        t->win_start_us = t->win_last_seen_us = seen_us;
    }
    if (seen_us < t->win_start_us)
        t->win_start_us = seen_us;
    if (seen_us > t->win_last_seen_us)
        t->win_last_seen_us = seen_us;
}

/* The open window's start, after the previous window's end: no time is
 * counted twice. */
static int64_t window_start(const struct gtarget *t)
{
    return t->win_start_us > t->prev_end_us ? t->win_start_us : t->prev_end_us;
}

static void window_ok(struct gtarget *t, int64_t seen_us)
{
    if (!t->in_window)
        return;
    int64_t start = window_start(t);
    int64_t end = seen_us > t->win_last_seen_us ? seen_us : t->win_last_seen_us;
    if (end < start)
        end = start;
    t->in_window = false;
    t->prev_end_us = end;
    t->closed_downtime_us += end - start;
    if (end - start > t->longest_closed_us)
        t->longest_closed_us = end - start;
}

static void blind(struct gtarget *t, int64_t sched_us)
{
    int64_t from = sched_us > t->blind_end_us ? sched_us : t->blind_end_us;
    int64_t until = sched_us + t->interval_us;
    if (until > from)
        t->blind_us += until - from;
    if (until > t->blind_end_us)
        t->blind_end_us = until;
}

/* The value of rule r so far: an open window up to its latest failure seen,
 * which is no more than the report will find for it. */
static int64_t value_of(const struct gtarget *t, enum guard_rule r)
{
    int64_t open = 0;
    if (t->in_window && t->win_last_seen_us > window_start(t))
        open = t->win_last_seen_us - window_start(t);
    switch (r) {
    case GUARD_MAX_ERRORS:
        return t->failed;
    case GUARD_MAX_WINDOW:
        return open > t->longest_closed_us ? open : t->longest_closed_us;
    case GUARD_MAX_DOWNTIME:
        return t->closed_downtime_us + open;
    case GUARD_MAX_BLIND:
        return t->blind_us;
    case GUARD_NRULES:
        break;
    }
    return 0;
}

int guard_done(struct guard *g, int target, const struct log_req *q, struct guard_breach *out)
{
    struct gtarget *t = &g->t[target];
    struct tick *k;
    if (!t->active || g->tripped || (k = find(t, q->wall_sched_us)) == NULL ||
        k->state != TICK_WAITING)
        return 0;
    /* report/ingest.c's rules: late when handed over late, or in flight
     * across a stall and failed without an answer; observed when written
     * to the connection, or, failing before that, when handed over */
    if (q->outcome == OUTCOME_SKIPPED) {
        k->state = TICK_BLIND;
    } else {
        int64_t lag = q->lag_us >= 0 ? q->lag_us : q->delay_us;
        bool late = lag > g->max_lag_us || (q->stalled == 1 && !outcome_is_http(q->outcome));
        int64_t seen = q->delay_us >= 0 ? q->delay_us : q->lag_us;
        if (seen > q->latency_us)
            seen = q->latency_us;
        k->seen_us = q->wall_sched_us + (seen > 0 ? seen : 0);
        k->state = late                                               ? TICK_BLIND
                   : outcome_is_http(q->outcome) && g->ok[q->outcome] ? TICK_OK
                                                                      : TICK_FAILED;
    }
    /* judge the front while it has resolved */
    while (t->len > 0 && at(t, 0)->state != TICK_WAITING) {
        k = at(t, 0);
        if (k->state == TICK_BLIND) {
            blind(t, k->sched_us);
        } else if (k->state == TICK_OK) {
            window_ok(t, k->seen_us);
        } else {
            t->failed++;
            window_fail(t, k->seen_us);
        }
        t->head = (t->head + 1) % t->cap;
        t->len--;
        for (int r = 0; r < GUARD_NRULES; r++) {
            int64_t v;
            if (t->spec.limit[r] < 0 || (v = value_of(t, (enum guard_rule)r)) <= t->spec.limit[r])
                continue;
            g->tripped = true;
            *out = (struct guard_breach){.target = target,
                                         .rule = (enum guard_rule)r,
                                         .value = v,
                                         .limit = t->spec.limit[r]};
            return 1;
        }
    }
    return 0;
}
