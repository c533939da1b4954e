/* The JUnit XML report, for CI systems that show test results: one test case
 * per target (does it meet every rule?) and one per rule and target, so a
 * failure names the rule that blocked the release. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "gate_spec.h"
#include "output.h"

/* Text for XML 1.0: markup escaped; what XML cannot hold at all (most
 * control characters, invalid UTF-8) replaced with '?'. */
static void xml(FILE *f, const char *s)
{
    while (s && *s) {
        unsigned char ch = (unsigned char)*s;
        int len = fmt_utf8_len(s);
        if (len > 1) {
            fwrite(s, 1, (size_t)len, f);
            s += len;
            continue;
        }
        s++;
        if (len == 0 || (ch < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f)
            fputc('?', f);
        else if (ch == '<')
            fputs("&lt;", f);
        else if (ch == '>')
            fputs("&gt;", f);
        else if (ch == '&')
            fputs("&amp;", f);
        else if (ch == '"')
            fputs("&quot;", f);
        else if (ch == '\'')
            fputs("&apos;", f);
        else
            fputc(ch, f);
    }
}

static void rule_name(const struct an_check *c, char *buf, size_t len)
{
    char v[FMT_BUF];
    if (c->limit)
        snprintf(buf, len, "%s %s", spec_rule_name(c->rule), c->limit->arg);
    else if (spec_rule_is_duration(c->rule))
        snprintf(buf, len, "%s %s", spec_rule_name(c->rule),
                 fmt_duration(c->limit_value, v, sizeof v));
    else
        snprintf(buf, len, "%s %" PRId64 " (default)", spec_rule_name(c->rule), c->limit_value);
}

static void summary(const struct analysis *an, const struct an_target *t, char *buf, size_t len)
{
    char a[FMT_BUF], d[FMT_BUF], p[FMT_BUF];
    snprintf(buf, len,
             "%" PRIu64 " requests, %" PRIu64 " failed, %" PRIu64 " skipped, availability %s, "
             "downtime %s in %" PRIu64 " windows, %" PRIu64 " bursts, p99 %s",
             t->requests, t->failed, t->skipped, fmt_availability(t->availability, a, sizeof a),
             fmt_duration(t->windows.total_us, d, sizeof d), t->windows.count, t->bursts.count,
             fmt_duration(t->lat.p99, p, sizeof p));
    (void)an;
}

/* The test cases and failures one run's suite holds. */
static void counts(const struct analysis *an, int *tests, int *failures)
{
    const struct an_gate *g = &an->gate;
    const struct db_check *dbc[] = {&an->db.max_down, &an->db.max_lock_wait};
    *tests = an->ntargets + g->nchecks + (g->no_target) + an->nlogs;
    *failures = 0;
    for (int i = 0; i < an->nlogs; i++) {
        const struct an_log *l = &an->logs[i];
        *failures += l->gate_reason >= 0;
        if (an->cfg->require_command_success && l->command.command) {
            (*tests)++;
            *failures += l->command_reason >= 0;
        }
    }
    for (int i = 0; i < 2; i++) {
        *tests += dbc[i]->active;
        *failures += dbc[i]->active && !dbc[i]->passed;
    }
    for (int i = 0; i < g->nchecks; i++)
        *failures += !g->checks[i].passed;
    for (int i = 0; i < an->ntargets; i++)
        for (int j = 0; j < g->nchecks; j++)
            if (g->checks[j].target == i && !g->checks[j].passed) {
                (*failures)++;
                break;
            }
    *failures += g->no_target;
}

static int64_t run_us(const struct analysis *an)
{
    return an->first_us >= 0 ? an->last_us - an->first_us : 0;
}

/* One run's testsuite element. */
static void suite(FILE *f, const struct analysis *an, const char *suite_name)
{
    const struct an_gate *g = &an->gate;
    const struct db_check *dbc[] = {&an->db.max_down, &an->db.max_lock_wait};
    static const char *const dbname[] = {"max-db-down", "max-lock-wait"};
    int tests, failures;
    char secs[FMT_BUF], date[FMT_BUF];
    counts(an, &tests, &failures);
    fmt_seconds(run_us(an), secs, sizeof secs);
    fprintf(f,
            "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
            "skipped=\"0\" time=\"%s\"",
            suite_name, tests, failures, secs);
    if (an->first_us >= 0) {
        fmt_date(an->first_us, date, sizeof date);
        date[10] = 'T'; /* "2025-11-26T14:03:21", as JUnit wants it */
        date[19] = '\0';
        fprintf(f, " timestamp=\"%s\"", date);
    }
    fputs(">\n    <properties>\n", f);
    fprintf(f, "      <property name=\"verdict\" value=\"%s\"/>\n", fmt_verdict(g->verdict));
    for (int i = 0; i < an->nlogs; i++) {
        char what[512];
        fputs("      <property name=\"log\" value=\"", f);
        xml(f, an->logs[i].path);
        fputs("\"/>\n", f);
        if (an->logs[i].command.command == NULL)
            continue;
        fputs("      <property name=\"command\" value=\"", f);
        xml(f, fmt_command(&an->logs[i], what, sizeof what));
        fputs("\"/>\n", f);
    }
    fputs("    </properties>\n", f);
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        char name[512], sum[512];
        fmt_target(an, t, name, sizeof name);
        summary(an, t, sum, sizeof sum);
        fputs("    <testcase classname=\"pbprobe.target\" name=\"", f);
        xml(f, name);
        fprintf(f, "\" time=\"%s\">\n",
                fmt_seconds(t->first_us >= 0 ? t->last_us - t->first_us : 0, secs, sizeof secs));
        int failed = 0;
        for (int j = 0; j < g->nchecks; j++)
            if (g->checks[j].target == i && !g->checks[j].passed)
                failed = 1;
        if (failed) {
            fputs("      <failure type=\"gate\" message=\"", f);
            xml(f, sum);
            fputs("\">", f);
            for (int j = 0; j < g->nchecks; j++)
                if (g->checks[j].target == i && g->checks[j].reason >= 0) {
                    xml(f, g->reasons[g->checks[j].reason]);
                    fputc('\n', f);
                }
            fputs("</failure>\n", f);
        }
        fputs("      <system-out>", f);
        xml(f, sum);
        fputs("</system-out>\n    </testcase>\n", f);
    }
    for (int j = 0; j < g->nchecks; j++) {
        const struct an_check *c = &g->checks[j];
        char name[512], rule[256];
        fmt_target(an, &an->targets[c->target], name, sizeof name);
        rule_name(c, rule, sizeof rule);
        fputs("    <testcase classname=\"pbprobe.gate.", f);
        xml(f, name);
        fputs("\" name=\"", f);
        xml(f, name);
        fputs(": ", f);
        xml(f, rule);
        fputs("\" time=\"0\"", f);
        if (c->passed) {
            fputs("/>\n", f);
            continue;
        }
        fprintf(f, ">\n      <failure type=\"%s\" message=\"", spec_rule_name(c->rule));
        if (c->reason >= 0)
            xml(f, g->reasons[c->reason]);
        fputs("\"/>\n    </testcase>\n", f);
    }
    for (int i = 0; i < 2; i++) {
        /* one test case per database rule given */
        if (!dbc[i]->active)
            continue;
        fprintf(
            f, "    <testcase classname=\"pbprobe.gate.database\" name=\"database: %s\" time=\"0\"",
            dbname[i]);
        if (dbc[i]->passed) {
            fputs("/>\n", f);
            continue;
        }
        fprintf(f, ">\n      <failure type=\"%s\" message=\"", dbname[i]);
        if (dbc[i]->reason >= 0)
            xml(f, g->reasons[dbc[i]->reason]);
        fputs("\"/>\n    </testcase>\n", f);
    }
    for (int i = 0; i < an->nlogs; i++) {
        /* one test case per log: did it observe the run to its end? */
        const struct an_log *l = &an->logs[i];
        fputs("    <testcase classname=\"pbprobe.gate.log\" name=\"", f);
        xml(f, l->path);
        fputs(": observed to its end\" time=\"0\"", f);
        if (l->gate_reason < 0) {
            fputs("/>\n", f);
            continue;
        }
        fputs(">\n      <failure type=\"inconclusive\" message=\"", f);
        xml(f, g->reasons[l->gate_reason]);
        fputs("\"/>\n    </testcase>\n", f);
    }
    for (int i = 0; i < an->nlogs && an->cfg->require_command_success; i++) {
        const struct an_log *l = &an->logs[i];
        if (l->command.command == NULL)
            continue;
        fputs("    <testcase classname=\"pbprobe.gate.log\" name=\"", f);
        xml(f, l->path);
        fputs(": the command succeeded\" time=\"0\"", f);
        if (l->command_reason < 0) {
            fputs("/>\n", f);
            continue;
        }
        fputs(">\n      <failure type=\"require-command-success\" message=\"", f);
        xml(f, g->reasons[l->command_reason]);
        fputs("\"/>\n    </testcase>\n", f);
    }
    if (g->no_target) {
        fputs("    <testcase classname=\"pbprobe.gate\" name=\"any target probed\" time=\"0\">\n"
              "      <failure type=\"gate\" message=\"no target in the logs: nothing was "
              "probed\"/>\n    </testcase>\n",
              f);
    }
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

int out_junit(FILE *f, const struct analysis *an)
{
    int tests, failures;
    char secs[FMT_BUF];
    counts(an, &tests, &failures);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f,
            "<testsuites name=\"pbprobe-report\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
            "time=\"%s\">\n",
            tests, failures, fmt_seconds(run_us(an), secs, sizeof secs));
    suite(f, an, "pbprobe-report");
    fputs("</testsuites>\n", f);
    return ferror(f) ? -1 : 0;
}

int out_junit_runs(FILE *f, const struct rep_runs *rs)
{
    int tests = 0, failures = 0;
    int64_t us = 0;
    char secs[FMT_BUF];
    for (int i = 0; i < rs->n; i++) {
        int t, fl;
        counts(&rs->an[i], &t, &fl);
        tests += t;
        failures += fl;
        us += run_us(&rs->an[i]);
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f,
            "<testsuites name=\"pbprobe-report\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
            "time=\"%s\">\n",
            tests, failures, fmt_seconds(us, secs, sizeof secs));
    for (int i = 0; i < rs->n; i++) {
        char name[64];
        snprintf(name, sizeof name, "pbprobe-report run %d", i + 1);
        suite(f, &rs->an[i], name);
    }
    fputs("</testsuites>\n", f);
    return ferror(f) ? -1 : 0;
}
