/* The HTML report's timeline (html_svg.h): per run one SVG, top to bottom a
 * time axis, the lane of marks and commands, the lane of the platform's
 * events, then per target its versions, its downtime windows, bursts and
 * blind intervals as bands, its requests per second stacked by outcome and
 * its p50 and p99 per second, then the database lane. Every label sits in a lane of
 * its own, placed greedily into rows, so that no label covers another or the
 * data. Sizes are fixed pixels: a test can compute where a time must be. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "html_svg.h"

#define SVG_W 1200
#define X0 170.0 /* the left margin holds the lanes' names */
#define X1 1180.0
#define FONT_PX 11
/* DejaVu Sans Mono at 11 px advances 6.62 px a character; each label is
 * pinned to CHAR_PX a character with textLength, so its box is known here
 * whatever font the browser picks */
#define CHAR_PX 6.6
#define LABEL_PAD 4.0  /* between a label's text and its box */
#define LABEL_GAP 6.0  /* between two boxes of a row */
#define LABEL_CHARS 40 /* a longer label is cut; its whole text is in its title */
#define LABEL_ROWS 6   /* per lane; a label that finds no room keeps its line and title */
#define ROW_H 17
#define LANE_H 12
#define CHART_H 110
#define LAT_H 60
#define AXIS_H 18
#define NAME_CHARS 24 /* a lane's name in the margin */

/* Okabe-Ito: told apart with every common colour-vision deficiency. */
static const char *const class_names[AN_NCLASS] = {"ok",    "http",  "connect", "timeout",
                                                   "reset", "other", "skipped", "late"};

const char html_svg_css[] =
    "svg.timeline{font:11px 'DejaVu Sans Mono',monospace;display:block}\n"
    "svg .c0{fill:#009E73}svg .c1{fill:#882255}svg .c2{fill:#CC79A7}svg .c3{fill:#E69F00}\n"
    "svg .c4{fill:#0072B2}svg .c5{fill:#56B4E9}svg .c6{fill:#999999}svg .c7{fill:#4d4d4d}\n"
    "svg .v0{fill:#0072B2}svg .v1{fill:#E69F00}svg .v2{fill:#009E73}svg .v3{fill:#CC79A7}\n"
    "svg .v4{fill:#56B4E9}svg .v5{fill:#D55E00}svg .v6{fill:#F0E442}svg .v7{fill:#000}\n"
    "svg .hit{fill:transparent}svg .slot:hover .hit{fill:rgba(0,0,0,.08)}\n"
    "svg .plot-area{fill:#fafafa;stroke:#ccc}svg .lane-bg{fill:#f4f4f4}\n"
    "svg .grid{stroke:#e3e3e3}svg .tick{fill:#555}\n"
    "svg .window{fill:#D55E00}svg .burst{fill:#E69F00}svg .window-shade{fill:#D55E00;"
    "fill-opacity:.10;pointer-events:none}\n"
    "svg .blind{stroke:#4d4d4d;stroke-width:.5}\n"
    "svg .mixed{fill:none;stroke:#000;stroke-width:1.5;stroke-dasharray:4 2}\n"
    "svg .p99{fill:none;stroke:#0072B2;stroke-width:1.5}\n"
    "svg .p50{fill:none;stroke:#009E73;stroke-width:1.5}\n"
    "svg .lat-p50,svg .lat-p99{stroke-width:1;stroke-dasharray:6 3}"
    "svg .lat-p50{stroke:#009E73}svg .lat-p99{stroke:#0072B2}\n"
    "svg .mark-line{stroke:#222;stroke-dasharray:3 3;pointer-events:none}\n"
    "svg .mark-label{fill:#fff;stroke:#222}svg .mark-box:hover .mark-label{fill:#eef}svg "
    ".mark-text{fill:#111}\n"
    "svg .ev-cmd .mark-line,svg .ev-cmd.mark-box .mark-label{stroke:#0072B2}\n"
    "svg .ev-abort .mark-line,svg .ev-abort.mark-box .mark-label{stroke:#D55E00}\n"
    "svg .ev-platform .mark-line{stroke:#56B4E9;stroke-dasharray:1 2}\n"
    "svg .ev-platform.mark-box .mark-label{stroke:#56B4E9}\n"
    "svg .db-down{fill:#AA4499}svg .db-refused{fill:#CC79A7}svg .db-lock{fill:#44AA99}\n"
    "svg .schema-line{stroke:#117733;stroke-width:2;pointer-events:none}\n"
    "svg .schema .mark-label{stroke:#117733}\n"
    "svg .name{fill:#333}svg .heading{font-weight:bold;fill:#000}svg .sub{fill:#555}\n";

void html_text(FILE *f, const char *s)
{
    static const struct fmt_markup html = {"", 1, ""};
    fmt_escaped(f, s, &html);
}

/* At most max characters of s, "…" when cut; control characters and
 * invalid UTF-8 as '?'. Sets *chars to the characters kept. */
static const char *cut(const char *s, int max, char *buf, size_t len, int *chars)
{
    size_t i = 0;
    int n = 0;
    while (s && *s && i + 8 < len) {
        int l = fmt_utf8_len(s);
        if (n == max) {
            memcpy(buf + i, "\xe2\x80\xa6", 3);
            i += 3;
            n++;
            break;
        }
        if (l == 0 || (l == 1 && ((unsigned char)*s < 0x20 || *s == 0x7f))) {
            buf[i++] = '?';
            s++;
        } else {
            memcpy(buf + i, s, (size_t)l);
            i += (size_t)l;
            s += l;
        }
        n++;
    }
    buf[i] = '\0';
    *chars = n;
    return buf;
}

struct axis {
    int64_t t0_us, t1_us, origin_us;
};

static double ax_x(const struct axis *a, int64_t t_us)
{
    return X0 + (double)(t_us - a->t0_us) * (X1 - X0) / (double)(a->t1_us - a->t0_us);
}

static void widen(struct axis *a, int64_t t_us)
{
    if (t_us < 0)
        return;
    if (a->t0_us < 0 || t_us < a->t0_us)
        a->t0_us = t_us;
    if (t_us > a->t1_us)
        a->t1_us = t_us;
}

/* What the axis spans: every second of the series, every request, database
 * probe, event and interval drawn. */
static struct axis axis_of(const struct analysis *an)
{
    struct axis a = {-1, -1, an->origin_us};
    widen(&a, an->first_us);
    widen(&a, an->last_us);
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        const struct an_spans *sp[] = {&t->windows, &t->bursts, &t->blind};
        if (t->series_len) {
            widen(&a, t->series_start_s * 1000000);
            widen(&a, (t->series_start_s + (int64_t)t->series_len) * 1000000);
        }
        for (int k = 0; k < 3; k++)
            for (int j = 0; j < sp[k]->nlisted; j++) {
                widen(&a, sp[k]->listed[j].start_us);
                widen(&a, sp[k]->listed[j].end_us);
            }
    }
    for (int i = 0; i < an->ntimeline; i++)
        widen(&a, an->timeline[i].t_us);
    if (an->db.present) {
        widen(&a, an->db.first_us);
        widen(&a, an->db.last_us);
        for (int i = 0; i < an->db.nlocks; i++)
            widen(&a, an->db.locks[i].end_us);
    }
    if (a.t0_us < 0)
        a.t0_us = a.t1_us = an->origin_us > 0 ? an->origin_us : 0;
    if (a.t1_us <= a.t0_us)
        a.t1_us = a.t0_us + 1000000;
    if (a.origin_us < 0)
        a.origin_us = a.t0_us;
    return a;
}

/* Seconds from the origin, exact: what data-t, data-start and data-end hold. */
static const char *rel(const struct axis *a, int64_t t_us, char *buf, size_t len)
{
    return fmt_seconds(t_us - a->origin_us, buf, len);
}

/* Greedy rows: a label takes the first row whose last box ends before it. */
struct rows {
    int n;
    double end[LABEL_ROWS];
};

static int rows_place(struct rows *r, double a, double b)
{
    for (int i = 0; i < LABEL_ROWS; i++) {
        if (i == r->n) {
            r->n++;
            r->end[i] = b;
            return i;
        }
        if (r->end[i] + LABEL_GAP <= a) {
            r->end[i] = b;
            return i;
        }
    }
    return -1;
}

/* A label's place: its row (-1: none found) and its box's left edge. */
struct label {
    int row;
    double a;
    int chars;
    char text[LABEL_CHARS * 4 + 8];
};

/* The box right of its line, or left of it where it would leave the chart. */
static void label_place(struct rows *r, struct label *l, double x, const char *text)
{
    cut(text, LABEL_CHARS, l->text, sizeof l->text, &l->chars);
    double w = l->chars * CHAR_PX + 2 * LABEL_PAD;
    l->a = x + 2;
    if (l->a + w > SVG_W - 2)
        l->a = x - 2 - w;
    if (l->a < X0 - 60)
        l->a = X0 - 60;
    l->row = rows_place(r, l->a, l->a + w);
}

static void label_draw(FILE *f, const struct label *l, double y)
{
    double w = l->chars * CHAR_PX + 2 * LABEL_PAD;
    fprintf(f,
            "<rect class=\"mark-label\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%d\" "
            "rx=\"2\"/><text class=\"mark-text\" x=\"%.2f\" y=\"%.2f\" textLength=\"%.2f\" "
            "lengthAdjust=\"spacingAndGlyphs\">",
            l->a, y + 1, w, ROW_H - 3, l->a + LABEL_PAD, y + ROW_H - 5.5, l->chars * CHAR_PX);
    html_text(f, l->text);
    fputs("</text>", f);
}

/* Which lane an event's label goes to: the platform's events (k8s, lab) are
 * many and get their own. */
static int is_platform(const struct an_event *e)
{
    return e->kind == AN_EV_MARK && e->source_len > 0;
}

static void event_label(const struct an_event *e, char *buf, size_t len)
{
    switch (e->kind) {
    case AN_EV_MARK:
        snprintf(buf, len, "%s", e->text ? e->text : "");
        break;
    case AN_EV_CMD_START:
        snprintf(buf, len, "command started");
        break;
    case AN_EV_CMD_EXIT:
        snprintf(buf, len, "command exited %ld", e->number);
        break;
    case AN_EV_ABORT:
        snprintf(buf, len, "aborted: %.60s", e->text ? e->text : "");
        break;
    }
}

/* A name in the left margin, at baseline y. */
static void margin_name(FILE *f, double y, const char *name)
{
    char buf[NAME_CHARS * 4 + 8];
    int n;
    fprintf(f, "<text class=\"name\" x=\"6\" y=\"%.2f\">", y);
    html_text(f, cut(name, NAME_CHARS, buf, sizeof buf, &n));
    fputs("</text>\n", f);
}

/* Ticks every 1, 2 or 5 times a power of ten seconds, about ten across, at
 * whole multiples from the origin; with a grid from grid_top to grid_bottom. */
static void axis_draw(FILE *f, const struct axis *a, double y, double grid_top, double grid_bottom)
{
    static const double m[] = {1, 2, 5};
    double span = (double)(a->t1_us - a->t0_us) / 1e6, decade = 0.001, step = 0.001;
    for (int i = 0; span / step > 12 && i < 60; i++) {
        if (i % 3 == 2)
            decade *= 10;
        step = m[(i + 1) % 3] * decade;
    }
    double from = (double)(a->t0_us - a->origin_us) / 1e6;
    double to = (double)(a->t1_us - a->origin_us) / 1e6;
    long k0 = (long)(from / step) - 1, k1 = (long)(to / step) + 1;
    for (long k = k0; k <= k1; k++) {
        double s = (double)k * step;
        if (s < from - 1e-9 || s > to + 1e-9)
            continue;
        double x = ax_x(a, a->origin_us + (int64_t)(s * 1e6 + (s < 0 ? -0.5 : 0.5)));
        char lab[48];
        if (step >= 60 && s >= 0)
            snprintf(lab, sizeof lab, "+%ldm%02lds", (long)s / 60, (long)s % 60);
        else
            snprintf(lab, sizeof lab, "%s%.10g s", s < 0 ? "" : "+", s);
        if (grid_bottom > grid_top)
            fprintf(f, "<line class=\"grid\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>", x,
                    grid_top, x, grid_bottom);
        fprintf(f, "<text class=\"tick\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">%s</text>\n",
                x, y, lab);
    }
}

/* A band over [start, end), at least a pixel wide so that an instant shows;
 * the element is left open for its title. */
static void band(FILE *f, const struct axis *a, const char *cls, const char *extra,
                 int64_t start_us, int64_t end_us, double y, double h)
{
    char s[FMT_BUF], e[FMT_BUF];
    double x = ax_x(a, start_us), w = ax_x(a, end_us) - x;
    if (w < 1)
        w = 1;
    fprintf(f,
            "<rect class=\"%s\" data-start=\"%s\" data-end=\"%s\" x=\"%.2f\" y=\"%.2f\" "
            "width=\"%.2f\" height=\"%.2f\"%s>",
            cls, rel(a, start_us, s, sizeof s), rel(a, end_us, e, sizeof e), x, y, w, h,
            extra ? extra : "");
}

enum span_kind { SPAN_WINDOW, SPAN_BURST, SPAN_BLIND };

static void span_title(FILE *f, const struct analysis *an, const struct an_span *sp,
                       enum span_kind kind)
{
    static const char *const what[] = {"downtime window", "error burst", "blind interval"};
    char a[FMT_BUF], b[FMT_BUF], d[FMT_BUF], mix[512], phase[1024], ev[512];
    fprintf(f, "<title>%s %s .. %s%s (%s)", what[kind], fmt_offset(an, sp->start_us, a, sizeof a),
            fmt_offset(an, sp->end_us, b, sizeof b), sp->open ? " open" : "",
            fmt_duration(sp->end_us - sp->start_us, d, sizeof d));
    if (kind == SPAN_BLIND)
        fprintf(f, ": %" PRIu64 " ticks not observed on time", sp->requests);
    else if (kind == SPAN_BURST)
        fprintf(f, ": %" PRIu64 " of %" PRIu64 " failed (%.1f%%): ", sp->failed, sp->requests,
                100.0 * sp->error_rate);
    else
        fprintf(f, ": %" PRIu64 " failed: ", sp->failed);
    if (kind != SPAN_BLIND)
        html_text(f, fmt_mix(&sp->mix, mix, sizeof mix));
    fputs("; ", f);
    html_text(f, fmt_phase(an, sp->phase, phase, sizeof phase));
    html_text(f, fmt_event(an, sp->event, ev, sizeof ev));
    fputs("</title></rect>\n", f);
}

/* Windows, bursts or blind intervals of a target: a lane of bands. */
static double span_lane(FILE *f, const struct analysis *an, const struct axis *a,
                        const struct an_spans *s, enum span_kind kind, double y, int run)
{
    static const char *const cls[] = {"window", "burst", "blind"};
    static const char *const what[] = {"downtime", "bursts", "blind"};
    char name[64], extra[32] = "";
    if ((uint64_t)s->nlisted < s->count)
        snprintf(name, sizeof name, "%s (%d of %" PRIu64 ")", what[kind], s->nlisted, s->count);
    else
        snprintf(name, sizeof name, "%s (%" PRIu64 ")", what[kind], s->count);
    if (kind == SPAN_BLIND) /* hatched: never read as a colour of the data */
        snprintf(extra, sizeof extra, " fill=\"url(#hb%d)\"", run);
    fprintf(f, "<rect class=\"lane-bg\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%d\"/>\n", X0,
            y, X1 - X0, LANE_H);
    margin_name(f, y + LANE_H - 2, name);
    for (int j = 0; j < s->nlisted; j++) {
        band(f, a, cls[kind], extra, s->listed[j].start_us, s->listed[j].end_us, y, LANE_H);
        span_title(f, an, &s->listed[j], kind);
    }
    return y + LANE_H + 3;
}

/* One row per version over its first to last request, and the interval of
 * mixed versions outlined across them. */
static double versions_lane(FILE *f, const struct analysis *an, const struct axis *a,
                            const struct an_versions *v, double y)
{
    char s[FMT_BUF], e[FMT_BUF], d[FMT_BUF], cls[32], buf[NAME_CHARS * 4 + 8];
    int n;
    for (int j = 0; j < v->n; j++) {
        const struct an_version *ver = &v->v[j];
        double yy = y + j * 10;
        fprintf(f, "<text class=\"name\" x=\"16\" y=\"%.2f\" font-size=\"9\">", yy + 8);
        html_text(f, cut(ver->name, NAME_CHARS, buf, sizeof buf, &n));
        fputs("</text>", f);
        fprintf(f, "<rect class=\"v%d\" x=\"6\" y=\"%.2f\" width=\"8\" height=\"8\"/>", j % 8,
                yy + 1);
        snprintf(cls, sizeof cls, "version v%d", j % 8);
        band(f, a, cls, NULL, ver->first_us, ver->last_us, yy + 1, 8);
        fputs("<title>version ", f);
        html_text(f, ver->name);
        fprintf(f, ": %" PRIu64 " requests, %s .. %s</title></rect>\n", ver->requests,
                fmt_offset(an, ver->first_us, s, sizeof s),
                fmt_offset(an, ver->last_us, e, sizeof e));
    }
    if (v->n >= 2 && v->final >= 0 && v->mixed_end_us >= v->mixed_start_us) {
        band(f, a, "mixed", NULL, v->mixed_start_us, v->mixed_end_us, y, v->n * 10);
        fprintf(f,
                "<title>mixed versions %s .. %s (%s), %" PRIu64 " switches, %" PRIu64
                " back to an older version</title></rect>\n",
                fmt_offset(an, v->mixed_start_us, s, sizeof s),
                fmt_offset(an, v->mixed_end_us, e, sizeof e),
                fmt_duration(v->mixed_end_us - v->mixed_start_us, d, sizeof d), v->switches,
                v->flip_flops);
    }
    return y + v->n * 10 + 4;
}

static void plot_area(FILE *f, int target, const char *kind, double y, double h)
{
    fprintf(f,
            "<rect class=\"plot-area\" data-target=\"%d\" data-kind=\"%s\" x=\"%.2f\" "
            "y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>\n",
            target, kind, X0, y, X1 - X0, h);
}

/* Requests per second stacked by outcome, one group per second that had
 * any: its counts in data attributes and in its title (the hover). */
static void slots(FILE *f, const struct analysis *an, const struct axis *a,
                  const struct an_target *t, double y, double h)
{
    uint64_t ymax = 1;
    for (uint32_t i = 0; i < t->series_len; i++) {
        uint64_t n = 0;
        for (int k = 0; k < AN_NCLASS; k++)
            n += t->series[i].n[k];
        if (n > ymax)
            ymax = n;
    }
    fprintf(f,
            "<text class=\"tick\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">%" PRIu64
            "</text><text class=\"tick\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">0</text>\n",
            X0 - 4, y + 9, ymax, X0 - 4, y + h);
    margin_name(f, y + h / 2, "requests/s");
    double scale = (h - 2) / (double)ymax;
    for (uint32_t i = 0; i < t->series_len; i++) {
        const struct an_second *s = &t->series[i];
        uint64_t n = 0;
        for (int k = 0; k < AN_NCLASS; k++)
            n += s->n[k];
        if (n == 0)
            continue;
        int64_t t_us = (t->series_start_s + (int64_t)i) * 1000000;
        double x = ax_x(a, t_us), w = ax_x(a, t_us + 1000000) - x;
        double bw = w > 3 ? w - 1 : w; /* a gap between wide bars */
        char r[FMT_BUF], off[FMT_BUF], p50[FMT_BUF], p99[FMT_BUF];
        fprintf(f, "<g class=\"slot\" data-i=\"%" PRIu32 "\" data-t=\"%s\"", i,
                rel(a, t_us, r, sizeof r));
        for (int k = 0; k < AN_NCLASS; k++)
            if (s->n[k])
                fprintf(f, " data-%s=\"%" PRIu32 "\"", class_names[k], s->n[k]);
        fprintf(f, "><title>%s:", fmt_offset(an, t_us, off, sizeof off));
        int sep = 0;
        for (int k = 0; k < AN_NCLASS; k++)
            if (s->n[k])
                fprintf(f, "%s %s %" PRIu32, sep++ ? "," : "", class_names[k], s->n[k]);
        if (s->p99_us)
            fprintf(f, "; p50 %s, p99 %s", fmt_duration(s->p50_us, p50, sizeof p50),
                    fmt_duration(s->p99_us, p99, sizeof p99));
        fprintf(f,
                "</title><rect class=\"hit\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                "height=\"%.2f\"/>",
                x, y, w, h);
        double yb = y + h;
        for (int k = 0; k < AN_NCLASS; k++) {
            if (s->n[k] == 0)
                continue;
            double hh = s->n[k] * scale;
            yb -= hh;
            fprintf(f, "<rect class=\"c%d\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>",
                    k, x, yb, bw, hh);
        }
        fputs("</g>\n", f);
    }
}

/* Latency on a log scale between powers of ten: a slow second and the
 * usual milliseconds both stay readable. */
struct logscale {
    double lo, hi; /* microseconds, powers of ten */
    double y, h;
};

static double ls_y(const struct logscale *s, int64_t us)
{
    double v = us < s->lo ? s->lo : (double)us;
    return s->y + s->h - (log10(v) - log10(s->lo)) / (log10(s->hi) - log10(s->lo)) * (s->h - 2);
}

/* One latency per second (p99 with p99 set, else p50) as a level over its
 * second: a path of its own, class p50 or p99. */
static void levels(FILE *f, const struct axis *a, const struct logscale *s,
                   const struct an_target *t, int p99)
{
    fprintf(f, "<path class=\"%s\" d=\"", p99 ? "p99" : "p50");
    for (uint32_t i = 0; i < t->series_len; i++) {
        uint32_t v = p99 ? t->series[i].p99_us : t->series[i].p50_us;
        if (v == 0)
            continue;
        int64_t t_us = (t->series_start_s + (int64_t)i) * 1000000;
        fprintf(f, "M%.2f %.2fH%.2f", ax_x(a, t_us), ls_y(s, v), ax_x(a, t_us + 1000000));
    }
    fputs("\"/>\n", f);
}

/* p50 and p99 of each second as levels over it; the whole run's p50 and
 * p99 as dashed lines across. */
static void latency(FILE *f, const struct axis *a, const struct an_target *t, double y, double h)
{
    int64_t max = t->lat.p99, min = t->lat.p50 > 0 ? t->lat.p50 : max;
    char d[FMT_BUF], d50[FMT_BUF];
    for (uint32_t i = 0; i < t->series_len; i++) {
        int64_t v = t->series[i].p99_us, v50 = t->series[i].p50_us;
        if (v > max)
            max = v;
        if (v50 > 0 && (min <= 0 || v50 < min))
            min = v50;
    }
    struct logscale s = {1, 10, y, h};
    if (min > 0) {
        s.lo = pow(10, floor(log10((double)min)));
        s.hi = pow(10, ceil(log10((double)max)));
    }
    if (s.hi < s.lo * 10)
        s.hi = s.lo * 10;
    /* a grid line every decade, a figure on at most three of them */
    int decades = (int)lround(log10(s.hi / s.lo)), every = (decades + 1) / 2;
    for (int k = 0; k <= decades; k++) {
        double v = s.lo * pow(10, k), yy = ls_y(&s, (int64_t)v);
        fprintf(f, "<line class=\"grid\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>", X0, yy,
                X1, yy);
        if (k % every == 0 || k == decades)
            fprintf(f, "<text class=\"tick\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">%s</text>",
                    X0 - 4, yy + 4, fmt_duration((int64_t)v, d, sizeof d));
        fputc('\n', f);
    }
    margin_name(f, y + 10, "p50, p99 per s");
    levels(f, a, &s, t, 0);
    levels(f, a, &s, t, 1);
    if (t->ok + t->failed == 0)
        return;
    double y50 = ls_y(&s, t->lat.p50), y99 = ls_y(&s, t->lat.p99);
    fprintf(f,
            "<line class=\"lat-p50\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"><title>p50 "
            "over the run %s</title></line>\n",
            X0, y50, X1, y50, fmt_duration(t->lat.p50, d, sizeof d));
    fprintf(f,
            "<line class=\"lat-p99\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"><title>p99 "
            "over the run %s</title></line>\n",
            X0, y99, X1, y99, fmt_duration(t->lat.p99, d, sizeof d));
    fprintf(f,
            "<text class=\"tick\" x=\"6\" y=\"%.2f\"><tspan class=\"lat-key99\">p99 %s</tspan>"
            "</text><text class=\"tick\" x=\"6\" y=\"%.2f\">p50 %s</text>\n",
            y + 24, fmt_duration(t->lat.p99, d, sizeof d), y + 36,
            fmt_duration(t->lat.p50, d50, sizeof d50));
}

static double target_block(FILE *f, const struct analysis *an, const struct axis *a, int i,
                           double y, int run)
{
    const struct an_target *t = &an->targets[i];
    char name[1024], buf[256], d[FMT_BUF];
    int n;
    fmt_target(an, t, name, sizeof name);
    fprintf(f, "<g class=\"target\" data-target=\"%d\" data-name=\"", i);
    html_text(f, t->name);
    fprintf(f, "\"><text class=\"heading\" x=\"6\" y=\"%.2f\">", y + 14);
    html_text(f, cut(name, 60, buf, sizeof buf, &n));
    fputs("<tspan class=\"sub\" font-weight=\"normal\">  ", f);
    html_text(f, cut(t->url, 60, buf, sizeof buf, &n));
    fprintf(f, "  %" PRIu64 " requests, %" PRIu64 " failed, downtime %s</tspan></text>\n",
            t->requests, t->failed, fmt_duration(t->windows.total_us, d, sizeof d));
    y += 22;
    if (t->versions.n)
        y = versions_lane(f, an, a, &t->versions, y);
    y = span_lane(f, an, a, &t->windows, SPAN_WINDOW, y, run);
    if (t->bursts.count)
        y = span_lane(f, an, a, &t->bursts, SPAN_BURST, y, run);
    if (t->blind.count)
        y = span_lane(f, an, a, &t->blind, SPAN_BLIND, y, run);
    double lat_y = y + CHART_H + 4;
    plot_area(f, i, "outcomes", y, CHART_H);
    plot_area(f, i, "latency", lat_y, LAT_H);
    slots(f, an, a, t, y, CHART_H);
    latency(f, a, t, lat_y, LAT_H);
    /* each window shaded over both charts: where users saw it, in the data */
    for (int j = 0; j < t->windows.nlisted; j++) {
        band(f, a, "window-shade", NULL, t->windows.listed[j].start_us, t->windows.listed[j].end_us,
             y, lat_y + LAT_H - y);
        fputs("</rect>\n", f);
    }
    fputs("</g>\n", f);
    return lat_y + LAT_H + 10;
}

/* The database lane: schema changes (labelled, in rows of their own),
 * unreachable windows, refused fresh connections and lock waits. */
struct db_layout {
    struct rows rows;
    struct label *schema;
};

static double db_block(FILE *f, const struct analysis *an, const struct axis *a,
                       const struct db_layout *dl, double y)
{
    const struct db_analysis *db = &an->db;
    char s[FMT_BUF], e[FMT_BUF], d[FMT_BUF], buf[512];
    fputs("<g class=\"database\">", f);
    fprintf(f, "<text class=\"heading\" x=\"6\" y=\"%.2f\">database</text>\n", y + 14);
    y += 20;
    double label_y = y;
    if (dl->rows.n)
        margin_name(f, y + ROW_H - 5, "schema");
    y += dl->rows.n * ROW_H;
    double lanes_y = y;
    struct {
        const char *name, *cls;
        int n;
        const struct db_window *w;
    } lanes[] = {{"unreachable", "db-down", db->nunreachable, db->unreachable},
                 {"conn. refused", "db-refused", db->nrefused, db->refused}};
    for (int l = 0; l < 2; l++) {
        if (l == 1 && lanes[l].n == 0)
            continue;
        fprintf(f, "<rect class=\"lane-bg\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%d\"/>\n",
                X0, y, X1 - X0, LANE_H);
        margin_name(f, y + LANE_H - 2, lanes[l].name);
        for (int i = 0; i < lanes[l].n; i++) {
            const struct db_window *w = &lanes[l].w[i];
            band(f, a, lanes[l].cls, NULL, w->start_us, w->end_us, y, LANE_H);
            fprintf(f, "<title>%s %s .. %s%s (%s), %" PRIu64 " failed probes</title></rect>\n",
                    lanes[l].name, fmt_offset(an, w->start_us, s, sizeof s),
                    fmt_offset(an, w->end_us, e, sizeof e), w->open ? " open" : "",
                    fmt_duration(w->end_us - w->start_us, d, sizeof d), w->probes);
        }
        y += LANE_H + 3;
    }
    if (db->nlocks) {
        fprintf(f, "<rect class=\"lane-bg\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%d\"/>\n",
                X0, y, X1 - X0, LANE_H);
        margin_name(f, y + LANE_H - 2, "lock waits");
        for (int i = 0; i < db->nlocks; i++) {
            const struct db_lock_wait *w = &db->locks[i];
            band(f, a, "db-lock", NULL, w->start_us, w->end_us, y, LANE_H);
            fprintf(f, "<title>lock wait %s .. %s%s (%s) on ",
                    fmt_offset(an, w->start_us, s, sizeof s),
                    fmt_offset(an, w->end_us, e, sizeof e), w->open ? " open" : "",
                    fmt_duration(w->end_us - w->start_us, d, sizeof d));
            html_text(f, w->relation ? w->relation : "-");
            fputs(" (", f);
            html_text(f, w->mode ? w->mode : "-");
            fprintf(f, "), peak %" PRId64 " waiting, longest wait %s</title></rect>\n",
                    w->peak_waiting, fmt_duration(w->longest_wait_us, d, sizeof d));
        }
        y += LANE_H + 3;
    }
    /* schema changes: a line through the lanes, its value in the rows above */
    for (int i = 0; i < db->nschema; i++) {
        const struct db_schema_change *c = &db->schema[i];
        const struct label *l = &dl->schema[i];
        double x = ax_x(a, c->t_us);
        fprintf(f, "<g class=\"schema\" data-t=\"%s\" data-text=\"", rel(a, c->t_us, s, sizeof s));
        html_text(f, c->value ? c->value : "(no row)");
        fprintf(f, "\"><title>schema %s: ", fmt_offset(an, c->t_us, s, sizeof s));
        html_text(f, c->value ? c->value : "(no row)");
        fprintf(f,
                "</title><line class=\"schema-line\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" "
                "y2=\"%.2f\"/>",
                x, l->row >= 0 ? label_y + l->row * ROW_H + 1 : lanes_y, x, y);
        if (l->row >= 0)
            label_draw(f, l, label_y + l->row * ROW_H);
        fputs("</g>\n", f);
    }
    (void)buf;
    fputs("</g>\n", f);
    return y + 6;
}

/* One event: its line from its label (or its lane) to the bottom, its label
 * when a row had room; its whole text in data-text and in its title. */
static void event_draw(FILE *f, const struct analysis *an, const struct axis *a, int i,
                       const struct label *l, double lane_y, double bottom)
{
    static const char *const kinds[] = {"mark", "cmd-start", "cmd-exit", "abort"};
    static const char *const cls[] = {"ev-mark", "ev-cmd", "ev-cmd", "ev-abort"};
    const struct an_event *e = &an->timeline[i];
    char r[FMT_BUF], off[FMT_BUF], text[512];
    double x = ax_x(a, e->t_us), top = l->row >= 0 ? lane_y + l->row * ROW_H + 1 : lane_y;
    fprintf(f, "<g class=\"mark %s\" data-kind=\"%s\" data-t=\"%s\" data-text=\"",
            is_platform(e) ? "ev-platform" : cls[e->kind], kinds[e->kind],
            rel(a, e->t_us, r, sizeof r));
    html_text(f, e->text);
    fprintf(f, "\"><title>%s ", fmt_offset(an, e->t_us, off, sizeof off));
    event_label(e, text, sizeof text);
    html_text(f, text);
    if (e->kind == AN_EV_CMD_START || e->kind == AN_EV_ABORT) {
        fputs(": ", f);
        html_text(f, e->text);
    }
    fprintf(f,
            "</title><line class=\"mark-line\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" "
            "y2=\"%.2f\"/></g>\n",
            x, top, x, bottom);
}

/* An event's label: drawn after every line, so that no line crosses it. */
static void event_label_draw(FILE *f, const struct analysis *an, int i, const struct label *l,
                             double lane_y)
{
    static const char *const cls[] = {"ev-mark", "ev-cmd", "ev-cmd", "ev-abort"};
    const struct an_event *e = &an->timeline[i];
    if (l->row < 0)
        return;
    fprintf(f, "<g class=\"mark-box %s\" data-i=\"%d\"><title>",
            is_platform(e) ? "ev-platform" : cls[e->kind], i);
    html_text(f, e->text);
    fputs("</title>", f);
    label_draw(f, l, lane_y + l->row * ROW_H);
    fputs("</g>\n", f);
}

static double lane_head(FILE *f, const char *name, const struct rows *r, double y, int hidden)
{
    char buf[64];
    if (r->n == 0)
        return y;
    if (hidden)
        snprintf(buf, sizeof buf, "%s (%d unlabelled)", name, hidden);
    else
        snprintf(buf, sizeof buf, "%s", name);
    margin_name(f, y + ROW_H - 5, buf);
    return y + r->n * ROW_H;
}

void html_svg_timeline(FILE *f, const struct analysis *an, int run)
{
    struct axis a = axis_of(an);
    struct rows steps = {0}, platform = {0};
    struct db_layout dl = {{0}, NULL};
    int nev = an->ntimeline, hidden_steps = 0, hidden_platform = 0;
    struct label *ev = calloc((size_t)(nev > 0 ? nev : 1), sizeof *ev);
    dl.schema = calloc((size_t)(an->db.nschema > 0 ? an->db.nschema : 1), sizeof *dl.schema);
    char *body = NULL;
    size_t body_len = 0;
    FILE *b = open_memstream(&body, &body_len);
    if (ev == NULL || dl.schema == NULL || b == NULL) {
        fputs("<p class=\"error\">out of memory: the timeline is not drawn</p>\n", f);
        goto out;
    }
    /* first where every label goes: the lanes' heights follow from it */
    for (int i = 0; i < nev; i++) {
        char text[512];
        const struct an_event *e = &an->timeline[i];
        event_label(e, text, sizeof text);
        label_place(is_platform(e) ? &platform : &steps, &ev[i], ax_x(&a, e->t_us), text);
        if (ev[i].row < 0)
            (*(is_platform(e) ? &hidden_platform : &hidden_steps))++;
    }
    for (int i = 0; i < an->db.nschema; i++) {
        char text[512];
        snprintf(text, sizeof text, "schema %s",
                 an->db.schema[i].value ? an->db.schema[i].value : "(no row)");
        label_place(&dl.rows, &dl.schema[i], ax_x(&a, an->db.schema[i].t_us), text);
    }

    double y = AXIS_H + 4;
    double steps_y = y;
    y = lane_head(b, "marks", &steps, y, hidden_steps);
    double platform_y = y;
    y = lane_head(b, "cluster events", &platform, y, hidden_platform);
    double plots_top = y + 4;
    y += 6;
    for (int i = 0; i < an->ntargets; i++)
        y = target_block(b, an, &a, i, y, run);
    if (an->db.present)
        y = db_block(b, an, &a, &dl, y);
    double bottom = y;
    for (int i = 0; i < nev; i++)
        event_draw(b, an, &a, i, &ev[i], is_platform(&an->timeline[i]) ? platform_y : steps_y,
                   bottom);
    for (int i = 0; i < nev; i++)
        event_label_draw(b, an, i, &ev[i], is_platform(&an->timeline[i]) ? platform_y : steps_y);
    axis_draw(b, &a, bottom + 13, -1, -1);
    if (fclose(b) != 0) {
        b = NULL;
        fputs("<p class=\"error\">out of memory: the timeline is not drawn</p>\n", f);
        goto out;
    }
    b = NULL;

    char t0[FMT_BUF], t1[FMT_BUF], origin[FMT_BUF];
    int height = (int)(bottom + AXIS_H + 4);
    fprintf(f,
            "<svg class=\"timeline\" id=\"timeline-%d\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\" data-origin=\"%s\" data-t0=\"%s\" "
            "data-t1=\"%s\" data-x0=\"%.2f\" data-x1=\"%.2f\">\n",
            run, SVG_W, height, SVG_W, height, fmt_unix(a.origin_us, origin, sizeof origin),
            rel(&a, a.t0_us, t0, sizeof t0), rel(&a, a.t1_us, t1, sizeof t1), X0, X1);
    fprintf(f,
            "<defs><pattern id=\"hb%d\" patternUnits=\"userSpaceOnUse\" width=\"5\" "
            "height=\"5\"><rect width=\"5\" height=\"5\" fill=\"#ddd\"/><path d=\"M0 5L5 0\" "
            "stroke=\"#4d4d4d\" stroke-width=\"1.2\"/></pattern></defs>\n",
            run);
    axis_draw(f, &a, 13, plots_top, bottom);
    fwrite(body, 1, body_len, f);
    fputs("</svg>\n", f);
out:
    if (b)
        fclose(b);
    free(body);
    free(ev);
    free(dl.schema);
}

void html_svg_legend(FILE *f, const struct analysis *an)
{
    static const char *const names[AN_NCLASS] = {"ok",
                                                 "other HTTP status",
                                                 "connect",
                                                 "timeout",
                                                 "reset",
                                                 "other error",
                                                 "skipped (not sent)",
                                                 "late (not observed on time)"};
    fputs("<ul class=\"legend\">", f);
    for (int k = 0; k < AN_NCLASS; k++)
        fprintf(f,
                "<li><svg width=\"12\" height=\"12\"><rect class=\"c%d\" width=\"12\" "
                "height=\"12\"/></svg> %s</li>",
                k, names[k]);
    fputs("<li><svg width=\"12\" height=\"12\"><rect class=\"window\" width=\"12\" "
          "height=\"12\"/></svg> downtime window</li>"
          "<li><svg width=\"12\" height=\"12\"><rect class=\"burst\" width=\"12\" "
          "height=\"12\"/></svg> error burst</li>"
          "<li><svg width=\"12\" height=\"12\"><rect width=\"12\" height=\"12\" fill=\"#ddd\" "
          "stroke=\"#4d4d4d\"/><path d=\"M0 12L12 0M0 6L6 0M6 12L12 6\" stroke=\"#4d4d4d\"/>"
          "</svg> blind (not observed on time)</li>"
          "<li><svg width=\"16\" height=\"12\"><line class=\"mark-line\" x1=\"8\" y1=\"0\" "
          "x2=\"8\" y2=\"12\"/></svg> mark</li>"
          "<li><svg width=\"16\" height=\"12\"><line class=\"p99\" x1=\"0\" y1=\"6\" x2=\"16\" "
          "y2=\"6\"/></svg> p99 per second</li>"
          "<li><svg width=\"16\" height=\"12\"><line class=\"p50\" x1=\"0\" y1=\"6\" x2=\"16\" "
          "y2=\"6\"/></svg> p50 per second</li>",
          f);
    if (an->db.present)
        fputs("<li><svg width=\"12\" height=\"12\"><rect class=\"db-down\" width=\"12\" "
              "height=\"12\"/></svg> database unreachable</li>"
              "<li><svg width=\"12\" height=\"12\"><rect class=\"db-lock\" width=\"12\" "
              "height=\"12\"/></svg> lock wait</li>",
              f);
    fputs("</ul>\n", f);
}
