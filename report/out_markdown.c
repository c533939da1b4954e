/* The Markdown report, for a CI step summary or a pull-request comment: the
 * verdict and reasons, a table of targets, then windows and bursts folded in
 * <details>. Strings from logs are escaped so a target name cannot break the
 * table or inject markup. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "output.h"

/* The most a report may be: GitHub keeps a step summary up to 1 MiB and a
 * pull-request comment up to 65536 characters; at most this many bytes fits
 * both. A longer report (thousands of targets, runs or lock waits) is cut at
 * the last whole row or section that fits, and says so. */
#define MD_MAX_BYTES 60000
/* reasons and warnings listed, the first ones: the table follows them */
#define MD_LISTED 20
/* room kept under the cap for the closing tag and the note of the cut */
#define MD_CUT_ROOM 400

/* The report is written to memory first; after each whole row or section,
 * the place is remembered as one where it may be cut. */
struct md {
    FILE *f;
    long safe;        /* the last place it may be cut */
    int safe_details; /* a <details> is open there */
    int details;      /* a <details> is open now */
};

/* After a whole row or section: remember the place while it is under the
 * cap. */
static void md_safe(struct md *m)
{
    long at = ftell(m->f);
    if (at >= 0 && at <= MD_MAX_BYTES - MD_CUT_ROOM) {
        m->safe = at;
        m->safe_details = m->details;
    }
}

static void details_open(struct md *m, const char *summary)
{
    fprintf(m->f, "\n<details><summary>%s</summary>\n\n", summary);
    m->details = 1;
}

static void details_close(struct md *m)
{
    fputs("\n</details>\n", m->f);
    m->details = 0;
    md_safe(m);
}

/* Text safe in a Markdown table cell or list item (GitHub flavour): the
 * characters that make markup backslash-escaped (@ too: it would mention a
 * user in a pull request), HTML as entities, control characters and invalid
 * UTF-8 as '?'. */
static void md(FILE *f, const char *s)
{
    static const struct fmt_markup markdown = {"", 0, "\\`*_[]|~#@"};
    fmt_escaped(f, s, &markdown);
}

static void span_rows(struct md *m, const struct analysis *an, int burst)
{
    FILE *f = m->f;
    int any = 0;
    for (int i = 0; i < an->ntargets; i++)
        any |= (burst ? an->targets[i].bursts.nlisted : an->targets[i].windows.nlisted) > 0;
    if (!any)
        return;
    details_open(m, burst ? "Error bursts" : "Downtime windows");
    fprintf(f, "| target | start (UTC) | offset | duration | failed | outcomes | phase |\n"
               "|---|---|--:|--:|--:|---|---|\n");
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        const struct an_spans *s = burst ? &t->bursts : &t->windows;
        char name[512];
        fmt_target(an, t, name, sizeof name);
        for (int j = 0; j < s->nlisted; j++) {
            const struct an_span *sp = &s->listed[j];
            char clk[FMT_BUF], off[FMT_BUF], dur[FMT_BUF], mix[512], phase[512];
            fputs("| ", f);
            md(f, name);
            fprintf(f, " | %s | %s | %s%s | ", fmt_clock(sp->start_us, clk, sizeof clk),
                    fmt_offset(an, sp->start_us, off, sizeof off),
                    fmt_duration(sp->end_us - sp->start_us, dur, sizeof dur),
                    sp->open ? " (open)" : "");
            if (burst)
                fprintf(f, "%" PRIu64 " of %" PRIu64 " | ", sp->failed, sp->requests);
            else
                fprintf(f, "%" PRIu64 " | ", sp->failed);
            md(f, fmt_mix(&sp->mix, mix, sizeof mix));
            fputs(" | ", f);
            md(f, fmt_phase(an, sp->phase, phase, sizeof phase));
            md(f, fmt_event(an, sp->event, phase, sizeof phase));
            fputs(" |\n", f);
            md_safe(m);
        }
        if ((uint64_t)s->nlisted < s->count) {
            fputs("| ", f);
            md(f, name);
            fprintf(f, " | %" PRIu64 " shorter ones not listed | | | | | |\n",
                    s->count - (uint64_t)s->nlisted);
            md_safe(m);
        }
    }
    details_close(m);
}

/* Where the failures came from: per target with failures, a row for each
 * peer, connection kind and protocol that failed (the FMT_SPLITS_SHOWN
 * worst), one for those that did not. */
static void split_rows(struct md *m, const struct analysis *an)
{
    FILE *f = m->f;
    int any = 0;
    for (int i = 0; i < an->ntargets; i++)
        for (int by = 0; by < AN_NSPLIT && an->targets[i].failed; by++)
            any |= an->targets[i].by[by].known;
    if (!any)
        return;
    details_open(m, "Failures by peer, connection and protocol");
    fprintf(f, "| target | by | value | failed | of requests | outcomes |\n"
               "|---|---|---|--:|--:|---|\n");
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        char name[512], mix[512];
        fmt_target(an, t, name, sizeof name);
        for (int by = 0; by < AN_NSPLIT && t->failed; by++) {
            const struct an_splits *sp = &t->by[by];
            const char *what = fmt_split_by((enum an_split_by)by);
            int shown = sp->failing < FMT_SPLITS_SHOWN ? sp->failing : FMT_SPLITS_SHOWN;
            if (!sp->known)
                continue;
            for (int j = 0; j < shown; j++) {
                const struct an_split *v = &sp->v[j];
                fputs("| ", f);
                md(f, name);
                fprintf(f, " | %s | ", what);
                md(f, fmt_split_key(v, (enum an_split_by)by));
                fprintf(f, " | %" PRIu64 " | %" PRIu64 " | ", v->failed, v->requests);
                md(f, fmt_mix(&v->mix, mix, sizeof mix));
                fputs(" |\n", f);
                md_safe(m);
            }
            if (sp->failing > shown) {
                fputs("| ", f);
                md(f, name);
                fprintf(f, " | %s | %d more with failures | | | |\n", what, sp->failing - shown);
            }
            if (sp->n > sp->failing) {
                fputs("| ", f);
                md(f, name);
                fprintf(f, " | %s | %d other%s | 0 | %" PRIu64 " | |\n", what, sp->n - sp->failing,
                        sp->n - sp->failing == 1 ? "" : "s", sp->clean_requests);
            }
            md_safe(m);
        }
    }
    details_close(m);
}

/* The database: one table row per unreachable window, refusal, schema
 * change and lock wait, on the report's clock. */
static void database(struct md *m, const struct analysis *an)
{
    FILE *f = m->f;
    const struct db_analysis *db = &an->db;
    char a[FMT_BUF], b[FMT_BUF], d[FMT_BUF], e[FMT_BUF];
    if (!db->present)
        return;
    fputs("\n**Database**", f);
    if (!db->reachable)
        fputs(": never reachable", f);
    fputs("\n\n| what | at | for | detail |\n|---|---|--:|---|\n", f);
    for (int i = 0; i < db->nunreachable; i++) {
        const struct db_window *w = &db->unreachable[i];
        fprintf(f, "| unreachable | %s (%s) | %s%s | %" PRIu64 " failed probes |\n",
                fmt_clock(w->start_us, a, sizeof a), fmt_offset(an, w->start_us, b, sizeof b),
                fmt_duration(w->end_us - w->start_us, d, sizeof d), w->open ? " (open)" : "",
                w->probes);
        md_safe(m);
    }
    for (int i = 0; i < db->nrefused; i++) {
        const struct db_window *w = &db->refused[i];
        fprintf(f, "| fresh connections refused | %s (%s) | %s%s | %s |\n",
                fmt_clock(w->start_us, a, sizeof a), fmt_offset(an, w->start_us, b, sizeof b),
                fmt_duration(w->end_us - w->start_us, d, sizeof d), w->open ? " (open)" : "",
                w->codes.n && w->codes.c[0].code[0] ? w->codes.c[0].code : "network");
        md_safe(m);
    }
    for (int i = 0; i < db->nschema; i++) {
        fprintf(f, "| schema | %s (%s) | | ", fmt_clock(db->schema[i].t_us, a, sizeof a),
                fmt_offset(an, db->schema[i].t_us, b, sizeof b));
        md(f, db->schema[i].value ? db->schema[i].value : "(no row)");
        fputs(" |\n", f);
        md_safe(m);
    }
    for (int i = 0; i < db->nlocks; i++) {
        const struct db_lock_wait *w = &db->locks[i];
        fprintf(f, "| lock wait | %s (%s) | %s%s | ", fmt_clock(w->start_us, a, sizeof a),
                fmt_offset(an, w->start_us, b, sizeof b),
                fmt_duration(w->end_us - w->start_us, d, sizeof d), w->open ? " (open)" : "");
        md(f, w->relation ? w->relation : "-");
        fputs(", ", f);
        md(f, w->mode ? w->mode : "-");
        fprintf(f, ", peak %" PRId64 " waiting, longest wait %s", w->peak_waiting,
                fmt_duration(w->longest_wait_us, e, sizeof e));
        for (int j = 0; j < w->nlat; j++) {
            char name[512];
            fputs("; ", f);
            md(f, fmt_target(an, &an->targets[w->lat[j].target], name, sizeof name));
            fprintf(f, " p99 %s", fmt_duration(w->lat[j].p99_us, e, sizeof e));
        }
        fputs(" |\n", f);
        md_safe(m);
    }
}

static const char *const icon[] = {"\xe2\x9c\x85", "\xe2\x9d\x8c", "\xe2\x9a\xa0\xef\xb8\x8f"};

/* --baseline: this run's figures with their changes from the baseline's. */
static void baseline_rows(struct md *m, const struct analysis *an)
{
    FILE *f = m->f;
    if (an->baseline == NULL || an->ntargets == 0)
        return;
    fputs("\n**Against the baseline** ", f);
    md(f, an->baseline->path);
    fputs(" (its verdict: ", f);
    md(f, an->baseline->verdict);
    fputs(")\n\n| target | failed | downtime | longest window | p99 |\n|---|--:|--:|--:|--:|\n", f);
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        char name[512], v[4][FMT_BUF], d[4][FMT_BUF];
        fputs("| ", f);
        md(f, fmt_target(an, t, name, sizeof name));
        if (!t->base.present) {
            fputs(" | not in the baseline | | | |\n", f);
            md_safe(m);
            continue;
        }
        if (!t->base.comparable)
            fprintf(f, " (measured unlike it: %g/s from %d logs there)", t->base.rate,
                    t->base.logs);
        fprintf(f, " | %" PRIu64 " (%s%" PRId64 ") | %s (%s) | %s (%s) | %s (%s) |\n", t->failed,
                t->base.d_failed < 0 ? "" : "+", t->base.d_failed,
                fmt_duration(t->windows.total_us, v[1], sizeof v[1]),
                fmt_duration_change(t->base.d_downtime_us, d[1], sizeof d[1]),
                fmt_duration(t->windows.longest_us, v[2], sizeof v[2]),
                fmt_duration_change(t->base.d_longest_window_us, d[2], sizeof d[2]),
                fmt_duration(t->lat.p99, v[3], sizeof v[3]),
                fmt_duration_change(t->base.d_p99_us, d[3], sizeof d[3]));
        md_safe(m);
    }
}

/* One run's report under a heading: "pbprobe" alone, or "pbprobe run 2". */
static int run_report(struct md *m, const struct analysis *an, const char *title)
{
    FILE *f = m->f;
    const struct an_gate *g = &an->gate;
    char d[FMT_BUF], dur[FMT_BUF];
    fprintf(f, "### %s %s: %s\n\n", icon[g->verdict], title, fmt_verdict(g->verdict));
    for (int i = 0; i < g->nreasons && i < MD_LISTED; i++) {
        fputs("- ", f);
        md(f, g->reasons[i]);
        fputc('\n', f);
        md_safe(m);
    }
    if (g->nreasons > MD_LISTED)
        fprintf(f, "- and %d more reasons, in the text and JSON reports\n",
                g->nreasons - MD_LISTED);
    for (int i = 0; i < g->nwarnings && i < MD_LISTED; i++) {
        fputs("- WARN: ", f);
        md(f, g->warnings[i]);
        fputc('\n', f);
        md_safe(m);
    }
    if (g->nwarnings > MD_LISTED)
        fprintf(f, "- and %d more warnings, in the text and JSON reports\n",
                g->nwarnings - MD_LISTED);
    for (int i = 0; i < an->nlogs; i++) {
        char what[1024];
        if (an->logs[i].abort.present) {
            fputs("- ", f);
            md(f, fmt_abort(an, &an->logs[i], what, sizeof what));
            fputc('\n', f);
        }
        if (an->logs[i].command.command == NULL)
            continue;
        fputs("- command ", f);
        md(f, fmt_command(&an->logs[i], what, sizeof what));
        fputc('\n', f);
    }
    if (an->first_us >= 0)
        fprintf(f, "%sFrom %s for %s, %d log%s.\n\n", g->nreasons || g->nwarnings ? "\n" : "",
                fmt_date(an->first_us, d, sizeof d),
                fmt_duration(an->last_us - an->first_us, dur, sizeof dur), an->nlogs,
                an->nlogs == 1 ? "" : "s");
    if (an->ntargets) {
        fputs("| target | requests | failed | skipped | availability | p50 | p99 | max | "
              "downtime | windows | bursts | blind |\n"
              "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
              f);
        for (int i = 0; i < an->ntargets; i++) {
            const struct an_target *t = &an->targets[i];
            char name[512], a[FMT_BUF], p50[FMT_BUF], p99[FMT_BUF], mx[FMT_BUF], dn[FMT_BUF];
            char bl[FMT_BUF];
            int sent = t->ok + t->failed > 0;
            fputs("| ", f);
            md(f, fmt_target(an, t, name, sizeof name));
            fprintf(f,
                    " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %s | %s | %s | %s | %s | %" PRIu64
                    " | %" PRIu64 " | %s |\n",
                    t->requests, t->failed, t->skipped,
                    fmt_availability(t->availability, a, sizeof a),
                    sent ? fmt_duration(t->lat.p50, p50, sizeof p50) : "-",
                    sent ? fmt_duration(t->lat.p99, p99, sizeof p99) : "-",
                    sent ? fmt_duration(t->lat.max, mx, sizeof mx) : "-",
                    fmt_duration(t->windows.total_us, dn, sizeof dn), t->windows.count,
                    t->bursts.count, fmt_duration(t->blind.total_us, bl, sizeof bl));
            md_safe(m);
        }
    }
    baseline_rows(m, an);
    split_rows(m, an);
    span_rows(m, an, 0);
    span_rows(m, an, 1);
    database(m, an);
    if (an->nnotes || an->malformed) {
        fputs("\n**Notes**\n\n", f);
        if (an->malformed)
            fprintf(f, "- %ld malformed lines skipped (--lenient)\n", an->malformed);
        for (int i = 0; i < an->nnotes; i++) {
            fputs("- ", f);
            md(f, an->notes[i]);
            fputc('\n', f);
            md_safe(m);
        }
    }
    md_safe(m);
    return ferror(f) ? -1 : 0;
}

static int runs_report(struct md *m, const struct analysis *runs, int nruns,
                       const struct rep_runs *rs)
{
    FILE *f = m->f;
    char d[FMT_BUF], dur[FMT_BUF];
    if (rs == NULL)
        return run_report(m, &runs[0], "pbprobe");
    fprintf(f,
            "### %s pbprobe: %s\n\n%d runs: %d failed, %d inconclusive, %d passed (logs that "
            "do not overlap in time are separate runs, each judged on its own).\n\n"
            "| run | verdict | from | for | logs |\n|--:|---|---|--:|---|\n",
            icon[rs->verdict], fmt_verdict(rs->verdict), rs->n, rs->failed, rs->inconclusive,
            rs->passed);
    for (int i = 0; i < nruns; i++) {
        const struct analysis *an = &runs[i];
        fprintf(f, "| %d | %s %s | %s | %s | ", i + 1, icon[an->gate.verdict],
                fmt_verdict(an->gate.verdict),
                an->first_us >= 0 ? fmt_date(an->first_us, d, sizeof d) : "-",
                an->first_us >= 0 ? fmt_duration(an->last_us - an->first_us, dur, sizeof dur)
                                  : "-");
        for (int j = 0; j < an->nlogs; j++) {
            if (j)
                fputs(", ", f);
            md(f, an->logs[j].path);
        }
        fputs(" |\n", f);
        md_safe(m);
    }
    for (int i = 0; i < nruns; i++) {
        char title[64];
        snprintf(title, sizeof title, "pbprobe run %d of %d", i + 1, nruns);
        fputs("\n---\n\n", f);
        if (run_report(m, &runs[i], title) < 0)
            return -1;
    }
    return ferror(f) ? -1 : 0;
}

/* Writes the report to memory, then to f whole, or cut at the last place
 * that fits under MD_MAX_BYTES with a line saying how much was left out. */
static int write_capped(FILE *f, const struct analysis *runs, int nruns, const struct rep_runs *rs)
{
    char *buf = NULL;
    size_t len = 0;
    struct md m = {0};
    if ((m.f = open_memstream(&buf, &len)) == NULL)
        return -1;
    int rc = runs_report(&m, runs, nruns, rs);
    if (fclose(m.f) != 0)
        rc = -1;
    if (rc == 0 && len <= MD_MAX_BYTES) {
        if (fwrite(buf, 1, len, f) != len)
            rc = -1;
    } else if (rc == 0) {
        if (fwrite(buf, 1, (size_t)m.safe, f) != (size_t)m.safe)
            rc = -1;
        if (m.safe_details)
            fputs("\n</details>\n", f);
        fprintf(f,
                "\n**Cut here**: the report passed %d bytes, what a step summary and a comment "
                "hold; %zu bytes more are in the text and JSON reports.\n",
                MD_MAX_BYTES, len - (size_t)m.safe);
    }
    free(buf);
    return rc < 0 || ferror(f) ? -1 : 0;
}

int out_markdown(FILE *f, const struct analysis *an)
{
    return write_capped(f, an, 1, NULL);
}

int out_markdown_runs(FILE *f, const struct rep_runs *rs)
{
    return write_capped(f, rs->an, rs->n, rs);
}
