/* The HTML report: one self-contained page for a CI artifact, read offline.
 * The verdict and its rules first, then the timeline (html_svg.c draws it),
 * then the tables of windows, bursts, blind intervals and failures by peer.
 * Nothing is fetched (a Content-Security-Policy forbids it); every string
 * from a log is escaped and none reaches the one script, which only adds a
 * tooltip and a zoom: with scripts off the page reads the same. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "gate_spec.h"
#include "html_svg.h"
#include "output.h"

static const char *const verdict_class[] = {"pass", "fail", "inconclusive"};

static void head(FILE *f, enum an_verdict v)
{
    fprintf(f,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            /* nothing from elsewhere, ever: a page from a CI artifact runs offline,
             * and a log must not make it call out */
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>pbprobe: %s</title>\n<style>\n",
            fmt_verdict(v));
    fputs("body{font:14px/1.4 system-ui,'DejaVu Sans',sans-serif;margin:0 auto;padding:12px "
          "20px;max-width:1260px;color:#111;background:#fff}\n"
          "h1{margin:0;font-size:26px;letter-spacing:.04em}h2{font-size:19px;margin:28px 0 "
          "8px;border-bottom:1px solid #ccc}h3{font-size:15px;margin:18px 0 6px}\n"
          ".verdict{padding:10px 16px;border-radius:6px;border:2px solid;margin:8px 0}\n"
          ".verdict.pass{background:#e3f4ea;border-color:#009E73}"
          ".verdict.pass h1{color:#006b4f}\n"
          ".verdict.fail{background:#fbe6dc;border-color:#D55E00}"
          ".verdict.fail h1{color:#a34400}\n"
          ".verdict.inconclusive{background:#fdf1d6;border-color:#E69F00}"
          ".verdict.inconclusive h1{color:#8a5d00}\n"
          ".verdict ul{margin:6px 0 0;padding-left:20px}.warn{color:#8a5d00}\n"
          "table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}\n"
          "th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}\n"
          "th{background:#f2f2f2}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
          "span.rev{font-family:monospace;color:#555}\n"
          "tr.failed td.result{color:#a34400;font-weight:bold}"
          "tr.passed td.result{color:#006b4f}\n"
          ".scroll{overflow-x:auto;border:1px solid #ddd;padding:4px 0}\n"
          ".legend{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:4px "
          "14px;font-size:12px}.legend svg{vertical-align:middle}\n"
          ".zoom{display:none;margin:4px 0}.js .zoom{display:block}\n"
          "#tip{position:fixed;pointer-events:none;background:#222;color:#fff;padding:4px "
          "7px;border-radius:4px;font:12px 'DejaVu Sans Mono',monospace;max-width:520px;"
          "white-space:pre-wrap;z-index:10}\n"
          ".muted{color:#666}code{font-family:'DejaVu Sans Mono',monospace}\n",
          f);
    fputs(html_svg_css, f);
    fputs("</style>\n</head>\n<body>\n", f);
}

/* The tooltip and the zoom. It reads the page, never data: the counts a
 * hover shows are the <title> the formatter wrote, which is also what a
 * browser shows without scripts. */
static void script(FILE *f)
{
    fputs("<div id=\"tip\" role=\"tooltip\" hidden></div>\n<script>\n"
          "(function(){\n"
          "document.documentElement.className+=' js';\n"
          "var tip=document.getElementById('tip');\n"
          "var sel='.slot,.mark-box,.window,.burst,.blind,.version,.mixed,.mark,.schema,.db-down,"
          ".db-refused,.db-lock,.lat-p50,.lat-p99';\n"
          "function text(el){\n"
          "  if(el.dataset.tip===undefined){var t=el.querySelector('title');\n"
          "    el.dataset.tip=t?t.textContent:'';if(t)t.remove();}\n"
          "  return el.dataset.tip;}\n"
          "function place(e){tip.style.left=Math.min(e.clientX+14,innerWidth-540)+'px';"
          "tip.style.top=(e.clientY+16)+'px';}\n"
          "document.addEventListener('mouseover',function(e){\n"
          "  var el=e.target.closest?e.target.closest(sel):null;\n"
          "  if(!el||!el.closest('svg.timeline')){tip.hidden=true;return;}\n"
          "  tip.textContent=text(el);tip.hidden=!tip.textContent;place(e);});\n"
          "document.addEventListener('mousemove',function(e){if(!tip.hidden)place(e);});\n"
          "document.querySelectorAll('.zoom button').forEach(function(b){\n"
          "  b.addEventListener('click',function(){\n"
          "    var svg=document.getElementById(b.parentNode.dataset.for);\n"
          "    var w=+svg.getAttribute('width'),vb=svg.viewBox.baseVal,k=+b.dataset.k;\n"
          "    var z=k?Math.max(1,Math.min(16,w/vb.width*k)):1;\n"
          "    svg.setAttribute('width',vb.width*z);svg.setAttribute('height',vb.height*z);});});\n"
          "})();\n</script>\n",
          f);
}

/* The verdict as a banner, its reasons and warnings, what the command and
 * the live gate did. */
static void banner(FILE *f, const struct analysis *an, const char *title)
{
    const struct an_gate *g = &an->gate;
    fprintf(f, "<div class=\"verdict %s\" data-verdict=\"%s\"><h1>%s%s</h1>\n",
            verdict_class[g->verdict], verdict_class[g->verdict], title ? title : "",
            fmt_verdict(g->verdict));
    if (g->nreasons || g->nwarnings || an->nlogs) {
        fputs("<ul class=\"reasons\">", f);
        for (int i = 0; i < g->nreasons; i++) {
            fputs("<li class=\"reason\">", f);
            html_text(f, g->reasons[i]);
            fputs("</li>", f);
        }
        for (int i = 0; i < g->nwarnings; i++) {
            fputs("<li class=\"warn\">WARN ", f);
            html_text(f, g->warnings[i]);
            fputs("</li>", f);
        }
        for (int i = 0; i < an->nlogs; i++) {
            char what[1024];
            if (an->logs[i].abort.present) {
                fputs("<li>", f);
                html_text(f, fmt_abort(an, &an->logs[i], what, sizeof what));
                fputs("</li>", f);
            }
            if (an->logs[i].command.command) {
                fputs("<li>command ", f);
                html_text(f, fmt_command(&an->logs[i], what, sizeof what));
                fputs("</li>", f);
            }
        }
        fputs("</ul>\n", f);
    }
    if (g->nreasons == 0)
        fprintf(f, "<p>%d target%s, %" PRIu64 " requests sent, %" PRIu64 " failed</p>\n",
                an->ntargets, an->ntargets == 1 ? "" : "s", an->total.ok + an->total.failed,
                an->total.failed);
    fputs("</div>\n", f);
}

static void check_value(const struct an_check *c, int64_t v, char *buf, size_t len)
{
    if (spec_rule_is_duration(c->rule))
        fmt_duration(v, buf, len);
    else if (c->rule == REP_RULE_MAX_ERROR_RATE) /* hundredths of a percent */
        snprintf(buf, len, "%" PRId64 ".%02d%%", v / 100, (int)(v % 100));
    else
        snprintf(buf, len, "%" PRId64, v);
}

/* Every rule applied to every target: what it allows, what was measured. */
static void rules(FILE *f, const struct analysis *an)
{
    const struct an_gate *g = &an->gate;
    const struct db_check *dbc[] = {&an->db.max_down, &an->db.max_lock_wait};
    static const char *const dbname[] = {"max-db-down", "max-lock-wait"};
    fputs("<h2>Rules</h2>\n<table class=\"rules\"><tr><th>target</th><th>rule</th>"
          "<th>limit</th><th>value</th><th>result</th></tr>\n",
          f);
    for (int i = 0; i < g->nchecks; i++) {
        const struct an_check *c = &g->checks[i];
        char name[512], lim[FMT_BUF], val[FMT_BUF];
        const char *result = c->no_baseline ? "not applied"
                             : !c->passed   ? "FAIL"
                             : c->warned    ? "WARN"
                                            : "pass";
        fprintf(f, "<tr class=\"%s\"><td>", c->passed ? "passed" : "failed");
        html_text(f, fmt_target(an, &an->targets[c->target], name, sizeof name));
        fprintf(f, "</td><td>%s", spec_rule_name(c->rule));
        if (spec_rule_kind(c->rule))
            fprintf(f, " %s", spec_rule_kind(c->rule));
        fputs("</td><td>", f);
        if (c->limit)
            html_text(f, c->limit->arg);
        else if (c->limit_value >= 0) {
            check_value(c, c->limit_value, lim, sizeof lim);
            fprintf(f, "%s <span class=\"muted\">(default)</span>", lim);
        }
        if (c->warn_limit) {
            fputs(" <span class=\"warn\">warn ", f);
            html_text(f, c->warn_limit->arg);
            fputs("</span>", f);
        }
        if (c->no_baseline)
            snprintf(val, sizeof val, "-");
        else
            check_value(c, c->value, val, sizeof val);
        fprintf(f, "</td><td class=\"n\">%s</td><td class=\"result\">%s</td></tr>\n", val, result);
    }
    for (int i = 0; i < 2; i++) {
        char lim[FMT_BUF], val[FMT_BUF];
        if (!dbc[i]->active)
            continue;
        fprintf(f,
                "<tr class=\"%s\"><td>database</td><td>%s</td><td>%s</td><td class=\"n\">%s</td>"
                "<td class=\"result\">%s</td></tr>\n",
                dbc[i]->passed ? "passed" : "failed", dbname[i],
                fmt_duration(dbc[i]->limit_us, lim, sizeof lim),
                fmt_duration(dbc[i]->value_us, val, sizeof val), dbc[i]->passed ? "pass" : "FAIL");
    }
    fputs("</table>\n", f);
}

static void summary(FILE *f, const struct analysis *an)
{
    char d[FMT_BUF], dur[FMT_BUF];
    if (an->first_us >= 0)
        fprintf(f, "<p>From %s for %s, %d log%s%s.</p>\n", fmt_date(an->first_us, d, sizeof d),
                fmt_duration(an->last_us - an->first_us, dur, sizeof dur), an->nlogs,
                an->nlogs == 1 ? "" : "s", an->cfg->by_log ? " (kept apart)" : "");
    if (an->ntargets == 0)
        return;
    fputs("<table class=\"targets\"><tr><th>target</th><th>url</th><th>requests</th>"
          "<th>failed</th><th>skipped</th><th>availability</th><th>p50</th><th>p99</th>"
          "<th>max</th><th>downtime</th><th>windows</th><th>bursts</th><th>blind</th></tr>\n",
          f);
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        char name[512], a[FMT_BUF], p50[FMT_BUF], p99[FMT_BUF], mx[FMT_BUF], dn[FMT_BUF];
        char bl[FMT_BUF];
        int sent = t->ok + t->failed > 0;
        fputs("<tr><td>", f);
        html_text(f, fmt_target(an, t, name, sizeof name));
        fputs("</td><td>", f);
        html_text(f, t->url);
        fprintf(f,
                "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%s</td><td "
                "class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td "
                "class=\"n\">%s</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                "</td><td class=\"n\">%s</td></tr>\n",
                t->requests, t->failed, t->skipped, fmt_availability(t->availability, a, sizeof a),
                sent ? fmt_duration(t->lat.p50, p50, sizeof p50) : "-",
                sent ? fmt_duration(t->lat.p99, p99, sizeof p99) : "-",
                sent ? fmt_duration(t->lat.max, mx, sizeof mx) : "-",
                fmt_duration(t->windows.total_us, dn, sizeof dn), t->windows.count, t->bursts.count,
                fmt_duration(t->blind.total_us, bl, sizeof bl));
    }
    fputs("</table>\n", f);
}

enum span_kind { SPAN_WINDOW, SPAN_BURST, SPAN_BLIND };

/* Windows, bursts or blind intervals of every target, one row each. */
static void span_table(FILE *f, const struct analysis *an, enum span_kind kind)
{
    static const char *const titles[] = {"Downtime windows", "Error bursts",
                                         "Blind intervals (not observed on time)"};
    static const char *const cls[] = {"windows", "bursts", "blind"};
    int any = 0;
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        any |= (kind == SPAN_WINDOW  ? t->windows.count
                : kind == SPAN_BURST ? t->bursts.count
                                     : t->blind.count) > 0;
    }
    if (!any)
        return;
    fprintf(f,
            "<h3>%s</h3>\n<table class=\"%s\"><tr><th>target</th><th>start (UTC)</th>"
            "<th>from</th><th>to</th><th>duration</th><th>%s</th>%s<th>phase</th>"
            "</tr>\n",
            titles[kind], cls[kind], kind == SPAN_BLIND ? "ticks" : "failed",
            kind == SPAN_BLIND ? "" : "<th>outcomes</th>");
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        const struct an_spans *s = kind == SPAN_WINDOW  ? &t->windows
                                   : kind == SPAN_BURST ? &t->bursts
                                                        : &t->blind;
        char name[512];
        fmt_target(an, t, name, sizeof name);
        for (int j = 0; j < s->nlisted; j++) {
            const struct an_span *sp = &s->listed[j];
            char clk[FMT_BUF], a[FMT_BUF], b[FMT_BUF], dur[FMT_BUF], mix[512], phase[1024];
            fputs("<tr><td>", f);
            html_text(f, name);
            fprintf(f,
                    "</td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s%s</td><td "
                    "class=\"n\">%s</td><td class=\"n\">",
                    fmt_clock(sp->start_us, clk, sizeof clk),
                    fmt_offset(an, sp->start_us, a, sizeof a),
                    fmt_offset(an, sp->end_us, b, sizeof b), sp->open ? " (open)" : "",
                    fmt_duration(sp->end_us - sp->start_us, dur, sizeof dur));
            if (kind == SPAN_BLIND)
                fprintf(f, "%" PRIu64 "</td><td>", sp->requests);
            else if (kind == SPAN_BURST)
                fprintf(f, "%" PRIu64 " of %" PRIu64 " (%.1f%%)</td><td>", sp->failed, sp->requests,
                        100.0 * sp->error_rate);
            else
                fprintf(f, "%" PRIu64 "</td><td>", sp->failed);
            if (kind != SPAN_BLIND) {
                html_text(f, fmt_mix(&sp->mix, mix, sizeof mix));
                fputs("</td><td>", f);
            }
            html_text(f, fmt_phase(an, sp->phase, phase, sizeof phase));
            html_text(f, fmt_event(an, sp->event, phase, sizeof phase));
            fputs("</td></tr>\n", f);
        }
        if ((uint64_t)s->nlisted < s->count) {
            fputs("<tr><td>", f);
            html_text(f, name);
            fprintf(f,
                    "</td><td colspan=\"%d\" class=\"muted\">%" PRIu64
                    " shorter ones not listed (--list)</td></tr>\n",
                    kind == SPAN_BLIND ? 6 : 7, s->count - (uint64_t)s->nlisted);
        }
    }
    fputs("</table>\n", f);
}

/* Per target that failed: by which peer, connection kind and protocol. */
static void split_table(FILE *f, const struct analysis *an)
{
    int any = 0;
    for (int i = 0; i < an->ntargets; i++)
        for (int by = 0; by < AN_NSPLIT && an->targets[i].failed; by++)
            any |= an->targets[i].by[by].known;
    if (!any)
        return;
    fputs("<h3>Failures by peer, connection and protocol</h3>\n<table class=\"by-peer\"><tr>"
          "<th>target</th><th>by</th><th>value</th><th>failed</th><th>of requests</th>"
          "<th>outcomes</th></tr>\n",
          f);
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        char name[512], mix[512];
        fmt_target(an, t, name, sizeof name);
        for (int by = 0; by < AN_NSPLIT && t->failed; by++) {
            const struct an_splits *sp = &t->by[by];
            const char *what = fmt_split_by((enum an_split_by)by);
            if (!sp->known)
                continue;
            for (int j = 0; j < sp->n; j++) {
                const struct an_split *v = &sp->v[j];
                if (j >= sp->failing)
                    break;
                fputs("<tr><td>", f);
                html_text(f, name);
                fprintf(f, "</td><td>%s</td><td>", what);
                html_text(f, fmt_split_key(v, (enum an_split_by)by));
                fprintf(f,
                        "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64 "</td><td>",
                        v->failed, v->requests);
                html_text(f, fmt_mix(&v->mix, mix, sizeof mix));
                fputs("</td></tr>\n", f);
            }
            if (sp->n > sp->failing) {
                fputs("<tr><td>", f);
                html_text(f, name);
                fprintf(f,
                        "</td><td>%s</td><td class=\"muted\">%d other%s</td><td "
                        "class=\"n\">0</td><td class=\"n\">%" PRIu64 "</td><td></td></tr>\n",
                        what, sp->n - sp->failing, sp->n - sp->failing == 1 ? "" : "s",
                        sp->clean_requests);
            }
        }
    }
    fputs("</table>\n", f);
}

static void versions_table(FILE *f, const struct analysis *an)
{
    int any = 0;
    for (int i = 0; i < an->ntargets; i++)
        any |= an->targets[i].versions.n > 0;
    if (!any)
        return;
    fputs("<h3>Versions</h3>\n<table class=\"versions\"><tr><th>target</th><th>version</th>"
          "<th>requests</th><th>first</th><th>last</th><th>final</th></tr>\n",
          f);
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        const struct an_versions *v = &t->versions;
        char name[512], a[FMT_BUF], b[FMT_BUF], d[FMT_BUF];
        fmt_target(an, t, name, sizeof name);
        for (int j = 0; j < v->n; j++) {
            fputs("<tr><td>", f);
            html_text(f, name);
            fprintf(f,
                    "</td><td><svg width=\"10\" height=\"10\"><rect class=\"v%d\" "
                    "width=\"10\" height=\"10\"/></svg> ",
                    j % 8);
            html_text(f, v->v[j].name);
            fprintf(f,
                    "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%s</td><td "
                    "class=\"n\">%s</td><td>%s</td></tr>\n",
                    v->v[j].requests, fmt_offset(an, v->v[j].first_us, a, sizeof a),
                    fmt_offset(an, v->v[j].last_us, b, sizeof b), j == v->final ? "final" : "");
        }
        if (v->n >= 2 && v->mixed_end_us >= v->mixed_start_us) {
            fputs("<tr><td>", f);
            html_text(f, name);
            fprintf(f,
                    "</td><td colspan=\"5\">mixed from %s to %s (%s), %" PRIu64
                    " switches, %" PRIu64 " back to an older version</td></tr>\n",
                    fmt_offset(an, v->mixed_start_us, a, sizeof a),
                    fmt_offset(an, v->mixed_end_us, b, sizeof b),
                    fmt_duration(v->mixed_end_us - v->mixed_start_us, d, sizeof d), v->switches,
                    v->flip_flops);
        }
    }
    fputs("</table>\n", f);
}

static void db_row(FILE *f, const struct analysis *an, const char *what, int64_t start_us,
                   int64_t end_us, int open)
{
    char a[FMT_BUF], b[FMT_BUF], d[FMT_BUF];
    fprintf(f, "<tr><td>%s</td><td>%s (%s)</td><td class=\"n\">%s%s</td><td>", what,
            fmt_clock(start_us, a, sizeof a), fmt_offset(an, start_us, b, sizeof b),
            end_us >= start_us ? fmt_duration(end_us - start_us, d, sizeof d) : "",
            open ? " (open)" : "");
}

static void database(FILE *f, const struct analysis *an)
{
    const struct db_analysis *db = &an->db;
    char d[FMT_BUF], e[FMT_BUF];
    if (!db->present)
        return;
    fprintf(f,
            "<h3>Database%s</h3>\n<table class=\"database\"><tr><th>what</th><th>at</th>"
            "<th>for</th><th>detail</th></tr>\n",
            db->reachable ? "" : ": never reachable");
    for (int i = 0; i < db->nunreachable; i++) {
        const struct db_window *w = &db->unreachable[i];
        db_row(f, an, "unreachable", w->start_us, w->end_us, w->open);
        fprintf(f, "%" PRIu64 " failed probes</td></tr>\n", w->probes);
    }
    for (int i = 0; i < db->nrefused; i++) {
        const struct db_window *w = &db->refused[i];
        db_row(f, an, "fresh connections refused", w->start_us, w->end_us, w->open);
        fprintf(f, "%" PRIu64 " failed, %s</td></tr>\n", w->probes,
                w->codes.n && w->codes.c[0].code[0] ? w->codes.c[0].code : "network");
    }
    for (int i = 0; i < db->nschema; i++) {
        db_row(f, an, "schema", db->schema[i].t_us, -1, 0);
        html_text(f, db->schema[i].value ? db->schema[i].value : "(no row)");
        fputs("</td></tr>\n", f);
    }
    for (int i = 0; i < db->nlocks; i++) {
        const struct db_lock_wait *w = &db->locks[i];
        db_row(f, an, "lock wait", w->start_us, w->end_us, w->open);
        html_text(f, w->relation ? w->relation : "-");
        fputs(", ", f);
        html_text(f, w->mode ? w->mode : "-");
        fprintf(f, ", peak %" PRId64 " waiting, longest wait %s", w->peak_waiting,
                fmt_duration(w->longest_wait_us, e, sizeof e));
        for (int j = 0; j < w->nlat; j++) {
            char name[512];
            fputs("; ", f);
            html_text(f, fmt_target(an, &an->targets[w->lat[j].target], name, sizeof name));
            fprintf(f, " p99 %s", fmt_duration(w->lat[j].p99_us, d, sizeof d));
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void notes(FILE *f, const struct analysis *an)
{
    if (an->nnotes == 0 && an->malformed == 0)
        return;
    fputs("<h3>Notes</h3>\n<ul class=\"notes\">", f);
    if (an->malformed)
        fprintf(f, "<li>%ld malformed lines skipped (--lenient)</li>", an->malformed);
    for (int i = 0; i < an->nnotes; i++) {
        fputs("<li>", f);
        html_text(f, an->notes[i]);
        fputs("</li>", f);
    }
    if (an->notes_dropped)
        fprintf(f, "<li>... and %ld more</li>", an->notes_dropped);
    fputs("</ul>\n", f);
}

static void logs(FILE *f, const struct analysis *an)
{
    fputs("<h3>Logs</h3>\n<table class=\"logs\"><tr><th>log</th><th>host</th><th>prober</th>"
          "<th>requests</th><th>end</th></tr>\n",
          f);
    for (int i = 0; i < an->nlogs; i++) {
        const struct an_log *l = &an->logs[i];
        fputs("<tr><td>", f);
        html_text(f, l->path);
        fputs("</td><td>", f);
        html_text(f, l->host ? l->host : "-");
        fputs("</td><td>", f);
        html_text(f, l->prober_version ? l->prober_version : "-");
        if (l->prober_revision) {
            fputs(" <span class=\"rev\" title=\"", f);
            html_text(f, l->prober_libs ? l->prober_libs : "");
            fputs("\">", f);
            html_text(f, l->prober_revision);
            fputs("</span>", f);
        }
        fprintf(f, "</td><td class=\"n\">%" PRIu64 "</td><td>", l->reqs);
        html_text(f, l->has_end ? (l->end_reason ? l->end_reason : "end") : "no end line");
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* One run: its banner, rules, targets, timeline and tables. */
static void run_section(FILE *f, const struct analysis *an, int run, int nruns)
{
    char title[64] = "";
    fprintf(f, "<section class=\"run\" id=\"run-%d\" data-run=\"%d\" data-verdict=\"%s\">\n", run,
            run, verdict_class[an->gate.verdict]);
    if (nruns > 1) {
        fprintf(f, "<h2>Run %d of %d</h2>\n", run, nruns);
        snprintf(title, sizeof title, "run %d: ", run);
    }
    banner(f, an, title);
    rules(f, an);
    fputs("<h2>Targets</h2>\n", f);
    summary(f, an);
    if (an->ntargets || an->db.present) {
        fputs("<h2>Timeline</h2>\n<p class=\"muted\">Seconds from the first request; each bar "
              "is one second of requests by outcome. Hover a bar, band or mark for its "
              "figures.</p>\n",
              f);
        html_svg_legend(f, an);
        fprintf(f,
                "<div class=\"zoom\" data-for=\"timeline-%d\">zoom <button type=\"button\" "
                "data-k=\"2\">+</button> <button type=\"button\" data-k=\"0.5\">&minus;</button> "
                "<button type=\"button\" data-k=\"0\">reset</button></div>\n"
                "<div class=\"scroll\">\n",
                run);
        html_svg_timeline(f, an, run);
        fputs("</div>\n", f);
    }
    fputs("<h2>Details</h2>\n", f);
    span_table(f, an, SPAN_WINDOW);
    span_table(f, an, SPAN_BURST);
    span_table(f, an, SPAN_BLIND);
    split_table(f, an);
    versions_table(f, an);
    database(f, an);
    notes(f, an);
    logs(f, an);
    fputs("</section>\n", f);
}

int out_html(FILE *f, const struct analysis *an)
{
    head(f, an->gate.verdict);
    run_section(f, an, 1, 1);
    script(f);
    fputs("</body>\n</html>\n", f);
    return ferror(f) ? -1 : 0;
}

int out_html_runs(FILE *f, const struct rep_runs *rs)
{
    char d[FMT_BUF], dur[FMT_BUF];
    head(f, rs->verdict);
    fprintf(f,
            "<div class=\"verdict %s\" data-verdict=\"%s\"><h1>%s</h1><p>%d runs: %d failed, %d "
            "inconclusive, %d passed (logs that do not overlap in time are separate runs, each "
            "judged on its own; --one-run merges them)</p>\n<ul class=\"reasons\">",
            verdict_class[rs->verdict], verdict_class[rs->verdict], fmt_verdict(rs->verdict), rs->n,
            rs->failed, rs->inconclusive, rs->passed);
    for (int i = 0; i < rs->n; i++) {
        const struct analysis *an = &rs->an[i];
        fprintf(f, "<li><a href=\"#run-%d\">run %d</a> %s", i + 1, i + 1,
                fmt_verdict(an->gate.verdict));
        if (an->first_us >= 0)
            fprintf(f, " from %s for %s:", fmt_date(an->first_us, d, sizeof d),
                    fmt_duration(an->last_us - an->first_us, dur, sizeof dur));
        for (int j = 0; j < an->nlogs; j++) {
            fputs(j ? ", " : " ", f);
            html_text(f, an->logs[j].path);
        }
        fputs("</li>", f);
    }
    fputs("</ul></div>\n", f);
    for (int i = 0; i < rs->n; i++)
        run_section(f, &rs->an[i], i + 1, rs->n);
    script(f);
    fputs("</body>\n</html>\n", f);
    return ferror(f) ? -1 : 0;
}
