/* The JSON report (docs/report-json.md): the same facts as the text report,
 * for machines. Times are Unix seconds with microseconds, durations seconds,
 * latencies milliseconds, all printed from integers so nothing is rounded. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "gate_spec.h"
#include "output.h"

#define SCHEMA_VERSION 1

/* A small streaming writer: it knows whether a comma is due and indents. */
struct jw {
    FILE *f;
    int depth;
    int count[32]; /* members written at each depth */
    int inline_;   /* depth from which arrays are written on one line */
};

static void jw_sep(struct jw *w)
{
    if (w->count[w->depth]++)
        fputc(',', w->f);
    /* the document itself starts on the first byte: `head -c1` is '{' */
    if (w->depth == 0 || (w->inline_ && w->depth >= w->inline_))
        return;
    fputc('\n', w->f);
    for (int i = 0; i < w->depth; i++)
        fputs("  ", w->f);
}

/* A JSON string: UTF-8 kept when valid, invalid bytes as U+FFFD. */
static void jw_string(struct jw *w, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    fputc('"', w->f);
    while (*p) {
        unsigned char ch = *p;
        int len = fmt_utf8_len((const char *)p);
        if (len == 0) {
            fputs("\\ufffd", w->f);
            p++;
            continue;
        }
        if (len > 1) {
            fwrite(p, 1, (size_t)len, w->f);
            p += len;
            continue;
        }
        /* the escapes JSON names; any other control as \u00XX */
        static const char named[] = "\"\\\n\t\r", letter[] = "\"\\ntr";
        const char *esc = ch ? strchr(named, ch) : NULL;
        if (esc)
            fprintf(w->f, "\\%c", letter[esc - named]);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(w->f, "\\u%04x", ch);
        else
            fputc(ch, w->f);
        p++;
    }
    fputc('"', w->f);
}

static void jw_key(struct jw *w, const char *key)
{
    jw_sep(w);
    if (key) {
        jw_string(w, key);
        fputs(": ", w->f);
    }
}

static void jw_open(struct jw *w, const char *key, char bracket)
{
    jw_key(w, key);
    fputc(bracket, w->f);
    w->count[++w->depth] = 0;
}

static void jw_close(struct jw *w, char bracket)
{
    int had = w->count[w->depth];
    w->depth--;
    if (had && !(w->inline_ && w->depth + 1 >= w->inline_)) {
        fputc('\n', w->f);
        for (int i = 0; i < w->depth; i++)
            fputs("  ", w->f);
    }
    fputc(bracket, w->f);
}

static void jw_str(struct jw *w, const char *key, const char *v)
{
    jw_key(w, key);
    if (v)
        jw_string(w, v);
    else
        fputs("null", w->f);
}

static void jw_u64(struct jw *w, const char *key, uint64_t v)
{
    jw_key(w, key);
    fprintf(w->f, "%" PRIu64, v);
}

static void jw_i64(struct jw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    fprintf(w->f, "%" PRId64, v);
}

static void jw_bool(struct jw *w, const char *key, int v)
{
    jw_key(w, key);
    fputs(v ? "true" : "false", w->f);
}

static void jw_null(struct jw *w, const char *key)
{
    jw_key(w, key);
    fputs("null", w->f);
}

/* Unix seconds, 6 decimals; null for -1 (unknown). */
static void jw_time(struct jw *w, const char *key, int64_t wall_us)
{
    char buf[FMT_BUF];
    jw_key(w, key);
    fputs(wall_us < 0 ? "null" : fmt_unix(wall_us, buf, sizeof buf), w->f);
}

static void jw_seconds(struct jw *w, const char *key, int64_t us)
{
    char buf[FMT_BUF];
    jw_key(w, key);
    fputs(fmt_seconds(us, buf, sizeof buf), w->f);
}

/* Milliseconds with 3 decimals, exact. */
static void jw_ms(struct jw *w, const char *key, int64_t us)
{
    uint64_t u = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
    jw_key(w, key);
    fprintf(w->f, "%s%" PRIu64 ".%03d", us < 0 ? "-" : "", u / 1000, (int)(u % 1000));
}

static void jw_double(struct jw *w, const char *key, double v)
{
    jw_key(w, key);
    fprintf(w->f, "%.9g", v);
}

static void event(struct jw *w, const struct analysis *an, const char *key, int i)
{
    if (i < 0) {
        jw_null(w, key);
        return;
    }
    const struct an_event *e = &an->timeline[i];
    static const char *const kinds[] = {"mark", "cmd-start", "cmd-exit", "abort"};
    jw_open(w, key, '{');
    jw_time(w, "time", e->t_us);
    jw_str(w, "kind", kinds[e->kind]);
    jw_str(w, "text", e->text);
    if (e->source_len > 0) {
        char source[40];
        snprintf(source, sizeof source, "%.*s", e->source_len, e->text + 1);
        jw_str(w, "source", source);
    } else {
        jw_null(w, "source");
    }
    if (e->kind == AN_EV_CMD_START)
        jw_i64(w, "pid", e->number);
    if (e->kind == AN_EV_CMD_EXIT)
        jw_i64(w, "status", e->number);
    jw_str(w, "log", an->logs[e->log].path);
    jw_close(w, '}');
}

static void mix(struct jw *w, const struct an_mix *m)
{
    char nb[12];
    jw_open(w, "outcomes", '{');
    for (int i = 0; i < m->n; i++)
        jw_u64(w, outcome_name(m->outcome[i], nb), m->count[i]);
    if (m->rest)
        jw_u64(w, "others", m->rest);
    jw_close(w, '}');
}

/* The fields every interval has: start, end, their difference, and whether
 * it was still going when the log ended (open -1: the interval has no such
 * state). */
static void jw_interval(struct jw *w, int64_t start_us, int64_t end_us, int open)
{
    jw_time(w, "start", start_us);
    jw_time(w, "end", end_us);
    jw_seconds(w, "duration_s", end_us - start_us);
    if (open >= 0)
        jw_bool(w, "open", open);
}

static void span(struct jw *w, const struct analysis *an, const struct an_span *s, int burst)
{
    jw_open(w, NULL, '{');
    jw_interval(w, s->start_us, s->end_us, s->open);
    jw_u64(w, "failed", s->failed);
    jw_u64(w, "requests", s->requests);
    if (burst)
        jw_double(w, "error_rate", s->error_rate);
    mix(w, &s->mix);
    event(w, an, "phase", s->phase);
    event(w, an, "event", s->event);
    jw_close(w, '}');
}

static void blind_spans(struct jw *w, const struct analysis *an, const struct an_spans *s)
{
    jw_open(w, "blind", '[');
    for (int i = 0; i < s->nlisted; i++) {
        const struct an_span *b = &s->listed[i];
        jw_open(w, NULL, '{');
        jw_interval(w, b->start_us, b->end_us, b->open);
        jw_u64(w, "ticks", b->requests);
        event(w, an, "phase", b->phase);
        event(w, an, "event", b->event);
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

static void spans(struct jw *w, const struct analysis *an, const char *key,
                  const struct an_spans *s, int burst)
{
    jw_open(w, key, '[');
    for (int i = 0; i < s->nlisted; i++)
        span(w, an, &s->listed[i], burst);
    jw_close(w, ']');
}

static void versions(struct jw *w, const struct analysis *an, const struct an_versions *v)
{
    (void)an;
    jw_open(w, "versions", '{');
    jw_open(w, "requests", '{');
    for (int i = 0; i < v->n; i++)
        jw_u64(w, v->v[i].name, v->v[i].requests);
    jw_close(w, '}');
    jw_open(w, "seen", '[');
    for (int i = 0; i < v->n; i++) {
        jw_open(w, NULL, '{');
        jw_str(w, "version", v->v[i].name);
        jw_time(w, "first", v->v[i].first_us);
        jw_time(w, "last", v->v[i].last_us);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_u64(w, "other_requests", v->other_requests);
    jw_u64(w, "unversioned_ok", v->unversioned);
    jw_u64(w, "switches", v->switches);
    jw_u64(w, "flip_flops", v->flip_flops);
    jw_str(w, "final", v->final >= 0 ? v->v[v->final].name : NULL);
    if (v->n >= 2 && v->final >= 0 && v->mixed_end_us >= v->mixed_start_us) {
        jw_open(w, "mixed", '{');
        jw_interval(w, v->mixed_start_us, v->mixed_end_us, -1);
        jw_close(w, '}');
    } else {
        jw_null(w, "mixed");
    }
    jw_close(w, '}');
}

/* "by_peer": [{"peer": "10.0.0.7:8080", "requests": 340, "failed": 12, ...}] */
static void splits(struct jw *w, const struct an_target *t)
{
    for (int by = 0; by < AN_NSPLIT; by++) {
        const struct an_splits *sp = &t->by[by];
        char key[32];
        snprintf(key, sizeof key, "by_%s", fmt_split_by((enum an_split_by)by));
        jw_open(w, key, '[');
        for (int i = 0; i < sp->n; i++) {
            jw_open(w, NULL, '{');
            jw_str(w, fmt_split_by((enum an_split_by)by), sp->v[i].key);
            jw_u64(w, "requests", sp->v[i].requests);
            jw_u64(w, "failed", sp->v[i].failed);
            mix(w, &sp->v[i].mix);
            jw_close(w, '}');
        }
        jw_close(w, ']');
    }
}

static void series(struct jw *w, const struct an_target *t)
{
    static const char *const names[AN_NCLASS] = {"ok",    "http",  "connect", "timeout",
                                                 "reset", "other", "skipped", "late"};
    jw_open(w, "series", '{');
    jw_time(w, "start", t->series_len ? t->series_start_s * 1000000 : -1);
    jw_u64(w, "step_s", 1);
    int saved = w->inline_;
    for (int k = 0; k <= AN_NCLASS + 1; k++) {
        jw_open(w, k < AN_NCLASS ? names[k] : k == AN_NCLASS ? "p50_ms" : "p99_ms", '[');
        w->inline_ = w->depth;
        for (uint32_t i = 0; i < t->series_len; i++) {
            if (k < AN_NCLASS)
                jw_u64(w, NULL, t->series[i].n[k]);
            else if (k == AN_NCLASS)
                jw_ms(w, NULL, t->series[i].p50_us);
            else
                jw_ms(w, NULL, t->series[i].p99_us);
        }
        jw_close(w, ']');
        w->inline_ = saved;
    }
    jw_close(w, '}');
}

/* --baseline: the earlier run's figures and this run's change; null when
 * the baseline has no such target (or none was given) */
static void baseline(struct jw *w, const struct analysis *an, const struct an_target *t)
{
    if (an->baseline == NULL || !t->base.present) {
        jw_null(w, "baseline");
        return;
    }
    jw_open(w, "baseline", '{');
    jw_bool(w, "comparable", t->base.comparable);
    jw_i64(w, "logs", t->base.logs);
    jw_double(w, "rate", t->base.rate);
    jw_u64(w, "failed", t->base.failed);
    jw_seconds(w, "downtime_s", t->base.downtime_us);
    jw_seconds(w, "longest_window_s", t->base.longest_window_us);
    jw_ms(w, "p99_ms", t->base.p99_us);
    jw_open(w, "change", '{');
    jw_i64(w, "failed", t->base.d_failed);
    jw_seconds(w, "downtime_s", t->base.d_downtime_us);
    jw_seconds(w, "longest_window_s", t->base.d_longest_window_us);
    jw_ms(w, "p99_ms", t->base.d_p99_us);
    jw_close(w, '}');
    jw_close(w, '}');
}

static void target(struct jw *w, const struct analysis *an, const struct an_target *t)
{
    char nb[12];
    jw_open(w, NULL, '{');
    jw_str(w, "name", t->name);
    jw_str(w, "url", t->url);
    jw_str(w, "log", t->log >= 0 ? an->logs[t->log].path : NULL);
    jw_u64(w, "logs", (uint64_t)t->nlogs);
    jw_double(w, "rate", t->rate);
    jw_u64(w, "requests", t->requests);
    jw_u64(w, "ok", t->ok);
    jw_u64(w, "failed", t->failed);
    jw_u64(w, "skipped", t->skipped);
    jw_u64(w, "late", t->late);
    jw_u64(w, "missing", t->missing);
    jw_open(w, "status", '{');
    for (int o = 100; o < OUTCOME_MAX; o++)
        if (t->outcomes[o])
            jw_u64(w, outcome_name(o, nb), t->outcomes[o]);
    jw_close(w, '}');
    jw_open(w, "errors", '{');
    for (int o = 1; o < OUTCOME_ERROR_END; o++)
        if (t->outcomes[o] && o != OUTCOME_SKIPPED)
            jw_u64(w, outcome_name(o, nb), t->outcomes[o]);
    jw_close(w, '}');
    if (t->availability < 0)
        jw_null(w, "availability");
    else
        jw_double(w, "availability", t->availability);
    jw_open(w, "latency_ms", '{');
    jw_ms(w, "p50", t->lat.p50);
    jw_ms(w, "p90", t->lat.p90);
    jw_ms(w, "p99", t->lat.p99);
    jw_ms(w, "p999", t->lat.p999);
    jw_ms(w, "max", t->lat.max);
    jw_key(w, "mean");
    fprintf(w->f, "%.3f", t->lat.mean / 1000.0);
    jw_close(w, '}');
    jw_time(w, "first", t->first_us);
    jw_time(w, "last", t->last_us);
    jw_seconds(w, "downtime_s", t->windows.total_us);
    jw_seconds(w, "longest_window_s", t->windows.longest_us);
    jw_u64(w, "windows_count", t->windows.count);
    spans(w, an, "windows", &t->windows, 0);
    jw_u64(w, "bursts_count", t->bursts.count);
    spans(w, an, "bursts", &t->bursts, 1);
    jw_seconds(w, "blind_s", t->blind.total_us);
    jw_seconds(w, "longest_blind_s", t->blind.longest_us);
    jw_u64(w, "blind_count", t->blind.count);
    blind_spans(w, an, &t->blind);
    versions(w, an, &t->versions);
    splits(w, t);
    series(w, t);
    baseline(w, an, t);
    jw_close(w, '}');
}

static void gate(struct jw *w, const struct analysis *an)
{
    const struct an_gate *g = &an->gate;
    static const char *const verdicts[] = {"pass", "fail", "inconclusive"};
    jw_open(w, "gate", '{');
    jw_bool(w, "passed", g->passed);
    jw_str(w, "verdict", verdicts[g->verdict]);
    jw_open(w, "reasons", '[');
    for (int i = 0; i < g->nreasons; i++)
        jw_str(w, NULL, g->reasons[i]);
    jw_close(w, ']');
    jw_open(w, "warnings", '[');
    for (int i = 0; i < g->nwarnings; i++)
        jw_str(w, NULL, g->warnings[i]);
    jw_close(w, ']');
    jw_open(w, "checks", '[');
    for (int i = 0; i < g->nchecks; i++) {
        const struct an_check *c = &g->checks[i];
        int dur = spec_rule_is_duration(c->rule);
        jw_open(w, NULL, '{');
        jw_str(w, "target", an->targets[c->target].name);
        if (an->targets[c->target].log >= 0)
            jw_str(w, "log", an->logs[an->targets[c->target].log].path);
        jw_str(w, "rule", spec_rule_name(c->rule));
        jw_str(w, "kind", spec_rule_kind(c->rule));
        jw_str(w, "arg", c->limit ? c->limit->arg : NULL);
        /* where the fail level comes from; a warn level alone has none */
        int warn_only = c->limit == NULL && c->limit_value < 0;
        jw_str(w, "source",
               warn_only          ? NULL
               : c->limit == NULL ? "default"
               : c->limit->from   ? "file"
                                  : "option");
        jw_str(w, "from", c->limit ? c->limit->from : NULL);
        if (dur) {
            if (warn_only || c->no_baseline)
                jw_null(w, "limit_s");
            else
                jw_seconds(w, "limit_s", c->limit_value);
            if (c->no_baseline)
                jw_null(w, "value_s");
            else
                jw_seconds(w, "value_s", c->value);
        } else {
            if (warn_only || c->no_baseline)
                jw_null(w, "limit");
            else
                jw_i64(w, "limit", c->limit_value);
            if (c->no_baseline)
                jw_null(w, "value");
            else
                jw_i64(w, "value", c->value);
        }
        if (spec_rule_kind(c->rule) == NULL || c->no_baseline)
            jw_null(w, dur ? "baseline_s" : "baseline");
        else if (dur)
            jw_seconds(w, "baseline_s", c->baseline_value);
        else
            jw_i64(w, "baseline", c->baseline_value);
        jw_bool(w, "applied", !c->no_baseline);
        jw_bool(w, "passed", c->passed);
        if (c->warn_limit) {
            jw_open(w, "warn", '{');
            jw_str(w, "from", c->warn_limit->from);
            if (dur)
                jw_seconds(w, "limit_s", c->warn_limit_value);
            else
                jw_i64(w, "limit", c->warn_limit_value);
            jw_bool(w, "warned", c->warned);
            jw_close(w, '}');
        } else {
            jw_null(w, "warn");
        }
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_close(w, '}');
}

static void logs(struct jw *w, const struct analysis *an)
{
    jw_open(w, "logs", '[');
    for (int i = 0; i < an->nlogs; i++) {
        const struct an_log *l = &an->logs[i];
        jw_open(w, NULL, '{');
        jw_str(w, "path", l->path);
        jw_i64(w, "format_version", l->format_version);
        jw_str(w, "host", l->host);
        jw_i64(w, "pid", l->pid);
        jw_str(w, "prober_version", l->prober_version);
        jw_str(w, "prober_revision", l->prober_revision);
        jw_str(w, "prober_libs", l->prober_libs);
        jw_str(w, "cmd", l->cmd);
        jw_i64(w, "lines", l->lines);
        jw_u64(w, "requests", l->reqs);
        jw_time(w, "first", l->first_us);
        jw_time(w, "last", l->last_us);
        if (l->has_end) {
            jw_open(w, "end", '{');
            jw_time(w, "time", l->end_us);
            jw_str(w, "reason", l->end_reason);
            jw_time(w, "stop", l->stop_us);
            jw_close(w, '}');
        } else {
            jw_null(w, "end");
        }
        jw_str(w, "inconclusive", l->gate_reason >= 0 ? an->gate.reasons[l->gate_reason] : NULL);
        if (l->command.command) {
            char what[512];
            jw_open(w, "command", '{');
            jw_str(w, "command", l->command.command);
            jw_time(w, "start", l->command.start_us);
            jw_time(w, "end", l->command.end_us);
            if (l->command.end_us >= 0) {
                jw_seconds(w, "duration_s", l->command.end_us - l->command.start_us);
                jw_i64(w, "status", l->command.status);
                jw_str(w, "how", l->command.how);
            } else {
                jw_null(w, "duration_s");
                jw_null(w, "status");
                jw_null(w, "how");
            }
            jw_str(w, "summary", fmt_command(l, what, sizeof what));
            jw_close(w, '}');
        } else {
            jw_null(w, "command");
        }
        if (l->abort.present) {
            char what[1024];
            jw_open(w, "abort", '{');
            jw_time(w, "time", l->abort.t_us);
            jw_str(w, "target", l->abort.target);
            jw_str(w, "rule", l->abort.rule);
            if (l->abort.duration) {
                jw_seconds(w, "value_s", l->abort.value);
                jw_seconds(w, "limit_s", l->abort.limit);
            } else {
                jw_i64(w, "value", l->abort.value);
                jw_i64(w, "limit", l->abort.limit);
            }
            if (l->abort.before_us >= 0)
                jw_seconds(w, "hurt_before_s", l->abort.before_us);
            else
                jw_null(w, "hurt_before_s");
            if (l->abort.after_us >= 0)
                jw_seconds(w, "hurt_after_s", l->abort.after_us);
            else
                jw_null(w, "hurt_after_s");
            jw_str(w, "summary", fmt_abort(an, l, what, sizeof what));
            jw_close(w, '}');
        } else {
            jw_null(w, "abort");
        }
        jw_seconds(w, "max_lag_s", l->max_lag_us);
        jw_seconds(w, "batch_window_s", l->batch_window_us);
        jw_str(w, "ok_status", l->ok_status);
        if (l->follow_redirects >= 0)
            jw_bool(w, "follow_redirects", l->follow_redirects);
        else
            jw_null(w, "follow_redirects");
        jw_open(w, "clock", '{');
        if (l->clock_synced >= 0)
            jw_bool(w, "synced", l->clock_synced);
        else
            jw_null(w, "synced");
        if (l->clock_maxerror_us >= 0)
            jw_seconds(w, "maxerror_s", l->clock_maxerror_us);
        else
            jw_null(w, "maxerror_s");
        jw_close(w, '}');
        jw_open(w, "stalls", '{');
        jw_u64(w, "count", l->stalls);
        jw_seconds(w, "total_s", l->stall_us);
        jw_seconds(w, "longest_s", l->longest_stall_us);
        jw_time(w, "longest_at", l->stalls ? l->longest_stall_at_us : -1);
        jw_close(w, '}');
        jw_bool(w, "truncated", l->truncated);
        jw_i64(w, "malformed_skipped", l->malformed);
        jw_i64(w, "unknown_lines", l->unknown_lines);
        jw_i64(w, "prober_warnings", l->warns);
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

static void db_codes(struct jw *w, const char *key, const struct db_codes *c)
{
    jw_open(w, key, '{');
    for (int i = 0; i < c->n; i++)
        jw_u64(w, c->c[i].code[0] ? c->c[i].code : "network", c->c[i].count);
    if (c->rest)
        jw_u64(w, "other", c->rest);
    jw_close(w, '}');
}

static void db_windows(struct jw *w, const char *key, int n, const struct db_window *x)
{
    jw_open(w, key, '[');
    for (int i = 0; i < n; i++) {
        jw_open(w, NULL, '{');
        jw_interval(w, x[i].start_us, x[i].end_us, x[i].open);
        jw_u64(w, "probes", x[i].probes);
        db_codes(w, "sqlstates", &x[i].codes);
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

static void db_check(struct jw *w, const struct analysis *an, const char *key,
                     const struct db_check *c)
{
    if (!c->active) {
        jw_null(w, key);
        return;
    }
    jw_open(w, key, '{');
    jw_seconds(w, "limit_s", c->limit_us);
    jw_seconds(w, "value_s", c->value_us);
    jw_bool(w, "passed", c->passed);
    jw_str(w, "reason", c->reason >= 0 ? an->gate.reasons[c->reason] : NULL);
    jw_close(w, '}');
}

/* The database section: null when the logs hold no database event. */
static void database(struct jw *w, const struct analysis *an)
{
    const struct db_analysis *db = &an->db;
    static const char *const probes[] = {"query", "connect"};
    static const char *const outcomes[] = {"ok", "down", "timeout", "error"};
    if (!db->present) {
        jw_null(w, "database");
        return;
    }
    jw_open(w, "database", '{');
    jw_open(w, "probes", '{');
    for (int p = 0; p < 2; p++) {
        jw_open(w, probes[p], '{');
        for (int o = 0; o < 4; o++)
            jw_u64(w, outcomes[o], db->probes[p][o]);
        jw_close(w, '}');
    }
    jw_close(w, '}');
    jw_time(w, "first", db->first_us);
    jw_time(w, "last", db->last_us);
    jw_bool(w, "reachable", db->reachable);
    jw_seconds(w, "unreachable_s", db->unreachable_total_us);
    if (db->longest_unreachable >= 0)
        jw_seconds(w, "longest_unreachable_s", db->longest_unreachable_us);
    else
        jw_null(w, "longest_unreachable_s");
    db_windows(w, "unreachable", db->nunreachable, db->unreachable);
    db_windows(w, "connections_refused", db->nrefused, db->refused);
    jw_open(w, "schema", '[');
    for (int i = 0; i < db->nschema; i++) {
        jw_open(w, NULL, '{');
        jw_time(w, "time", db->schema[i].t_us);
        jw_str(w, "value", db->schema[i].value);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_open(w, "lock_waits", '[');
    for (int i = 0; i < db->nlocks; i++) {
        const struct db_lock_wait *x = &db->locks[i];
        jw_open(w, NULL, '{');
        jw_interval(w, x->start_us, x->end_us, x->open);
        jw_i64(w, "peak_waiting", x->peak_waiting);
        jw_seconds(w, "longest_wait_s", x->longest_wait_us);
        jw_str(w, "relation", x->relation);
        jw_str(w, "mode", x->mode);
        if (x->blocker >= 0)
            jw_i64(w, "blocker_pid", x->blocker);
        else
            jw_null(w, "blocker_pid");
        jw_open(w, "targets", '[');
        for (int j = 0; j < x->nlat; j++) {
            const struct db_lock_latency *l = &x->lat[j];
            char name[512];
            jw_open(w, NULL, '{');
            jw_str(w, "name", fmt_target(an, &an->targets[l->target], name, sizeof name));
            jw_u64(w, "requests", l->requests);
            jw_u64(w, "failed", l->failed);
            jw_ms(w, "p99_ms", l->p99_us);
            jw_ms(w, "max_ms", l->max_us);
            jw_close(w, '}');
        }
        jw_close(w, ']');
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_seconds(w, "longest_single_wait_s", db->longest_single_wait_us);
    db_codes(w, "errors", &db->errors);
    jw_open(w, "gate", '{');
    db_check(w, an, "max_db_down", &db->max_down);
    db_check(w, an, "max_lock_wait", &db->max_lock_wait);
    jw_close(w, '}');
    jw_close(w, '}');
}

/* One run's report: the whole document for one run, an element of "runs"
 * for several. */
static void document(struct jw *w, const struct analysis *an)
{
    jw_open(w, NULL, '{');
    jw_i64(w, "schema", SCHEMA_VERSION);
    gate(w, an);
    jw_time(w, "start", an->first_us);
    jw_time(w, "end", an->last_us);
    jw_seconds(w, "duration_s", an->first_us >= 0 ? an->last_us - an->first_us : 0);
    if (an->baseline) {
        jw_open(w, "baseline", '{');
        jw_str(w, "path", an->baseline->path);
        jw_str(w, "verdict", an->baseline->verdict);
        jw_time(w, "start", an->baseline->start_us);
        jw_close(w, '}');
    } else {
        jw_null(w, "baseline");
    }
    jw_open(w, "config", '{');
    jw_str(w, "ok_status", an->ok_status_text);
    jw_str(w, "ok_status_from", an->ok_status_from);
    jw_seconds(w, "burst_gap_s", an->cfg->burst_gap_us);
    jw_bool(w, "by_log", an->cfg->by_log);
    jw_bool(w, "allow_skipped", an->cfg->allow_skipped);
    jw_bool(w, "require_command_success", an->cfg->require_command_success);
    jw_bool(w, "lenient", an->cfg->lenient);
    jw_i64(w, "list", an->cfg->max_listed);
    jw_close(w, '}');
    jw_open(w, "targets", '[');
    for (int i = 0; i < an->ntargets; i++)
        target(w, an, &an->targets[i]);
    jw_close(w, ']');
    database(w, an);
    logs(w, an);
    jw_open(w, "timeline", '[');
    for (int i = 0; i < an->ntimeline; i++)
        event(w, an, NULL, i);
    jw_close(w, ']');
    jw_i64(w, "malformed_skipped", an->malformed);
    jw_open(w, "notes", '[');
    for (int i = 0; i < an->nnotes; i++)
        jw_str(w, NULL, an->notes[i]);
    jw_close(w, ']');
    jw_i64(w, "notes_dropped", an->notes_dropped);
    jw_close(w, '}');
}

int out_json(FILE *f, const struct analysis *an)
{
    struct jw w = {.f = f};
    document(&w, an);
    fputc('\n', f);
    return ferror(f) ? -1 : 0;
}

int out_json_runs(FILE *f, const struct rep_runs *rs)
{
    static const char *const verdicts[] = {"pass", "fail", "inconclusive"};
    struct jw w = {.f = f};
    jw_open(&w, NULL, '{');
    jw_i64(&w, "schema", SCHEMA_VERSION);
    jw_open(&w, "gate", '{');
    jw_bool(&w, "passed", rs->verdict == AN_PASS);
    jw_str(&w, "verdict", verdicts[rs->verdict]);
    jw_open(&w, "reasons", '[');
    for (int i = 0; i < rs->n; i++) {
        const struct an_gate *g = &rs->an[i].gate;
        for (int j = 0; j < g->nreasons; j++) {
            char buf[1200];
            snprintf(buf, sizeof buf, "run %d: %s", i + 1, g->reasons[j]);
            jw_str(&w, NULL, buf);
        }
    }
    jw_close(&w, ']');
    jw_open(&w, "warnings", '[');
    for (int i = 0; i < rs->n; i++) {
        const struct an_gate *g = &rs->an[i].gate;
        for (int j = 0; j < g->nwarnings; j++) {
            char buf[1200];
            snprintf(buf, sizeof buf, "run %d: %s", i + 1, g->warnings[j]);
            jw_str(&w, NULL, buf);
        }
    }
    jw_close(&w, ']');
    jw_i64(&w, "runs", rs->n);
    jw_i64(&w, "runs_passed", rs->passed);
    jw_i64(&w, "runs_failed", rs->failed);
    jw_i64(&w, "runs_inconclusive", rs->inconclusive);
    jw_close(&w, '}');
    jw_open(&w, "runs", '[');
    for (int i = 0; i < rs->n; i++)
        document(&w, &rs->an[i]);
    jw_close(&w, ']');
    jw_close(&w, '}');
    fputc('\n', f);
    return ferror(f) ? -1 : 0;
}
