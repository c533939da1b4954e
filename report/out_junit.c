/* The JUnit XML report, for CI systems that show test results: one test case
 * per target (does it meet every rule?) and one per rule and target, so a
 * failure names the rule that blocked the release. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "gate_spec.h"
#include "output.h"

/* Text for XML 1.0: markup escaped; what XML cannot hold at all (most
 * control characters, invalid UTF-8) replaced with '?'. */
static void xml(FILE *f, const char *s)
{
    static const struct fmt_markup xml_text = {"\t\n", 1, ""};
    fmt_escaped(f, s, &xml_text);
}

static void rule_name(const struct an_check *c, char *buf, size_t len)
{
    char v[FMT_BUF];
    if (c->limit)
        snprintf(buf, len, "%s %s", spec_rule_name(c->rule), c->limit->arg);
    else if (c->warn_limit && c->limit_value < 0) /* a warn level alone */
        snprintf(buf, len, "warn %s %s", spec_rule_name(c->rule), c->warn_limit->arg);
    else if (spec_rule_is_duration(c->rule))
        snprintf(buf, len, "%s %s", spec_rule_name(c->rule),
                 fmt_duration(c->limit_value, v, sizeof v));
    else
        snprintf(buf, len, "%s %" PRId64 " (default)", spec_rule_name(c->rule), c->limit_value);
}

static void summary(const struct analysis *an, const struct an_target *t, char *buf, size_t len)
{
    char a[FMT_BUF], d[FMT_BUF], p[FMT_BUF], w[FMT_BUF];
    int used =
        snprintf(buf, len,
                 "%" PRIu64 " requests, %" PRIu64 " failed, %" PRIu64 " skipped, availability %s, "
                 "downtime %s in %" PRIu64 " windows, %" PRIu64 " bursts, p99 %s",
                 t->requests, t->failed, t->skipped, fmt_availability(t->availability, a, sizeof a),
                 fmt_duration(t->windows.total_us, d, sizeof d), t->windows.count, t->bursts.count,
                 fmt_duration(t->lat.p99, p, sizeof p));
    if (an->baseline && t->base.present && used > 0 && (size_t)used < len)
        snprintf(buf + used, len - (size_t)used,
                 "; against the baseline: failed %s%" PRId64 ", downtime %s, longest window %s, "
                 "p99 %s",
                 t->base.d_failed < 0 ? "" : "+", t->base.d_failed,
                 fmt_duration_change(t->base.d_downtime_us, d, sizeof d),
                 fmt_duration_change(t->base.d_longest_window_us, w, sizeof w),
                 fmt_duration_change(t->base.d_p99_us, p, sizeof p));
}

/* One test case of a run's suite: collected once, then counted and written,
 * so that the counts in the suite's attributes are those of its cases. */
struct junit_case {
    char classname[600];
    char name[800];
    char time[FMT_BUF];
    const char *failure; /* the failure's type; NULL when the case passed */
    const char *message; /* the failure's message */
    const char *skipped; /* passed beyond a warn level: the warning, as a skipped
                            marker GitLab and Jenkins show; NULL otherwise */
    int target;          /* a target's own case: its reasons in the failure; else -1 */
    char summary[512];   /* a target's own case: its numbers, in system-out */
};

struct junit_suite {
    struct junit_case *cases;
    int ncases;
    int failures;
    int skipped;
};

static struct junit_case *add_case(struct junit_suite *s, const char *classname,
                                   const char *failure, const char *message)
{
    struct junit_case *c = &s->cases[s->ncases++];
    memset(c, 0, sizeof *c);
    snprintf(c->classname, sizeof c->classname, "%s", classname);
    snprintf(c->time, sizeof c->time, "0");
    c->failure = failure;
    c->message = message ? message : "";
    c->target = -1;
    s->failures += failure != NULL;
    return c;
}

/* Every case of one run, in the order they are written: per target, per
 * rule and target, per database rule given, per log, per command when its
 * success is required, and one when nothing was probed. */
static int collect(const struct analysis *an, struct junit_suite *s)
{
    const struct an_gate *g = &an->gate;
    const struct db_check *dbc[] = {&an->db.max_down, &an->db.max_lock_wait};
    static const char *const dbname[] = {"max-db-down", "max-lock-wait"};
    char name[512], rule[256];
    s->ncases = s->failures = s->skipped = 0;
    s->cases =
        calloc((size_t)(an->ntargets + g->nchecks + 2 + 2 * an->nlogs + 1), sizeof *s->cases);
    if (s->cases == NULL)
        return -1;
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        int passed = 1;
        for (int j = 0; j < g->nchecks; j++)
            if (g->checks[j].target == i && !g->checks[j].passed)
                passed = 0;
        struct junit_case *c = add_case(s, "pbprobe.target", passed ? NULL : "gate", NULL);
        fmt_target(an, t, c->name, sizeof c->name);
        fmt_seconds(t->first_us >= 0 ? t->last_us - t->first_us : 0, c->time, sizeof c->time);
        summary(an, t, c->summary, sizeof c->summary);
        c->message = c->summary;
        c->target = i;
    }
    for (int j = 0; j < g->nchecks; j++) {
        const struct an_check *ck = &g->checks[j];
        fmt_target(an, &an->targets[ck->target], name, sizeof name);
        rule_name(ck, rule, sizeof rule);
        struct junit_case *c = add_case(s, "", ck->passed ? NULL : spec_rule_name(ck->rule),
                                        ck->reason >= 0 ? g->reasons[ck->reason] : NULL);
        snprintf(c->classname, sizeof c->classname, "pbprobe.gate.%s", name);
        snprintf(c->name, sizeof c->name, "%s: %s", name, rule);
        if (ck->warned || ck->no_baseline) {
            c->skipped = g->warnings[ck->warning];
            s->skipped++;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (!dbc[i]->active)
            continue;
        struct junit_case *c =
            add_case(s, "pbprobe.gate.database", dbc[i]->passed ? NULL : dbname[i],
                     dbc[i]->reason >= 0 ? g->reasons[dbc[i]->reason] : NULL);
        snprintf(c->name, sizeof c->name, "database: %s", dbname[i]);
    }
    for (int i = 0; i < an->nlogs; i++) {
        /* did each log observe the run to its end? */
        const struct an_log *l = &an->logs[i];
        struct junit_case *c =
            add_case(s, "pbprobe.gate.log", l->gate_reason >= 0 ? "inconclusive" : NULL,
                     l->gate_reason >= 0 ? g->reasons[l->gate_reason] : NULL);
        snprintf(c->name, sizeof c->name, "%s: observed to its end", l->path);
    }
    for (int i = 0; i < an->nlogs && an->cfg->require_command_success; i++) {
        const struct an_log *l = &an->logs[i];
        if (l->command.command == NULL)
            continue;
        struct junit_case *c = add_case(
            s, "pbprobe.gate.log", l->command_reason >= 0 ? "require-command-success" : NULL,
            l->command_reason >= 0 ? g->reasons[l->command_reason] : NULL);
        snprintf(c->name, sizeof c->name, "%s: the command succeeded", l->path);
    }
    if (g->no_target) {
        struct junit_case *c =
            add_case(s, "pbprobe.gate", "gate", "no target in the logs: nothing was probed");
        snprintf(c->name, sizeof c->name, "any target probed");
    }
    return 0;
}

static void write_case(FILE *f, const struct analysis *an, const struct junit_case *c)
{
    const struct an_gate *g = &an->gate;
    fputs("    <testcase classname=\"", f);
    xml(f, c->classname);
    fputs("\" name=\"", f);
    xml(f, c->name);
    fprintf(f, "\" time=\"%s\"", c->time);
    if (c->failure == NULL && c->target < 0 && c->skipped == NULL) {
        fputs("/>\n", f);
        return;
    }
    fputs(">\n", f);
    if (c->skipped) {
        fputs("      <skipped message=\"WARN: ", f);
        xml(f, c->skipped);
        fputs("\"/>\n", f);
    }
    if (c->failure) {
        fprintf(f, "      <failure type=\"%s\" message=\"", c->failure);
        xml(f, c->message);
        if (c->target < 0) {
            fputs("\"/>\n", f);
        } else {
            /* a target's failure: every reason of its rules */
            fputs("\">", f);
            for (int j = 0; j < g->nchecks; j++)
                if (g->checks[j].target == c->target && g->checks[j].reason >= 0) {
                    xml(f, g->reasons[g->checks[j].reason]);
                    fputc('\n', f);
                }
            fputs("</failure>\n", f);
        }
    }
    if (c->target >= 0) {
        const struct an_target *t = &an->targets[c->target];
        fputs("      <system-out>", f);
        xml(f, c->summary);
        /* where the failures came from: the peer names the pod to look at */
        for (int by = 0; by < AN_NSPLIT && t->failed; by++) {
            if (!t->by[by].known)
                continue;
            fprintf(f, "\nfailures by %s: ", fmt_split_by((enum an_split_by)by));
            fmt_splits(f, &t->by[by], (enum an_split_by)by, xml);
        }
        /* GitLab's test report and Jenkins' attachments plugin link a file so
         * named from the test case */
        if (an->cfg->plot) {
            fputs("\n[[ATTACHMENT|", f);
            xml(f, an->cfg->plot);
            fputs("]]", f);
        }
        for (int i = 0; i < an->cfg->nattach; i++) {
            fputs("\n[[ATTACHMENT|", f);
            xml(f, an->cfg->attach[i]);
            fputs("]]", f);
        }
        fputs("</system-out>\n", f);
    }
    fputs("    </testcase>\n", f);
}

static int64_t run_us(const struct analysis *an)
{
    return an->first_us >= 0 ? an->last_us - an->first_us : 0;
}

/* One run's testsuite element. */
static void suite(FILE *f, const struct analysis *an, const struct junit_suite *s,
                  const char *suite_name)
{
    char secs[FMT_BUF], date[FMT_BUF];
    fprintf(f,
            "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
            "skipped=\"%d\" time=\"%s\"",
            suite_name, s->ncases, s->failures, s->skipped,
            fmt_seconds(run_us(an), secs, sizeof secs));
    if (an->first_us >= 0)
        fprintf(f, " timestamp=\"%s\"", fmt_date_iso(an->first_us, date, sizeof date));
    fputs(">\n    <properties>\n", f);
    fprintf(f, "      <property name=\"verdict\" value=\"%s\"/>\n", fmt_verdict(an->gate.verdict));
    if (an->baseline) {
        fputs("      <property name=\"baseline\" value=\"", f);
        xml(f, an->baseline->path);
        fputs("\"/>\n", f);
    }
    for (int i = 0; i < an->nlogs; i++) {
        char what[1024];
        fputs("      <property name=\"log\" value=\"", f);
        xml(f, an->logs[i].path);
        fputs("\"/>\n", f);
        if (an->logs[i].abort.present) {
            fputs("      <property name=\"abort\" value=\"", f);
            xml(f, fmt_abort(an, &an->logs[i], what, sizeof what));
            fputs("\"/>\n", f);
        }
        if (an->logs[i].command.command == NULL)
            continue;
        fputs("      <property name=\"command\" value=\"", f);
        xml(f, fmt_command(&an->logs[i], what, sizeof what));
        fputs("\"/>\n", f);
    }
    fputs("    </properties>\n", f);
    for (int i = 0; i < s->ncases; i++)
        write_case(f, an, &s->cases[i]);
    if (an->nnotes) {
        fputs("    <system-err>", f);
        for (int i = 0; i < an->nnotes; i++) {
            xml(f, an->notes[i]);
            fputc('\n', f);
        }
        fputs("</system-err>\n", f);
    }
    fputs("  </testsuite>\n", f);
}

/* The whole document: one suite per run, the totals theirs. */
static int write_runs(FILE *f, const struct analysis *runs, int nruns)
{
    struct junit_suite *suites = calloc((size_t)nruns, sizeof *suites);
    int tests = 0, failures = 0, skipped = 0, rc = 0;
    int64_t us = 0;
    char secs[FMT_BUF];
    if (suites == NULL)
        return -1;
    for (int i = 0; i < nruns && rc == 0; i++) {
        rc = collect(&runs[i], &suites[i]);
        tests += suites[i].ncases;
        failures += suites[i].failures;
        skipped += suites[i].skipped;
        us += run_us(&runs[i]);
    }
    if (rc == 0) {
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
        fprintf(f,
                "<testsuites name=\"pbprobe-report\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
                "skipped=\"%d\" time=\"%s\">\n",
                tests, failures, skipped, fmt_seconds(us, secs, sizeof secs));
        for (int i = 0; i < nruns; i++) {
            char name[64];
            if (nruns == 1)
                snprintf(name, sizeof name, "pbprobe-report");
            else
                snprintf(name, sizeof name, "pbprobe-report run %d", i + 1);
            suite(f, &runs[i], &suites[i], name);
        }
        fputs("</testsuites>\n", f);
    }
    for (int i = 0; i < nruns; i++)
        free(suites[i].cases);
    free(suites);
    return rc < 0 || ferror(f) ? -1 : 0;
}

int out_junit(FILE *f, const struct analysis *an)
{
    return write_runs(f, an, 1);
}

int out_junit_runs(FILE *f, const struct rep_runs *rs)
{
    return write_runs(f, rs->an, rs->n);
}
