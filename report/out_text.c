/* The text report: what a person reads on a terminal in five seconds. The
 * verdict and its reasons first, then one line per target, then the windows,
 * bursts and versions, then the notes. Colour only when config says so (a
 * terminal); every string from a log is printed with control characters
 * replaced, so a log cannot drive the terminal. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "gate_spec.h"
#include "logevent.h"
#include "output.h"

#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define OFF "\033[0m"

struct text {
    FILE *f;
    const struct analysis *an;
    int color;
};

static const char *c(const struct text *x, const char *code)
{
    return x->color ? code : "";
}

static const char *sane(const char *s, char *buf, size_t len)
{
    return fmt_sane(s, buf, len);
}

/* A string from a log, as a terminal may show it. */
static void put_sane(FILE *f, const char *s)
{
    char buf[1024];
    fputs(fmt_sane(s, buf, sizeof buf), f);
}

static void verdict(const struct text *x)
{
    const struct an_gate *g = &x->an->gate;
    const char *col = g->verdict == AN_PASS ? GREEN : g->verdict == AN_FAIL ? RED : YELLOW;
    char buf[1024];
    fprintf(x->f, "%s%s%s%s", c(x, BOLD), c(x, col), fmt_verdict(g->verdict), c(x, OFF));
    if (g->nreasons == 0) {
        fprintf(x->f, "  %d target%s, %" PRIu64 " requests sent, %" PRIu64 " failed\n",
                x->an->ntargets, x->an->ntargets == 1 ? "" : "s",
                x->an->total.ok + x->an->total.failed, x->an->total.failed);
        return;
    }
    for (int i = 0; i < g->nreasons; i++)
        fprintf(x->f, "%s%s\n", i ? "      " : "  ", sane(g->reasons[i], buf, sizeof buf));
}

/* Beyond a warn level, within the fail level: the verdict stands. */
static void warnings(const struct text *x)
{
    const struct an_gate *g = &x->an->gate;
    char buf[1024];
    for (int i = 0; i < g->nwarnings; i++)
        fprintf(x->f, "%sWARN%s  %s\n", c(x, YELLOW), c(x, OFF),
                sane(g->warnings[i], buf, sizeof buf));
}

/* What the wrapped command did: part of the verdict, right under it. */
static void commands(const struct text *x)
{
    const struct analysis *an = x->an;
    char what[1024], buf[2048], path[512];
    for (int i = 0; i < an->nlogs; i++) {
        const struct an_log *l = &an->logs[i];
        if (l->abort.present)
            fprintf(
                x->f, "      %s%s%s\n", sane(fmt_abort(an, l, what, sizeof what), buf, sizeof buf),
                an->nlogs > 1 ? " in " : "", an->nlogs > 1 ? sane(l->path, path, sizeof path) : "");
        if (l->command.command == NULL)
            continue;
        fmt_command(l, what, sizeof what);
        /* the path has a buffer of its own: arguments are evaluated in any
         * order, and writing it into what could come first */
        fprintf(x->f, "      command %s%s%s\n", sane(what, buf, sizeof buf),
                an->nlogs > 1 ? " in " : "", an->nlogs > 1 ? sane(l->path, path, sizeof path) : "");
    }
}

static void logs_line(const struct text *x)
{
    const struct analysis *an = x->an;
    char d[FMT_BUF], dur[FMT_BUF], buf[512];
    fprintf(x->f, "\n");
    if (an->first_us >= 0)
        fprintf(x->f, "from %s for %s", fmt_date(an->first_us, d, sizeof d),
                fmt_duration(an->last_us - an->first_us, dur, sizeof dur));
    else
        fprintf(x->f, "no request in the logs");
    if (an->nlogs == 1)
        fprintf(x->f, ", %s\n", sane(an->logs[0].path, buf, sizeof buf));
    else
        fprintf(x->f, ", %d logs merged%s\n", an->nlogs, an->cfg->by_log ? " (kept apart)" : "");
}

static void target_table(const struct text *x)
{
    const struct analysis *an = x->an;
    char name[256], a[FMT_BUF], p50[FMT_BUF], p99[FMT_BUF], mx[FMT_BUF], down[FMT_BUF];
    char blind[FMT_BUF];
    size_t w = 6;
    for (int i = 0; i < an->ntargets; i++) {
        fmt_target(an, &an->targets[i], name, sizeof name);
        if (strlen(name) > w)
            w = strlen(name) > 40 ? 40 : strlen(name);
    }
    fprintf(x->f, "\n%-*s %9s %8s %7s %8s %7s %7s %7s %8s %7s %8s\n", (int)w, "target", "requests",
            "failed", "skipped", "avail", "p50", "p99", "max", "downtime", "windows", "blind");
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        char raw[256];
        sane(fmt_target(an, t, raw, sizeof raw), name, sizeof name);
        int sent = t->ok + t->failed > 0;
        fprintf(x->f,
                "%-*.*s %9" PRIu64 " %s%8" PRIu64 "%s %s%7" PRIu64 "%s %8s %7s %7s %7s "
                "%8s %7" PRIu64 " %s%8s%s\n",
                (int)w, (int)w, name, t->requests, c(x, t->failed ? RED : ""), t->failed,
                c(x, t->failed ? OFF : ""), c(x, t->skipped ? YELLOW : ""), t->skipped,
                c(x, t->skipped ? OFF : ""), fmt_availability(t->availability, a, sizeof a),
                sent ? fmt_duration(t->lat.p50, p50, sizeof p50) : "-",
                sent ? fmt_duration(t->lat.p99, p99, sizeof p99) : "-",
                sent ? fmt_duration(t->lat.max, mx, sizeof mx) : "-",
                fmt_duration(t->windows.total_us, down, sizeof down), t->windows.count,
                c(x, t->blind.count ? YELLOW : ""),
                fmt_duration(t->blind.total_us, blind, sizeof blind),
                c(x, t->blind.count ? OFF : ""));
    }
}

/* --baseline: per target, this run's failed requests, downtime, longest
 * window and p99, each with its change from the baseline's. */
static void baseline_table(const struct text *x)
{
    const struct analysis *an = x->an;
    char buf[512], name[256], raw[256];
    fprintf(x->f, "\nagainst the baseline %s (its verdict: %s)\n",
            sane(an->baseline->path, buf, sizeof buf), an->baseline->verdict);
    fprintf(x->f, "  %-20s %-22s %-22s %-22s %s\n", "target", "failed", "downtime",
            "longest window", "p99");
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        sane(fmt_target(an, t, raw, sizeof raw), name, sizeof name);
        if (!t->base.present) {
            fprintf(x->f, "  %-20.40s not in the baseline\n", name);
            continue;
        }
        char cell[4][64], v[FMT_BUF], d[FMT_BUF];
        snprintf(cell[0], sizeof cell[0], "%" PRIu64 " (%s%" PRId64 ")", t->failed,
                 t->base.d_failed < 0 ? "" : "+", t->base.d_failed);
        snprintf(cell[1], sizeof cell[1], "%s (%s)", fmt_duration(t->windows.total_us, v, sizeof v),
                 fmt_duration_change(t->base.d_downtime_us, d, sizeof d));
        snprintf(cell[2], sizeof cell[2], "%s (%s)",
                 fmt_duration(t->windows.longest_us, v, sizeof v),
                 fmt_duration_change(t->base.d_longest_window_us, d, sizeof d));
        snprintf(cell[3], sizeof cell[3], "%s (%s)", fmt_duration(t->lat.p99, v, sizeof v),
                 fmt_duration_change(t->base.d_p99_us, d, sizeof d));
        fprintf(x->f, "  %-20.40s %-22s %-22s %-22s %s\n", name, cell[0], cell[1], cell[2],
                cell[3]);
        if (!t->base.comparable)
            fprintf(x->f, "  %-20s measured unlike it: %g/s from %d log%s there\n", "",
                    t->base.rate, t->base.logs, t->base.logs == 1 ? "" : "s");
    }
}

/* Per target, the outcomes that were not successes: "home: connect 200, 502 12",
 * then by which peer, connection and protocol they came. */
static void failure_outcomes(const struct text *x)
{
    const struct analysis *an = x->an;
    int header = 0;
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        char raw[256], name[256];
        if (t->failed == 0 && t->missing == 0)
            continue;
        if (!header++)
            fprintf(x->f, "\nfailures\n");
        fprintf(x->f, "  %s:", sane(fmt_target(an, t, raw, sizeof raw), name, sizeof name));
        int n = 0;
        for (int o = 1; o < OUTCOME_MAX; o++) {
            char nb[12];
            if (t->outcomes[o] == 0 || o == OUTCOME_SKIPPED || an->ok_status[o])
                continue;
            fprintf(x->f, "%s %s %" PRIu64, n++ ? "," : "", outcome_name(o, nb), t->outcomes[o]);
        }
        if (t->missing)
            fprintf(x->f, "%s %" PRIu64 " tick%s missing from the log", n ? ";" : "", t->missing,
                    t->missing == 1 ? "" : "s");
        fprintf(x->f, "\n");
        for (int by = 0; by < AN_NSPLIT && t->failed; by++) {
            if (!t->by[by].known)
                continue;
            fprintf(x->f, "    by %s: ", fmt_split_by((enum an_split_by)by));
            fmt_splits(x->f, &t->by[by], (enum an_split_by)by, put_sane);
            fputc('\n', x->f);
        }
    }
}

enum span_kind { SPAN_WINDOW, SPAN_BURST, SPAN_BLIND };

static void span_line(const struct text *x, const struct an_span *s, enum span_kind kind)
{
    char clk[FMT_BUF], off[FMT_BUF], end[FMT_BUF], dur[FMT_BUF], mix[512], phase[1024];
    char buf[1024], event[512];
    fprintf(x->f, "  %s  %s .. %s%s  %s  ", fmt_clock(s->start_us, clk, sizeof clk),
            fmt_offset(x->an, s->start_us, off, sizeof off),
            fmt_offset(x->an, s->end_us, end, sizeof end), s->open ? " (open)" : "",
            fmt_duration(s->end_us - s->start_us, dur, sizeof dur));
    fmt_phase(x->an, s->phase, phase, sizeof phase);
    fmt_event(x->an, s->event, event, sizeof event);
    snprintf(phase + strlen(phase), sizeof phase - strlen(phase), "%s", event);
    if (kind == SPAN_BLIND) {
        fprintf(x->f, "%" PRIu64 " tick%s not observed on time; %s\n", s->requests,
                s->requests == 1 ? "" : "s", sane(phase, buf, sizeof buf));
        return;
    }
    if (kind == SPAN_BURST)
        fprintf(x->f, "%" PRIu64 " of %" PRIu64 " failed (%.1f%%)", s->failed, s->requests,
                100.0 * s->error_rate);
    else
        fprintf(x->f, "%" PRIu64 " failed", s->failed);
    fmt_mix(&s->mix, mix, sizeof mix);
    fprintf(x->f, ": %s; %s\n", mix, sane(phase, buf, sizeof buf));
}

static void spans(const struct text *x, enum span_kind kind)
{
    static const char *const titles[] = {"downtime windows", "error bursts",
                                         "blind intervals (not observed on time)"};
    const struct analysis *an = x->an;
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        const struct an_spans *s = kind == SPAN_BURST   ? &t->bursts
                                   : kind == SPAN_BLIND ? &t->blind
                                                        : &t->windows;
        char raw[256], name[256], total[FMT_BUF], lon[FMT_BUF];
        if (s->count == 0)
            continue;
        sane(fmt_target(an, t, raw, sizeof raw), name, sizeof name);
        fprintf(x->f, "\n%s%s of %s%s: %" PRIu64, c(x, BOLD), titles[kind], name, c(x, OFF),
                s->count);
        if (s->count > 1)
            fprintf(x->f, ", %s in all, the longest %s",
                    fmt_duration(s->total_us, total, sizeof total),
                    fmt_duration(s->longest_us, lon, sizeof lon));
        if ((uint64_t)s->nlisted < s->count)
            fprintf(x->f, " (the %d longest listed)", s->nlisted);
        fprintf(x->f, "\n");
        for (int j = 0; j < s->nlisted; j++)
            span_line(x, &s->listed[j], kind);
    }
}

static void versions(const struct text *x)
{
    const struct analysis *an = x->an;
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        const struct an_versions *v = &t->versions;
        char raw[256], name[256], buf[256], a[FMT_BUF], b[FMT_BUF], d[FMT_BUF];
        if (v->n == 0)
            continue;
        fprintf(x->f, "\n%sversions of %s%s:", c(x, BOLD),
                sane(fmt_target(an, t, raw, sizeof raw), name, sizeof name), c(x, OFF));
        for (int j = 0; j < v->n; j++)
            fprintf(x->f, "%s %s %" PRIu64, j ? "," : "", sane(v->v[j].name, buf, sizeof buf),
                    v->v[j].requests);
        if (v->other_requests)
            fprintf(x->f, ", others %" PRIu64, v->other_requests);
        fprintf(x->f, "\n");
        if (v->n < 2)
            continue;
        if (v->mixed_end_us >= v->mixed_start_us)
            fprintf(x->f,
                    "  mixed from %s to %s (%s), %" PRIu64 " switch%s, %" PRIu64
                    " back to an older version\n",
                    fmt_offset(an, v->mixed_start_us, a, sizeof a),
                    fmt_offset(an, v->mixed_end_us, b, sizeof b),
                    fmt_duration(v->mixed_end_us - v->mixed_start_us, d, sizeof d), v->switches,
                    v->switches == 1 ? "" : "es", v->flip_flops);
        else if (v->final >= 0)
            fprintf(x->f, "  switched to %s at %s with no overlap\n",
                    sane(v->v[v->final].name, buf, sizeof buf),
                    fmt_offset(an, v->mixed_start_us, a, sizeof a));
    }
}

static void db_window_line(const struct text *x, const struct db_window *w, const char *what)
{
    char a[FMT_BUF], b[FMT_BUF], d[FMT_BUF];
    fprintf(x->f, "  %s %s (%s) for %s%s, %" PRIu64 " failed probe%s", what,
            fmt_clock(w->start_us, a, sizeof a), fmt_offset(x->an, w->start_us, b, sizeof b),
            fmt_duration(w->end_us - w->start_us, d, sizeof d),
            w->open ? " (still at the end of the logs)" : "", w->probes, w->probes == 1 ? "" : "s");
    for (int i = 0; i < w->codes.n; i++)
        fprintf(x->f, "%s %s %" PRIu64, i ? "," : ":",
                w->codes.c[i].code[0] ? w->codes.c[i].code : "network", w->codes.c[i].count);
    fprintf(x->f, "\n");
}

/* The database block: after the targets, on the same clock. */
static void database(const struct text *x)
{
    const struct analysis *an = x->an;
    const struct db_analysis *db = &an->db;
    char a[FMT_BUF], b[FMT_BUF], d[FMT_BUF], e[FMT_BUF], buf[256], buf2[256];
    if (!db->present)
        return;
    uint64_t q = db->nprobes[LOG_DB_QUERY], cn = db->nprobes[LOG_DB_CONNECT];
    fprintf(x->f,
            "\n%sdatabase%s: %" PRIu64 " query probes (%" PRIu64 " ok, %" PRIu64 " down, %" PRIu64
            " timeout, %" PRIu64 " error), %" PRIu64 " fresh connections (%" PRIu64 " ok)\n",
            c(x, BOLD), c(x, OFF), q, db->probes[LOG_DB_QUERY][LOG_DB_OK],
            db->probes[LOG_DB_QUERY][LOG_DB_DOWN], db->probes[LOG_DB_QUERY][LOG_DB_TIMEOUT],
            db->probes[LOG_DB_QUERY][LOG_DB_ERROR], cn, db->probes[LOG_DB_CONNECT][LOG_DB_OK]);
    if (q && !db->reachable)
        fprintf(x->f, "  %snever reachable%s\n", c(x, RED), c(x, OFF));
    else if (db->nunreachable)
        fprintf(x->f, "  unreachable %s in %d window%s, the longest %s\n",
                fmt_duration(db->unreachable_total_us, a, sizeof a), db->nunreachable,
                db->nunreachable == 1 ? "" : "s",
                fmt_duration(db->longest_unreachable_us, b, sizeof b));
    for (int i = 0; i < db->nunreachable; i++)
        db_window_line(x, &db->unreachable[i], "unreachable from");
    for (int i = 0; i < db->nrefused; i++)
        db_window_line(x, &db->refused[i], "fresh connections refused from");
    for (int i = 0; i < db->nschema; i++) {
        const struct db_schema_change *s = &db->schema[i];
        if (i == 0)
            fprintf(x->f, "  schema %s at %s (%s)\n",
                    s->value ? sane(s->value, buf, sizeof buf) : "(no row)",
                    fmt_clock(s->t_us, a, sizeof a), fmt_offset(an, s->t_us, b, sizeof b));
        else
            fprintf(x->f, "  schema %s \xe2\x86\x92 %s at %s (%s)\n",
                    db->schema[i - 1].value ? sane(db->schema[i - 1].value, buf2, sizeof buf2)
                                            : "(no row)",
                    s->value ? sane(s->value, buf, sizeof buf) : "(no row)",
                    fmt_clock(s->t_us, a, sizeof a), fmt_offset(an, s->t_us, b, sizeof b));
    }
    for (int i = 0; i < db->nlocks; i++) {
        const struct db_lock_wait *w = &db->locks[i];
        fprintf(x->f,
                "  lock wait on %s (%s held) from %s (%s) for %s%s, peak %" PRId64
                " waiting, longest wait %s\n",
                w->relation ? sane(w->relation, buf, sizeof buf) : "-",
                w->mode ? sane(w->mode, buf2, sizeof buf2) : "-",
                fmt_clock(w->start_us, a, sizeof a), fmt_offset(an, w->start_us, b, sizeof b),
                fmt_duration(w->end_us - w->start_us, d, sizeof d),
                w->open ? " (never cleared in the logs)" : "", w->peak_waiting,
                fmt_duration(w->longest_wait_us, e, sizeof e));
        for (int j = 0; j < w->nlat; j++) {
            const struct db_lock_latency *l = &w->lat[j];
            char raw[256], name[256];
            fprintf(
                x->f, "    %s p99 %s, max %s over %" PRIu64 " request%s in that time",
                sane(fmt_target(an, &an->targets[l->target], raw, sizeof raw), name, sizeof name),
                fmt_duration(l->p99_us, a, sizeof a), fmt_duration(l->max_us, d, sizeof d),
                l->requests, l->requests == 1 ? "" : "s");
            if (l->failed)
                fprintf(x->f, ", %" PRIu64 " failed", l->failed);
            fprintf(x->f, "\n");
        }
    }
}

static void notes(const struct text *x)
{
    const struct analysis *an = x->an;
    char buf[1200];
    if (an->nnotes == 0 && an->malformed == 0)
        return;
    fprintf(x->f, "\n%snotes%s\n", c(x, BOLD), c(x, OFF));
    if (an->malformed)
        fprintf(x->f, "  %s%ld malformed line%s skipped (--lenient)%s\n", c(x, YELLOW),
                an->malformed, an->malformed == 1 ? "" : "s", c(x, OFF));
    for (int i = 0; i < an->nnotes; i++)
        fprintf(x->f, "  %s\n", sane(an->notes[i], buf, sizeof buf));
    if (an->notes_dropped)
        fprintf(x->f, "  ... and %ld more\n", an->notes_dropped);
}

int out_text(FILE *f, const struct analysis *an)
{
    struct text x = {f, an, an->cfg->color};
    verdict(&x);
    warnings(&x);
    commands(&x);
    logs_line(&x);
    if (an->ntargets)
        target_table(&x);
    if (an->baseline)
        baseline_table(&x);
    failure_outcomes(&x);
    spans(&x, SPAN_WINDOW);
    spans(&x, SPAN_BURST);
    spans(&x, SPAN_BLIND);
    versions(&x);
    database(&x);
    notes(&x);
    return ferror(f) ? -1 : 0;
}

/* "a.log, b.log" */
static void log_list(const struct text *x, const struct analysis *an)
{
    char buf[512];
    for (int i = 0; i < an->nlogs; i++)
        fprintf(x->f, "%s%s", i ? ", " : "", sane(an->logs[i].path, buf, sizeof buf));
}

int out_text_runs(FILE *f, const struct rep_runs *rs)
{
    struct text x = {f, &rs->an[0], rs->an[0].cfg->color};
    const char *col[] = {GREEN, RED, YELLOW};
    char d[FMT_BUF], dur[FMT_BUF];
    fprintf(f, "%s%s%s%s  %d runs: %d failed, %d inconclusive, %d passed\n", c(&x, BOLD),
            c(&x, col[rs->verdict]), fmt_verdict(rs->verdict), c(&x, OFF), rs->n, rs->failed,
            rs->inconclusive, rs->passed);
    for (int i = 0; i < rs->n; i++) {
        const struct analysis *an = &rs->an[i];
        fprintf(f, "  run %d  %s%-12s%s ", i + 1, c(&x, col[an->gate.verdict]),
                fmt_verdict(an->gate.verdict), c(&x, OFF));
        if (an->first_us >= 0)
            fprintf(f, "from %s for %s: ", fmt_date(an->first_us, d, sizeof d),
                    fmt_duration(an->last_us - an->first_us, dur, sizeof dur));
        log_list(&x, an);
        fputc('\n', f);
    }
    fprintf(f, "  (logs that do not overlap in time are separate runs, each judged on its own; "
               "--one-run merges them)\n");
    for (int i = 0; i < rs->n; i++) {
        fprintf(f, "\n%s== run %d of %d ==%s\n", c(&x, BOLD), i + 1, rs->n, c(&x, OFF));
        if (out_text(f, &rs->an[i]) < 0)
            return -1;
    }
    return ferror(f) ? -1 : 0;
}
