/* The gate (gate.h). For each target and rule the limit is the last one given
 * with the target's NAME:, else the last one without a name, else the
 * default: max-errors 0 when the target has no failure rule at all (the
 * seed's "all 200"), and min-requests 1 (no evidence is not a pass). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "gate.h"
#include "gate_spec.h"
#include "logevent.h"

static int has_target(const struct analysis *an, const char *name)
{
    for (int j = 0; j < an->ntargets; j++)
        if (strcmp(an->targets[j].name, name) == 0)
            return 1;
    return 0;
}

int gate_check_names(const struct analysis *runs, int nruns, const struct rep_config *cfg,
                     char *err, size_t errlen)
{
    for (int i = 0; i < cfg->nlimits; i++) {
        const struct rep_limit *l = &cfg->limits[i];
        int found = 0;
        if (l->target == NULL)
            continue;
        for (int r = 0; r < nruns && !found; r++)
            found = has_target(&runs[r], l->target);
        if (found)
            continue;
        size_t used =
            l->from ? (size_t)snprintf(err, errlen, "%s: [%s]: no target \"%s\" in the logs",
                                       l->from, l->target, l->target)
                    : (size_t)snprintf(err, errlen, "--%s \"%s\": no target \"%s\" in the logs",
                                       spec_rule_name(l->rule), l->arg, l->target);
        int listed = 0;
        for (int r = 0; r < nruns; r++)
            for (int j = 0; j < runs[r].ntargets && used < errlen; j++) {
                const char *name = runs[r].targets[j].name;
                int seen = 0; /* a name in several runs is listed once */
                for (int q = 0; q < r && !seen; q++)
                    seen = has_target(&runs[q], name);
                for (int k = 0; k < j && !seen; k++)
                    seen = strcmp(runs[r].targets[k].name, name) == 0;
                if (!seen)
                    used += (size_t)snprintf(err + used, errlen - used, "%s%s",
                                             listed++ ? ", " : " (targets: ", name);
            }
        if (listed && used < errlen)
            snprintf(err + used, errlen - used, ")");
        return -1;
    }
    return 0;
}

/* The fail level (warn 0) or the warn level (1) of rule for target name. */
static const struct rep_limit *limit_for(const struct rep_config *cfg, const char *name,
                                         enum rep_rule rule, int warn)
{
    const struct rep_limit *any = NULL, *own = NULL;
    for (int i = 0; i < cfg->nlimits; i++) {
        const struct rep_limit *l = &cfg->limits[i];
        if (l->rule != rule || l->warn != warn)
            continue;
        if (l->target == NULL)
            any = l;
        else if (strcmp(l->target, name) == 0)
            own = l;
    }
    return own ? own : any;
}

__attribute__((format(printf, 2, 3))) static int reason(struct an_gate *g, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **n = realloc(g->reasons, (size_t)(g->nreasons + 1) * sizeof *n);
    if (n == NULL)
        return -1;
    g->reasons = n;
    if ((g->reasons[g->nreasons] = strdup(buf)) == NULL)
        return -1;
    g->nreasons++;
    return 0;
}

/* The line reason() just added is a warning, not a failure's reason: moved
 * to g->warnings. */
static int last_reason_is_warning(struct an_gate *g)
{
    char **n = realloc(g->warnings, (size_t)(g->nwarnings + 1) * sizeof *n);
    if (n == NULL)
        return -1;
    g->warnings = n;
    g->warnings[g->nwarnings++] = g->reasons[--g->nreasons];
    return 0;
}

static struct an_check *add_check(struct an_gate *g, int target, enum rep_rule rule,
                                  const struct rep_limit *l)
{
    struct an_check *n = realloc(g->checks, (size_t)(g->nchecks + 1) * sizeof *n);
    if (n == NULL)
        return NULL;
    g->checks = n;
    struct an_check *c = &g->checks[g->nchecks++];
    memset(c, 0, sizeof *c);
    c->target = target;
    c->rule = rule;
    c->limit = l;
    c->reason = -1;
    c->warning = -1;
    return c;
}

/* Where a limit comes from, as the reason names it: the option and its
 * value ("--max-window 2s"), a gate file's line ("gate.rules:7: warn
 * max-window = 500ms"), or the default's option ("--max-blind 0"). */
static void limit_source(const struct rep_limit *l, enum rep_rule rule, char *buf, size_t len)
{
    if (l == NULL) {
        snprintf(buf, len, "--%s 0", spec_rule_name(rule));
        return;
    }
    if (l->from == NULL) {
        snprintf(buf, len, "--%s %s", spec_rule_name(rule), l->arg);
        return;
    }
    /* a file's value, without the NAME: its block gave it */
    const char *value = l->target ? l->arg + strlen(l->target) + 1 : l->arg;
    snprintf(buf, len, "%s: %s%s = %s", l->from, l->warn ? "warn " : "", spec_rule_name(rule),
             value);
}

/* A --max-regression rule's reason: this run's value, the change, the
 * baseline's value and what the rule allowed ("api: downtime 1.2s, 700ms more
 * than the baseline's 500ms, beyond the 500ms allowed (...)"). */
static int explain_regression(struct analysis *an, const struct an_check *c, const char *who,
                              const char *src)
{
    const struct an_target *t = &an->targets[c->target];
    char now[FMT_BUF], change[FMT_BUF], base[FMT_BUF], allowed[FMT_BUF], share[64] = "";
    if (c->limit->percent >= 0)
        snprintf(share, sizeof share, ", %g%% of the baseline's", c->limit->percent);
    if (c->rule == REP_RULE_REG_FAILED)
        return reason(&an->gate,
                      "%s: %" PRIu64 " failed request%s, %" PRId64
                      " more than the baseline's %" PRIu64 ", beyond the %" PRId64
                      " allowed%s (%s)",
                      who, t->failed, t->failed == 1 ? "" : "s", c->value, t->base.failed,
                      c->limit_value, share, src);
    const char *what = c->rule == REP_RULE_REG_DOWNTIME ? "downtime"
                       : c->rule == REP_RULE_REG_WINDOW ? "longest downtime window"
                                                        : "p99 latency";
    int64_t base_us = c->rule == REP_RULE_REG_DOWNTIME ? t->base.downtime_us
                      : c->rule == REP_RULE_REG_WINDOW ? t->base.longest_window_us
                                                       : t->base.p99_us;
    return reason(
        &an->gate, "%s: %s %s, %s more than the baseline's %s, beyond the %s allowed%s (%s)", who,
        what, fmt_duration(base_us + c->value, now, sizeof now),
        fmt_duration(c->value, change, sizeof change), fmt_duration(base_us, base, sizeof base),
        fmt_duration(c->limit_value, allowed, sizeof allowed), share, src);
}

/* The reason a failed check gives, one line, target first. */
static int explain(struct analysis *an, const struct an_check *c, const char *who)
{
    const struct an_target *t = &an->targets[c->target];
    struct an_gate *g = &an->gate;
    char v[FMT_BUF], lim[320], at[FMT_BUF];
    char src[512];
    limit_source(c->limit, c->rule, src, sizeof src);
    switch (c->rule) {
    case REP_RULE_MAX_ERRORS:
        if (c->limit == NULL)
            return reason(g,
                          "%s: %" PRIu64 " failed request%s (none allowed by default: see "
                          "--max-errors)",
                          who, t->failed, t->failed == 1 ? "" : "s");
        if (c->limit->percent >= 0)
            return reason(g,
                          "%s: %" PRIu64 " of %" PRIu64 " requests failed, more than %g%% "
                          "(%s)",
                          who, t->failed, t->ok + t->failed, c->limit->percent, src);
        return reason(g, "%s: %" PRIu64 " failed request%s (%s)", who, t->failed,
                      t->failed == 1 ? "" : "s", src);
    case REP_RULE_MAX_DOWNTIME:
        return reason(g, "%s: %s of downtime in %" PRIu64 " window%s (%s)", who,
                      fmt_duration(c->value, v, sizeof v), t->windows.count,
                      t->windows.count == 1 ? "" : "s", src);
    case REP_RULE_MAX_WINDOW:
        return reason(g, "%s: a downtime window of %s%s at %s (%s)", who,
                      fmt_duration(c->value, v, sizeof v), t->windows.longest.open ? " (open)" : "",
                      fmt_offset(an, t->windows.longest.start_us, at, sizeof at), src);
    case REP_RULE_MAX_P99:
        return reason(g, "%s: p99 latency %s (%s)", who, fmt_duration(c->value, v, sizeof v), src);
    case REP_RULE_MAX_BURST:
        return reason(g, "%s: an error burst of %s%s at %s (%s)", who,
                      fmt_duration(c->value, v, sizeof v), t->bursts.longest.open ? " (open)" : "",
                      fmt_offset(an, t->bursts.longest.start_us, at, sizeof at), src);
    case REP_RULE_MAX_ERROR_RATE:
        return reason(g, "%s: %.2f%% of the requests sent in the second at %s failed (%s)", who,
                      100.0 * t->worst_second_rate,
                      fmt_offset(an, t->worst_second_us, at, sizeof at), src);
    case REP_RULE_MIN_REQUESTS:
        if (c->limit == NULL)
            return reason(g, "%s: no request was sent", who);
        return reason(g, "%s: %" PRId64 " requests sent (%s)", who, c->value, src);
    case REP_RULE_MAX_BLIND: {
        /* what made the time blind, most telling first */
        size_t used = 0;
        const char *sep = "";
        lim[0] = '\0';
        if (t->late) {
            used +=
                (size_t)snprintf(lim + used, sizeof lim - used, "%" PRIu64 " sent late", t->late);
            sep = ", ";
        }
        if (t->skipped && used < sizeof lim) {
            used += (size_t)snprintf(lim + used, sizeof lim - used,
                                     "%s%" PRIu64 " skipped (not sent)", sep, t->skipped);
            sep = ", ";
        }
        if (t->missing && used < sizeof lim)
            used += (size_t)snprintf(lim + used, sizeof lim - used,
                                     "%s%" PRIu64 " missing from the log", sep, t->missing);
        if (t->skipped && t->lat.p99 > 0 && used < sizeof lim) {
            /* skipped ticks: most often the server's latency filled the
             * in-flight limit; say what the rate needs. The prober warns in
             * the log (a note here) of any other cause, such as no local
             * port for a new connection. */
            char p99[FMT_BUF];
            double inflight = t->rate * (double)t->lat.p99 / 1e6;
            snprintf(lim + used, sizeof lim - used,
                     "; at %g/s and a p99 latency of %s about %.0f requests are in flight: "
                     "--max-inflight must be above that, unless the prober warned of another "
                     "cause",
                     t->rate, fmt_duration(t->lat.p99, p99, sizeof p99), inflight + 0.5);
        }
        char longest[FMT_BUF];
        return reason(g,
                      "%s: %s blind in %" PRIu64 " interval%s (the longest %s%s at %s; ticks: %s): "
                      "the prober did not observe it on time, so the run is inconclusive "
                      "(%s)",
                      who, fmt_duration(c->value, v, sizeof v), t->blind.count,
                      t->blind.count == 1 ? "" : "s",
                      fmt_duration(t->blind.longest_us, longest, sizeof longest),
                      t->blind.longest.open ? " (open)" : "",
                      fmt_offset(an, t->blind.longest.start_us, at, sizeof at), lim, src);
    }
    case REP_RULE_REG_FAILED:
    case REP_RULE_REG_DOWNTIME:
    case REP_RULE_REG_WINDOW:
    case REP_RULE_REG_P99:
        return explain_regression(an, c, who, src);
    case REP_RULE_N:
        break;
    }
    return 0;
}

/* The database rules: not per target, and only when given (the default gate
 * is about users' HTTP responses). */
static int db_evaluate(struct analysis *an, const struct rep_config *cfg, int *failed)
{
    struct db_analysis *db = &an->db;
    struct an_gate *g = &an->gate;
    char v[FMT_BUF], at[FMT_BUF], w[FMT_BUF];
    db->max_down.reason = db->max_lock_wait.reason = -1;
    if (cfg->max_db_down_us >= 0) {
        struct db_check *c = &db->max_down;
        uint64_t queries = db->nprobes[LOG_DB_QUERY];
        c->active = 1;
        c->limit_us = cfg->max_db_down_us;
        c->value_us = db->longest_unreachable_us;
        c->passed = db->reachable && c->value_us <= c->limit_us;
        if (!c->passed) {
            int rc;
            c->reason = g->nreasons;
            if (queries == 0)
                rc = reason(g, "database: no database probe in the logs (--max-db-down %s)",
                            cfg->max_db_down_arg);
            else if (!db->reachable)
                rc = reason(g,
                            "database: never reachable: %" PRIu64 " query probes, none "
                            "answered (--max-db-down %s)",
                            queries, cfg->max_db_down_arg);
            else
                rc = reason(g, "database: unreachable for %s%s at %s (--max-db-down %s)",
                            fmt_duration(c->value_us, v, sizeof v),
                            db->unreachable[db->longest_unreachable].open ? " (open)" : "",
                            fmt_offset(an, db->unreachable[db->longest_unreachable].start_us, at,
                                       sizeof at),
                            cfg->max_db_down_arg);
            if (rc < 0)
                return -1;
            *failed = 1;
        }
    }
    if (cfg->max_lock_wait_us >= 0) {
        struct db_check *c = &db->max_lock_wait;
        c->active = 1;
        c->limit_us = cfg->max_lock_wait_us;
        const struct db_lock_wait *x = db->longest_lock >= 0 ? &db->locks[db->longest_lock] : NULL;
        c->value_us = db->longest_lock_us;
        c->passed = c->value_us <= c->limit_us;
        if (!c->passed) {
            c->reason = g->nreasons;
            if (reason(g,
                       "database: sessions waited on a lock for %s%s at %s (on %s, held %s; "
                       "longest single wait %s) (--max-lock-wait %s)",
                       fmt_duration(c->value_us, v, sizeof v), x->open ? " (never cleared)" : "",
                       fmt_offset(an, x->start_us, at, sizeof at), x->relation ? x->relation : "-",
                       x->mode ? x->mode : "-", fmt_duration(x->longest_wait_us, w, sizeof w),
                       cfg->max_lock_wait_arg) < 0)
                return -1;
            *failed = 1;
        }
    }
    return 0;
}

/* A log that does not cover the whole run makes it inconclusive whatever its
 * lines say: what came after its last line was not observed. */
static int logs_evaluate(struct analysis *an, const struct rep_config *cfg, int *incomplete,
                         int *failed)
{
    struct an_gate *g = &an->gate;
    char at[FMT_BUF];
    for (int i = 0; i < an->nlogs; i++) {
        struct an_log *l = &an->logs[i];
        int rc = 0;
        l->gate_reason = g->nreasons;
        if (!l->has_end)
            rc = reason(g,
                        "%s: no end line: the prober was cut short (killed, or its log could "
                        "not be written) %s%s, and what followed was not observed, so the "
                        "run is inconclusive",
                        l->path, l->last_event_us >= 0 ? "after " : "before its first event",
                        l->last_event_us >= 0 ? fmt_offset(an, l->last_event_us, at, sizeof at)
                                              : "");
        else if (strcmp(l->end_reason, "error") == 0)
            rc = reason(g,
                        "%s: the prober stopped on an error at %s (its standard error says "
                        "which), so the run is inconclusive",
                        l->path, fmt_offset(an, l->end_us, at, sizeof at));
        else if (l->interrupted)
            rc = reason(g,
                        "%s: the prober was stopped by a signal at %s while its command ran: "
                        "the upgrade was not observed to its end, so the run is inconclusive",
                        l->path, fmt_offset(an, l->end_us, at, sizeof at));
        else
            l->gate_reason = -1;
        if (rc < 0)
            return -1;
        if (l->gate_reason >= 0)
            *incomplete = 1;
    }
    for (int i = 0; i < an->nlogs && cfg->require_command_success; i++) {
        struct an_log *l = &an->logs[i];
        char what[512];
        l->command_reason = -1;
        /* one that did not end is already inconclusive; one that ended badly fails */
        if (l->command.command == NULL || l->command.end_us < 0 || l->command.status == 0)
            continue;
        l->command_reason = g->nreasons;
        if (reason(g, "%s: the command %s (--require-command-success)", l->path,
                   fmt_command(l, what, sizeof what)) < 0)
            return -1;
        *failed = 1;
    }
    return 0;
}

/* A --max-regression rule: the change from the baseline at most the amount,
 * or the share of the baseline's value (of a baseline of 0, none). */
static void regression(struct an_check *c, const struct rep_limit *l, int64_t change,
                       int64_t baseline)
{
    c->value = change;
    c->baseline_value = baseline;
    if (l->percent >= 0) {
        /* in double, clamped: the baseline's figure is capped, the share too,
         * but the cast of an out-of-range double is undefined */
        double allowed = (double)baseline * l->percent / 100.0 + 1e-9;
        c->limit_value = allowed >= 9e18 ? INT64_MAX : (int64_t)allowed;
    } else {
        c->limit_value = l->value;
    }
    c->passed = c->value <= c->limit_value;
}

/* What rule r compares for target t: its value, its limit (l, or the
 * implicit rule's when l is NULL) and whether it passed. */
static void measure(struct an_check *c, enum rep_rule r, const struct an_target *t,
                    const struct rep_limit *l)
{
    uint64_t sent = t->ok + t->failed;
    switch (r) {
    case REP_RULE_MAX_ERRORS:
        c->value = (int64_t)t->failed;
        if (l && l->percent >= 0) {
            /* failed/sent <= pct/100, in integers where it matters */
            c->limit_value = (int64_t)(l->percent / 100.0 * (double)sent + 1e-9);
            c->passed = (double)t->failed * 100.0 <= l->percent * (double)sent + 1e-9;
            return;
        }
        break;
    case REP_RULE_MAX_ERROR_RATE:
        /* in hundredths of a percent, for the JSON check */
        c->value = (int64_t)(t->worst_second_rate * 10000.0 + 0.5);
        c->limit_value = (int64_t)(l->percent * 100.0 + 0.5);
        c->passed = t->worst_second_rate * 100.0 <= l->percent + 1e-9;
        return;
    case REP_RULE_MIN_REQUESTS:
        c->value = (int64_t)sent;
        c->limit_value = l ? l->value : 1;
        c->passed = c->value >= c->limit_value;
        return;
    case REP_RULE_MAX_DOWNTIME:
        c->value = t->windows.total_us;
        break;
    case REP_RULE_MAX_WINDOW:
        c->value = t->windows.longest_us;
        break;
    case REP_RULE_MAX_BURST:
        c->value = t->bursts.longest_us;
        break;
    case REP_RULE_MAX_P99:
        c->value = t->lat.p99;
        break;
    case REP_RULE_MAX_BLIND:
        c->value = t->blind.total_us;
        break;
    case REP_RULE_REG_FAILED:
        regression(c, l, t->base.d_failed, (int64_t)t->base.failed);
        return;
    case REP_RULE_REG_DOWNTIME:
        regression(c, l, t->base.d_downtime_us, t->base.downtime_us);
        return;
    case REP_RULE_REG_WINDOW:
        regression(c, l, t->base.d_longest_window_us, t->base.longest_window_us);
        return;
    case REP_RULE_REG_P99:
        regression(c, l, t->base.d_p99_us, t->base.p99_us);
        return;
    case REP_RULE_N:
        break;
    }
    /* the others are "at most"; an implicit one (no failed request, no
     * blind time) at most zero */
    c->limit_value = l ? l->value : 0;
    c->passed = c->value <= c->limit_value;
}

/* What rule r measures for target t, whatever its limit. */
static void measure_value(struct an_check *c, enum rep_rule r, const struct an_target *t)
{
    /* any limit will do: the value does not depend on it */
    struct rep_limit any = {.rule = r, .percent = 0};
    struct an_check tmp = *c;
    measure(&tmp, r, t, &any);
    c->value = tmp.value;
}

/* A check against its warn level wl: beyond it, and within the fail level, a
 * warning (its line, like a failure's reason, in an_gate.warnings). */
static int warn(struct analysis *an, struct an_check *c, const struct rep_limit *wl,
                const char *who)
{
    struct an_gate *g = &an->gate;
    struct an_check w = *c;
    measure(&w, c->rule, &an->targets[c->target], wl);
    c->warn_limit = wl;
    c->warn_limit_value = w.limit_value;
    /* a check that failed says so already: no warning besides */
    if (w.passed || !c->passed)
        return 0;
    /* the line a failure of this level would give, kept as a warning */
    w.limit = wl;
    if (explain(an, &w, who) < 0)
        return -1;
    if (last_reason_is_warning(g) < 0)
        return -1;
    c->warned = 1;
    c->warning = g->nwarnings - 1;
    return 0;
}

/* A regression rule for a target that the baseline lacks (a new target, a
 * renamed one) is not applied: said in the warnings, never a silent pass. */
static int no_baseline(struct analysis *an, struct an_check *c, const struct rep_limit *l,
                       const char *who)
{
    struct an_gate *g = &an->gate;
    char src[512];
    c->passed = 1;
    c->no_baseline = 1;
    c->limit_value = -1;
    limit_source(l, c->rule, src, sizeof src);
    /* one line per target, whatever the number of its rules */
    for (int k = 0; k < g->nchecks - 1; k++)
        if (g->checks[k].target == c->target && g->checks[k].no_baseline) {
            c->warning = g->checks[k].warning;
            return 0;
        }
    const struct an_target *t = &an->targets[c->target];
    int rc;
    if (!t->base.present)
        rc = reason(g,
                    "%s: not in the baseline %s: its --max-regression rules were not applied (%s)",
                    who, an->baseline ? an->baseline->path : "", src);
    else
        rc = reason(g,
                    "%s: measured unlike the baseline %s (%g/s from %d log%s here, %g/s from %d "
                    "there): its --max-regression rules were not applied (%s)",
                    who, an->baseline ? an->baseline->path : "", t->rate, t->nlogs,
                    t->nlogs == 1 ? "" : "s", t->base.rate, t->base.logs, src);
    if (rc < 0)
        return -1;
    if (last_reason_is_warning(g) < 0)
        return -1;
    c->warning = g->nwarnings - 1;
    return 0;
}

/* A baseline that failed its own gate is a low bar: a run within its
 * regression rules may still hurt users as much. Said, with the rules. */
static int baseline_evaluate(struct analysis *an, const struct rep_config *cfg)
{
    struct an_gate *g = &an->gate;
    int rules = 0;
    for (int i = 0; i < cfg->nlimits; i++)
        rules |= spec_rule_kind(cfg->limits[i].rule) != NULL;
    if (an->baseline == NULL || !rules || strcmp(an->baseline->verdict, "pass") == 0)
        return 0;
    if (reason(g,
               "baseline %s: its own verdict was %s: a run within its --max-regression rules may "
               "hurt users as much",
               an->baseline->path, an->baseline->verdict) < 0)
        return -1;
    return last_reason_is_warning(g);
}

int gate_evaluate(struct analysis *an, const struct rep_config *cfg)
{
    struct an_gate *g = &an->gate;
    int failed = 0, incomplete = 0;
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        char who[512];
        fmt_target(an, t, who, sizeof who);
        /* no silent loosening: a window or downtime rule adds to "no failed
         * request", only --max-errors replaces it */
        int has_failure_rule = limit_for(cfg, t->name, REP_RULE_MAX_ERRORS, 0) != NULL;
        for (int r = 0; r < REP_RULE_N; r++) {
            const struct rep_limit *l = limit_for(cfg, t->name, (enum rep_rule)r, 0);
            const struct rep_limit *wl = limit_for(cfg, t->name, (enum rep_rule)r, 1);
            struct an_check *c;
            int implicit = (r == REP_RULE_MAX_ERRORS && !has_failure_rule) ||
                           r == REP_RULE_MIN_REQUESTS ||
                           (r == REP_RULE_MAX_BLIND && !cfg->allow_skipped);
            if (l == NULL && !implicit && wl == NULL)
                continue;
            if ((c = add_check(g, i, (enum rep_rule)r, l)) == NULL)
                return -1;
            if (spec_rule_kind((enum rep_rule)r) && !(t->base.present && t->base.comparable)) {
                if (no_baseline(an, c, l ? l : wl, who) < 0)
                    return -1;
                continue;
            }
            if (l == NULL && !implicit) {
                /* a warn level alone: nothing to fail */
                c->passed = 1;
                c->limit_value = -1;
                measure_value(c, (enum rep_rule)r, t);
            } else {
                measure(c, (enum rep_rule)r, t, l);
            }
            if (wl && warn(an, c, wl, who) < 0)
                return -1;
            if (c->passed)
                continue;
            if (r == REP_RULE_MAX_BLIND)
                incomplete = 1;
            else
                failed = 1;
            c->reason = g->nreasons;
            if (explain(an, c, who) < 0)
                return -1;
        }
    }
    if (baseline_evaluate(an, cfg) < 0)
        return -1;
    if (logs_evaluate(an, cfg, &incomplete, &failed) < 0)
        return -1;
    int db_rules = cfg->max_db_down_us >= 0 || cfg->max_lock_wait_us >= 0;
    if (db_evaluate(an, cfg, &failed) < 0)
        return -1;
    /* a database-only run (pbprobe --db without a URL) is judged by its rules */
    if (an->ntargets == 0 && !(db_rules && an->db.present)) {
        failed = 1;
        g->no_target = 1;
        if (reason(g, "no target in the logs: nothing was probed") < 0)
            return -1;
    }
    g->verdict = failed ? AN_FAIL : incomplete ? AN_INCONCLUSIVE : AN_PASS;
    g->passed = g->verdict == AN_PASS;
    return 0;
}
