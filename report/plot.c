/* The plot (--plot FILE.png|FILE.svg): a verdict banner; a lane of labels
 * for the marks, the command and schema changes; per target, requests per
 * second stacked by outcome, a lane of its downtime windows, error bursts
 * and blind intervals at their exact times, and p99 latency per second; with
 * --db logs, a database panel; all on one time axis that counts from the
 * first request, as the text report's offsets do. gnuplot is run as a
 * program (fork/exec, never a shell) on data files and a script written to a
 * temporary directory.
 *
 * Nothing read from a log reaches gnuplot as code: names, URLs and gate
 * reasons enter the script only through gp_quote() (a single-quoted gnuplot
 * string, in which only '' is special), and labels (marks, schema values,
 * lock relations) are read as data by "with labels" from files whose quoting
 * characters are neutralised by gp_label(). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "output.h"

#define PLOT_TARGETS_MAX 20   /* more panels than this are unreadable anyway */
#define GNUPLOT_TIMEOUT_S 120 /* a wedged gnuplot must not hang a CI job */

/* The page, in pixels. The axes of every panel share one left and one right
 * edge, so that a time is at the same x everywhere; the legends live in the
 * column right of the axes, where no label is ever placed. */
#define PAGE_W 1200
#define AXIS_L 84
#define AXIS_R 1008
#define AXIS_W (AXIS_R - AXIS_L)
#define BANNER_H 50
#define TITLE_H 30 /* a panel's title above it */
#define RATE_H 196 /* the legend at most: 8 classes, 3 spans, 4 peers, 13 px each */
#define SPANS_H 30
#define LATENCY_H 124
#define TICS_H 22 /* the x tic labels under a panel */
#define DB_H 104
#define XLABEL_H 24
#define KEY_LINE_H 15
#define KEY_MAX 40 /* lines of the key, then a count */

/* Labels are set in a monospaced font so that their width is known here, not
 * guessed: 7 px a character at 9 pt in pngcairo (measured; the SVG terminal
 * draws it narrower, never wider). The box of "boxed" with margins 1,1 starts
 * 4 px left of the text and ends 3 px right of it. */
#define LABEL_FONT "DejaVu Sans Mono,9"
#define CHAR_PX 7
#define BOX_PAD_PX 8  /* the box's margins, both sides */
#define LINE_GAP_PX 4 /* from a label's line to its text */
#define LABEL_GAP_PX 4
#define ROW_H 17 /* a boxed label is 15 px high */
/* Rows of the top lane: eight marks within a label's width (a rollout's
 * steps within two seconds) each get a row of their own before any label is
 * cut short. */
#define LANE_ROWS_MAX 8
#define LOCK_ROWS_MAX 3     /* the database panel's bottom rows */
#define LABEL_CHARS_MAX 120 /* a longer text is cut here: the axis is 135 wide */
#define SPAN_MIN_PX 3       /* a 50 ms window in an hour's axis is still seen */

/* s as a gnuplot single-quoted string: '' for ', control characters as '?'
 * and invalid UTF-8 (a newline would end the command). Backslashes, quotes, backquotes and @
 * are inert inside single quotes: checked by t/t4300. */
static void gp_quote(FILE *f, const char *s)
{
    char buf[2048];
    fputc('\'', f);
    for (s = fmt_sane(s, buf, sizeof buf); *s; s++) {
        if (*s == '\'')
            fputs("''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

/* A label field of the TAB-separated data file, s already through
 * fmt_sane(): gnuplot reads "..." in data as a quoted string and turns \n
 * into a line break in labels, so double quotes become single ones and
 * backslashes are doubled (fmt_sane left no TAB or newline to split a field
 * or a record). */
static void gp_label(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '"')
            fputc('\'', f);
        else if (*s == '\\')
            fputs("\\\\", f);
        else
            fputc(*s, f);
    }
}

/* Characters (code points) of a fmt_sane() string: what a label's width is. */
static int text_chars(const char *s)
{
    int n = 0;
    while (*s) {
        int len = fmt_utf8_len(s);
        s += len > 0 ? len : 1;
        n++;
    }
    return n;
}

/* The first chars characters of s, whole UTF-8 sequences, into buf. */
static void text_cut(const char *s, int chars, char *buf, size_t len)
{
    const char *p = s;
    for (int n = 0; *p && n < chars; n++) {
        int l = fmt_utf8_len(p);
        p += l > 0 ? l : 1;
    }
    size_t keep = (size_t)(p - s) < len ? (size_t)(p - s) : len - 1;
    memcpy(buf, s, keep);
    buf[keep] = '\0';
}

/* A label on a line: a mark, the command's start or exit, a schema change,
 * a lock wait. */
struct label {
    int64_t t_us;
    char text[LABEL_CHARS_MAX * 2 * 4 + 1]; /* through fmt_sane; the key shows it whole */
    int chars;
    unsigned color; /* 0xRRGGBB */
    /* where labels_place() put it */
    int row;       /* -1: no room on any row: in the key alone */
    int keyed;     /* cut short, or not drawn: its whole text is in the key */
    int shown;     /* characters of text drawn after "[k] "; 0: "[k]" alone */
    int right;     /* drawn left of its line: it would run past the axis' end */
    int key;       /* its number in the key, when keyed */
    double x;      /* its line, px from the axis' left edge */
    double b0, b1; /* its box, likewise */
};

struct labels {
    int n, cap;
    struct label *v;
    int rows;   /* used by labels_place() */
    int digits; /* of the largest key number it may give */
};

static int labels_add(struct labels *ls, int64_t t_us, const char *text, unsigned color)
{
    if (ls->n == ls->cap) {
        int cap = ls->cap ? ls->cap * 2 : 16;
        struct label *v = realloc(ls->v, (size_t)cap * sizeof *v);
        if (v == NULL)
            return -1;
        ls->v = v;
        ls->cap = cap;
    }
    struct label *l = &ls->v[ls->n++];
    memset(l, 0, sizeof *l);
    l->t_us = t_us;
    l->color = color;
    char buf[sizeof l->text];
    text_cut(fmt_sane(text, buf, sizeof buf), 2 * LABEL_CHARS_MAX, l->text, sizeof l->text);
    l->chars = text_chars(l->text);
    return 0;
}

static int by_label_time(const void *a, const void *b)
{
    const struct label *x = a, *y = b;
    return (x->t_us > y->t_us) - (x->t_us < y->t_us);
}

/* The characters a label draws: its text, "[k] text…" cut short, or "[k]". */
static int drawn_chars(const struct label *l, int digits)
{
    if (!l->keyed)
        return l->chars;
    return l->shown > 0 ? digits + 3 + l->shown + 1 : digits + 2;
}

static double box_width(int chars)
{
    return (double)chars * CHAR_PX + BOX_PAD_PX;
}

/* The box of l drawn with chars characters: right of its line, or left of
 * it where it would run past the axis' end (into the legends). */
static void label_box(struct label *l, int chars)
{
    double w = box_width(chars);
    l->right = l->x + w > AXIS_W && l->x - w >= 0;
    l->b0 = l->right ? l->x - w : l->x;
    l->b1 = l->b0 + w;
}

/* Places labels in rows, left to right (greedy, in time order): each on the
 * lowest row where it does not touch the previous label; else on a new row,
 * up to rows_max; else the previous label of some row is cut short, with an
 * ellipsis and a number, to make room; else the label is drawn as its
 * number alone, or, with no room even for that, left to the key. A cut or
 * undrawn label's whole text is in a numbered key under the plot. No two
 * boxes overlap, and none runs past either end of the axis. */
static void labels_place(struct labels *ls, int64_t origin_us, double x0_s, double px_per_s,
                         int rows_max)
{
    int last[LANE_ROWS_MAX];
    ls->rows = 0;
    ls->digits = ls->n >= 100 ? 3 : ls->n >= 10 ? 2 : 1;
    if (ls->n > 1)
        qsort(ls->v, (size_t)ls->n, sizeof *ls->v, by_label_time);
    for (int i = 0; i < ls->n; i++) {
        struct label *l = &ls->v[i];
        l->x = ((double)(l->t_us - origin_us) / 1e6 - x0_s) * px_per_s;
        l->keyed = l->chars > LABEL_CHARS_MAX;
        l->shown = l->keyed ? LABEL_CHARS_MAX - ls->digits - 4 : l->chars;
        label_box(l, drawn_chars(l, ls->digits));
        if (l->b1 > AXIS_W) { /* longer than the axis is wide from here: cut */
            l->keyed = 1;
            l->shown = (int)((AXIS_W - l->x - BOX_PAD_PX) / CHAR_PX) - ls->digits - 4;
            if (l->shown < 1)
                l->shown = 0;
            label_box(l, drawn_chars(l, ls->digits));
        }
        l->row = -1;
        for (int r = 0; r < ls->rows && l->row < 0; r++)
            if (ls->v[last[r]].b1 + LABEL_GAP_PX <= l->b0)
                l->row = r;
        if (l->row < 0 && ls->rows < rows_max)
            l->row = ls->rows++;
        if (l->row < 0) {
            /* cut short: the previous label of the row where that leaves
             * the most room, or, drawn left of its line, this one */
            double best = box_width(ls->digits + 4) - 1;
            int cut_prev = 0;
            for (int r = 0; r < ls->rows; r++) {
                const struct label *q = &ls->v[last[r]];
                double room_prev = q->right ? 0 : l->b0 - LABEL_GAP_PX - q->b0;
                double room_self = l->right ? l->x - q->b1 - LABEL_GAP_PX : 0;
                if (room_prev > best || room_self > best) {
                    cut_prev = room_prev >= room_self;
                    best = cut_prev ? room_prev : room_self;
                    l->row = r;
                }
            }
            if (l->row >= 0) {
                struct label *q = cut_prev ? &ls->v[last[l->row]] : l;
                int fit = (int)((best - BOX_PAD_PX) / CHAR_PX);
                q->keyed = 1;
                q->shown = fit - ls->digits - 4 >= 1 ? fit - ls->digits - 4 : 0;
                if (q->shown > q->chars)
                    q->shown = q->chars;
                if (q == l) { /* still left of its line, ending there */
                    l->b0 = l->x - box_width(drawn_chars(l, ls->digits));
                    l->b1 = l->x;
                } else {
                    label_box(q, drawn_chars(q, ls->digits));
                }
            }
        }
        if (l->row < 0) { /* its number alone, where there is room for it */
            l->keyed = 1;
            l->shown = 0;
            label_box(l, drawn_chars(l, ls->digits));
            for (int r = 0; r < ls->rows && l->row < 0; r++)
                if (ls->v[last[r]].b1 + LABEL_GAP_PX <= l->b0)
                    l->row = r;
        }
        if (l->row >= 0)
            last[l->row] = i;
    }
}

/* Placed labels drawn right (1) or left (0) of their lines: gnuplot 5.4
 * crashes on a "with labels" plot of no valid point. */
static int labels_aligned(const struct labels *ls, int right)
{
    for (int i = 0; i < ls->n; i++)
        if (ls->v[i].row >= 0 && ls->v[i].right == right)
            return 1;
    return 0;
}

/* Numbers the keyed labels in time order from *next. */
static void labels_number(struct labels *ls, int *next)
{
    for (int i = 0; i < ls->n; i++)
        if (ls->v[i].keyed)
            ls->v[i].key = (*next)++;
}

/* What a placed label draws. */
static const char *label_drawn(const struct label *l, char *buf, size_t len)
{
    char cut[sizeof l->text];
    if (!l->keyed)
        snprintf(buf, len, "%s", l->text);
    else if (l->shown == 0)
        snprintf(buf, len, "[%d]", l->key);
    else {
        text_cut(l->text, l->shown, cut, sizeof cut);
        snprintf(buf, len, "[%d] %s\xe2\x80\xa6", l->key, cut); /* an ellipsis */
    }
    return buf;
}

/* The data file of placed labels: the text's anchor in seconds, the row's
 * height (y in rows of the panel), the text, 1 when right-aligned, the
 * colour. The anchor sits LINE_GAP_PX off the line so that the box, which
 * reaches 4 px beyond the text, ends at the line. */
static int labels_write(const struct labels *ls, int64_t origin_us, double px_per_s,
                        const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    for (int i = 0; i < ls->n; i++) {
        const struct label *l = &ls->v[i];
        char buf[sizeof l->text + 16];
        if (l->row < 0)
            continue;
        double anchor_px = l->right ? l->x - LINE_GAP_PX : l->x + LINE_GAP_PX + 1;
        fprintf(f, "%.6f\t%.2f\t",
                (double)(l->t_us - origin_us) / 1e6 + (anchor_px - l->x) / px_per_s, l->row + 0.5);
        gp_label(f, label_drawn(l, buf, sizeof buf));
        fprintf(f, "\t%d\t%u\n", l->right, l->color);
    }
    int rc = ferror(f) ? -1 : 0;
    return fclose(f) < 0 ? -1 : rc;
}

/* The program's path from $PATH, or NULL. */
static char *find_program(const char *name)
{
    const char *path = getenv("PATH");
    if (path == NULL || *path == '\0')
        path = "/usr/bin:/bin";
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        char *full = malloc(len + strlen(name) + 2);
        if (full == NULL)
            return NULL;
        snprintf(full, len + strlen(name) + 2, "%.*s/%s", (int)len, len ? path : ".", name);
        if (access(full, X_OK) == 0)
            return full;
        free(full);
        path += len + (colon != NULL);
    }
    return NULL;
}

char *plot_gnuplot_path(void)
{
    return find_program("gnuplot");
}

struct tmpdir {
    char dir[4096];
    char series[PLOT_TARGETS_MAX][4200];
    char marks[4200], locks[4200], key[4200], script[4200], errors[4200];
};

/* The layout, decided before the script is written. */
struct plot {
    const struct analysis *an;
    int ntargets;
    int64_t origin_us;   /* x = 0: what the text report's offsets (+1.06s) count from */
    double x0_s, x1_s;   /* the x range, seconds from origin */
    double px_per_s;     /* of the axis */
    struct labels lane;  /* the marks, the command, schema changes: the lane on top */
    struct labels locks; /* lock waits: the database panel's bottom rows */
    int nkey;            /* labels cut short or not drawn: the key's lines */
    int nkey_more;       /* beyond KEY_MAX: counted on the key's last line */
};

/* Seconds from the origin, exact, for the script: "12.345678". */
static const char *xs(const struct plot *p, int64_t t_us, char *buf, size_t len)
{
    return fmt_seconds(t_us - p->origin_us, buf, len);
}

/* The x range: every request (to the end of its tick), database probe and
 * event. */
static void plot_range(struct plot *p)
{
    const struct analysis *an = p->an;
    int64_t from = an->first_us, to = an->last_us;
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        int64_t tick_us = t->rate > 0 ? (int64_t)(1e6 / t->rate) : 0;
        if (t->last_us >= 0 && t->last_us + tick_us > to)
            to = t->last_us + tick_us;
    }
    if (an->db.present && an->db.first_us >= 0) {
        if (from < 0 || an->db.first_us < from)
            from = an->db.first_us;
        if (an->db.last_us > to)
            to = an->db.last_us;
    }
    for (int i = 0; i < an->ntimeline; i++) {
        if (an->timeline[i].t_us < from)
            from = an->timeline[i].t_us;
        if (an->timeline[i].t_us > to)
            to = an->timeline[i].t_us;
    }
    if (to <= from)
        to = from + 1000000;
    p->x0_s = (double)(from - p->origin_us) / 1e6;
    p->x1_s = (double)(to - p->origin_us) / 1e6;
    p->px_per_s = AXIS_W / (p->x1_s - p->x0_s);
}

/* Each second of the series is drawn over the part of it in which the target
 * was probed: the first and last seconds of a run are partly outside it, and
 * a count over part of a second is not a rate per second. A run that starts
 * at .87 s has 13 requests in its first second at 100/s; drawn over the whole
 * second, that bar would read "13 requests/s". */
static int write_series(const struct plot *p, const struct an_target *t, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    double tick_s = t->rate > 0 ? 1.0 / t->rate : 0;
    double run_from = (double)(t->first_us - p->origin_us) / 1e6;
    double run_to = (double)(t->last_us - p->origin_us) / 1e6 + tick_s;
    /* from and to, in seconds since the origin, then the rate of each class
     * of enum an_class over that span, then p99 in ms, then the failure rate
     * of each peer of t->peer_series */
    if (t->series_len == 0)
        fprintf(f, "0\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\n");
    for (uint32_t i = 0; i < t->series_len; i++) {
        const struct an_second *s = &t->series[i];
        double from = (double)((t->series_start_s + (int64_t)i) * 1000000 - p->origin_us) / 1e6;
        double to = from + 1;
        if (from < run_from)
            from = run_from;
        if (to > run_to)
            to = run_to;
        if (to - from < tick_s) /* a lone tick: one tick's worth of time */
            to = from + tick_s;
        if (to <= from)
            to = from + 1;
        fprintf(f, "%.6f\t%.6f", from, to);
        for (int k = 0; k < AN_NCLASS; k++)
            fprintf(f, "\t%.3f", s->n[k] / (to - from));
        fprintf(f, "\t%" PRIu32 ".%03" PRIu32, s->p99_us / 1000, s->p99_us % 1000);
        /* the failures of the peers that failed most */
        for (int j = 0; j < t->peer_series.n; j++)
            fprintf(f, "\t%.3f", t->peer_series.failed[j][i] / (to - from));
        fputc('\n', f);
    }
    int rc = ferror(f) ? -1 : 0;
    return fclose(f) < 0 ? -1 : rc;
}

#define MARK_COLOR 0x303030
#define ABORT_COLOR 0xc62828
#define DB_DOWN_COLOR "#7e57c2"    /* unreachable: purple, not HTTP's red */
#define DB_REFUSED_COLOR "#d1c4e9" /* a fresh connection refused: pale purple */
#define DB_LOCK_COLOR "#26a69a"    /* sessions waiting on a lock: teal */
#define DB_SCHEMA_COLOR "#2e7d32"
#define DB_SCHEMA_RGB 0x2e7d32
#define DB_LOCK_RGB 0x00796b

/* The labels of the lane on top and of the database panel, placed. */
static int plot_labels(struct plot *p)
{
    const struct analysis *an = p->an;
    for (int i = 0; i < an->ntimeline; i++) {
        const struct an_event *e = &an->timeline[i];
        char text[1100];
        int rc;
        /* a platform's events are many: the steps' marks alone are labelled */
        if (e->kind == AN_EV_MARK && e->source_len > 0)
            continue;
        if (e->kind == AN_EV_MARK)
            rc = labels_add(&p->lane, e->t_us, e->text, MARK_COLOR);
        else if (e->kind == AN_EV_CMD_START)
            rc = labels_add(&p->lane, e->t_us, "command started", MARK_COLOR);
        else if (e->kind == AN_EV_ABORT) {
            snprintf(text, sizeof text, "aborted: %s", e->text);
            rc = labels_add(&p->lane, e->t_us, text, ABORT_COLOR);
        } else {
            snprintf(text, sizeof text, "command exited %ld", e->number);
            rc = labels_add(&p->lane, e->t_us, text, MARK_COLOR);
        }
        if (rc < 0)
            return -1;
    }
    const struct db_analysis *db = &an->db;
    for (int i = 0; an->db.present && i < db->nschema; i++) {
        char text[1100];
        snprintf(text, sizeof text, "schema %s",
                 db->schema[i].value ? db->schema[i].value : "(no row)");
        if (labels_add(&p->lane, db->schema[i].t_us, text, DB_SCHEMA_RGB) < 0)
            return -1;
    }
    for (int i = 0; an->db.present && i < db->nlocks; i++) {
        const struct db_lock_wait *l = &db->locks[i];
        char text[1100];
        if (l->relation && l->mode)
            snprintf(text, sizeof text, "lock: %s (%s)", l->relation, l->mode);
        else
            snprintf(text, sizeof text, "lock: %s", l->relation ? l->relation : "?");
        if (labels_add(&p->locks, l->start_us, text, DB_LOCK_RGB) < 0)
            return -1;
    }
    labels_place(&p->lane, p->origin_us, p->x0_s, p->px_per_s, LANE_ROWS_MAX);
    labels_place(&p->locks, p->origin_us, p->x0_s, p->px_per_s, LOCK_ROWS_MAX);
    p->nkey = 1;
    labels_number(&p->lane, &p->nkey);
    labels_number(&p->locks, &p->nkey);
    p->nkey--;
    /* the key lists the first ones; a page of thousands of lines is more
     * than cairo draws, and than anyone reads: the text report has them all */
    p->nkey_more = p->nkey > KEY_MAX ? p->nkey - KEY_MAX : 0;
    if (p->nkey > KEY_MAX)
        p->nkey = KEY_MAX + 1;
    return 0;
}

/* The key: the whole text of each label cut short or not drawn, by number,
 * with its time as the text report writes it. */
static int write_key(const struct plot *p, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    const struct labels *sets[] = {&p->lane, &p->locks};
    for (int s = 0; s < 2; s++) {
        for (int i = 0; i < sets[s]->n; i++) {
            const struct label *l = &sets[s]->v[i];
            char off[FMT_BUF];
            if (!l->keyed || l->key > KEY_MAX)
                continue;
            fprintf(f, "%d\t[%d] %s  ", l->key, l->key,
                    fmt_offset(p->an, l->t_us, off, sizeof off));
            gp_label(f, l->text);
            fputc('\n', f);
        }
    }
    if (p->nkey_more)
        fprintf(f, "%d\tand %d more, in the text report\n", KEY_MAX + 1, p->nkey_more);
    int rc = ferror(f) ? -1 : 0;
    return fclose(f) < 0 ? -1 : rc;
}

/* The vertical extent of the next panel, pixels from the page's top. */
static void panel_at(FILE *f, int top_px, int bottom_px, int height)
{
    fprintf(f, "set tmargin at screen %.5f\nset bmargin at screen %.5f\n",
            1 - (double)top_px / height, 1 - (double)bottom_px / height);
}

/* Windows, bursts and blind intervals in a panel of data: a fill behind the
 * data, which never tints a bar (green stays green); their exact starts and
 * ends are drawn solid in the lane under the rates. */
struct span_style {
    const char *fill, *line, *title;
    const char *fill_style; /* gnuplot's fs */
};
static const struct span_style window_style = {"#ffcdd2", "#c62828", "downtime window",
                                               "solid 1.0"};
static const struct span_style burst_style = {"#ffe0b2", "#ef6c00", "error burst", "solid 1.0"};
/* grey and hatched: the prober did not see this time; never a colour of the data */
static const struct span_style blind_style = {"#9e9e9e", "#616161", "blind (not observed)",
                                              "pattern 4"};

static void span_end(const struct plot *p, const struct an_span *sp, int64_t *end_us)
{
    int64_t min_us = (int64_t)(SPAN_MIN_PX / p->px_per_s * 1e6);
    *end_us = sp->end_us;
    if (*end_us < sp->start_us + min_us)
        *end_us = sp->start_us + min_us;
}

static void spans_over(FILE *f, const struct plot *p, const struct an_spans *s,
                       const struct span_style *st, int *obj)
{
    char a[FMT_BUF], b[FMT_BUF];
    for (int i = 0; i < s->nlisted; i++) {
        int64_t end_us;
        span_end(p, &s->listed[i], &end_us);
        xs(p, s->listed[i].start_us, a, sizeof a);
        xs(p, end_us, b, sizeof b);
        fprintf(f,
                "set object %d rect from %s, graph 0 to %s, graph 1 back fc rgb '%s' "
                "fs %s noborder\n",
                ++*obj, a, b, st->fill, st->fill_style);
    }
}

/* The same spans in the lane under the rates: solid, at their exact times,
 * from y0 to y1 of the lane. */
static void spans_lane(FILE *f, const struct plot *p, const struct an_spans *s,
                       const struct span_style *st, double y0, double y1, int *obj)
{
    char a[FMT_BUF], b[FMT_BUF];
    for (int i = 0; i < s->nlisted; i++) {
        int64_t end_us;
        span_end(p, &s->listed[i], &end_us);
        fprintf(f,
                "set object %d rect from %s, graph %.2f to %s, graph %.2f back fc rgb '%s' "
                "fs %s border lc rgb '%s'\n",
                ++*obj, xs(p, s->listed[i].start_us, a, sizeof a), y0, xs(p, end_us, b, sizeof b),
                y1, st->line, st == &blind_style ? "pattern 4" : "solid 1.0", st->line);
    }
}

/* The timeline's events as dashed lines across a data panel. */
static void mark_lines(FILE *f, const struct plot *p)
{
    for (int e = 0; e < p->an->ntimeline; e++) {
        char x[FMT_BUF];
        if (p->an->timeline[e].source_len > 0)
            continue; /* a platform's event: many, and unlabelled */
        xs(p, p->an->timeline[e].t_us, x, sizeof x);
        fprintf(f, "set arrow from %s, graph 0 to %s, graph 1 nohead front dt 2 lc rgb '#505050'\n",
                x, x);
    }
}

/* The verdict as a banner across the top: its colour, the first reason (or
 * what passed), how many more, and the run's time. */
static void banner(FILE *f, const struct plot *p, int height)
{
    const struct analysis *an = p->an;
    const struct an_gate *g = &an->gate;
    static const char *const fill[] = {"#2e7d32", "#c62828", "#ffb300"};
    static const char *const ink[] = {"white", "white", "black"};
    char line[2048], cut[2048], date[FMT_BUF], dur[FMT_BUF], buf[2048];
    double y0 = 1 - (double)BANNER_H / height;
    fprintf(f,
            "set object 1 rect from screen 0, screen %.5f to screen 1, screen 1 behind "
            "fc rgb '%s' fs solid 1.0 noborder\n",
            y0, fill[g->verdict]);
    fprintf(f,
            "set label 1 '%s' at screen %.5f, screen %.5f left font 'Sans:Bold,20' tc rgb '%s'\n",
            fmt_verdict(g->verdict), 12.0 / PAGE_W, 1 - 25.0 / height, ink[g->verdict]);
    if (g->nreasons > 0)
        snprintf(line, sizeof line, "%s", g->reasons[0]);
    else
        snprintf(line, sizeof line, "%d target%s, %" PRIu64 " requests sent, %" PRIu64 " failed",
                 an->ntargets, an->ntargets == 1 ? "" : "s", an->total.ok + an->total.failed,
                 an->total.failed);
    /* what fits right of the verdict: about 7 px a character of Sans 10 */
    text_cut(fmt_sane(line, buf, sizeof buf), 140, cut, sizeof cut);
    if (strlen(cut) < strlen(buf))
        strncat(cut, "\xe2\x80\xa6", sizeof cut - strlen(cut) - 1);
    fprintf(f, "set label 2 ");
    gp_quote(f, cut);
    fprintf(f, " at screen %.5f, screen %.5f left font 'Sans,11' tc rgb '%s'\n", 190.0 / PAGE_W,
            1 - 17.0 / height, ink[g->verdict]);
    if (g->nreasons > 1)
        snprintf(line, sizeof line, "and %d more reason%s in the report; from %s for %s",
                 g->nreasons - 1, g->nreasons > 2 ? "s" : "",
                 fmt_date(p->origin_us, date, sizeof date),
                 fmt_duration(an->last_us - an->first_us, dur, sizeof dur));
    else
        snprintf(line, sizeof line, "from %s for %s", fmt_date(p->origin_us, date, sizeof date),
                 fmt_duration(an->last_us - an->first_us, dur, sizeof dur));
    fprintf(f, "set label 3 ");
    gp_quote(f, line);
    fprintf(f, " at screen %.5f, screen %.5f left font 'Sans,10' tc rgb '%s'\n", 190.0 / PAGE_W,
            1 - 36.0 / height, ink[g->verdict]);
    /* objects and labels are drawn by the next plot: an empty one of their
     * own, so that the panels after it may unset theirs */
    fputs("set border 0\nunset xtics\nunset ytics\nunset grid\nset yrange [0:1]\n"
          "plot 1/0 notitle\nunset object\nunset label\nset border 31\n"
          "set xtics format '' scale 0.5\nset ytics\nset grid ytics lc rgb '#e0e0e0'\n"
          "set autoscale y\n",
          f);
}

/* A database window or wait, behind the panel's labels: at least
 * SPAN_MIN_PX wide, or a short one would not show. */
static void shade_db(FILE *f, const struct plot *p, int64_t start_us, int64_t end_us,
                     const char *color, int *obj)
{
    char a[FMT_BUF], b[FMT_BUF];
    int64_t min_us = (int64_t)(SPAN_MIN_PX / p->px_per_s * 1e6);
    if (end_us < start_us + min_us)
        end_us = start_us + min_us;
    fprintf(f,
            "set object %d rect from %s, graph 0 to %s, graph 1 back fc rgb '%s' "
            "fs transparent solid 0.45 noborder\n",
            ++*obj, xs(p, start_us, a, sizeof a), xs(p, end_us, b, sizeof b), color);
}

static void db_panel(FILE *f, const struct plot *p, const struct tmpdir *td, const char *xlabel)
{
    const struct db_analysis *db = &p->an->db;
    char d[FMT_BUF], sum[512];
    int obj = 10;
    fputs("unset object\nunset arrow\nunset label\n", f);
    for (int i = 0; i < db->nrefused; i++)
        shade_db(f, p, db->refused[i].start_us, db->refused[i].end_us, DB_REFUSED_COLOR, &obj);
    for (int i = 0; i < db->nunreachable; i++)
        shade_db(f, p, db->unreachable[i].start_us, db->unreachable[i].end_us, DB_DOWN_COLOR, &obj);
    for (int i = 0; i < db->nlocks; i++)
        shade_db(f, p, db->locks[i].start_us, db->locks[i].end_us, DB_LOCK_COLOR, &obj);
    mark_lines(f, p);
    for (int i = 0; i < db->nschema; i++) {
        char x[FMT_BUF];
        xs(p, db->schema[i].t_us, x, sizeof x);
        fprintf(f, "set arrow from %s, graph 0 to %s, graph 1 nohead front lw 2 lc rgb '%s'\n", x,
                x, DB_SCHEMA_COLOR);
    }
    snprintf(sum, sizeof sum,
             "database  (unreachable windows: %d, %s in all; lock waits: %d; schema changes: %d)",
             db->nunreachable, fmt_duration(db->unreachable_total_us, d, sizeof d), db->nlocks,
             db->nschema > 0 ? db->nschema - 1 : 0);
    fputs("set title ", f);
    gp_quote(f, sum);
    fputs(" offset 0,-0.6\nunset logscale y\nset yrange [0:1]\nunset ytics\nunset grid\n"
          "set ylabel 'database'\nset xtics format '%g'\nset key\nset xlabel ",
          f);
    gp_quote(f, xlabel);
    /* the legend: objects have none of their own */
    fprintf(f,
            "\nplot 1/0 notitle, "
            "keyentry with boxes fc rgb '%s' fs solid 0.45 title 'db unreachable', "
            "keyentry with boxes fc rgb '%s' fs solid 0.8 title 'connection refused', "
            "keyentry with boxes fc rgb '%s' fs solid 0.45 title 'lock wait', "
            "keyentry with lines lw 2 lc rgb '%s' title 'schema change'",
            DB_DOWN_COLOR, DB_REFUSED_COLOR, DB_LOCK_COLOR, DB_SCHEMA_COLOR);
    /* what each lock wait waited for, in rows from the panel's bottom */
    for (int right = 0; right < 2; right++) {
        if (!labels_aligned(&p->locks, right))
            continue;
        fputs(", ", f);
        gp_quote(f, td->locks);
        fprintf(f,
                " using ($4 == %d ? $1 : 1/0):(($2 * %d + 2) / %d.0):3:5 with labels %s font "
                "'" LABEL_FONT "' boxed tc rgb variable notitle",
                right, ROW_H, DB_H, right ? "right" : "left");
    }
    fputc('\n', f);
}

/* The latency axis: powers of ten from 1 ms (lower when a p99 is) to the
 * first one above the highest p99 of a second, so that the line fills the
 * panel and never runs off it. */
static void latency_axis(FILE *f, const struct an_target *t)
{
    uint32_t lo_us = 0, hi_us = 0;
    for (uint32_t i = 0; i < t->series_len; i++) {
        uint32_t v = t->series[i].p99_us;
        if (v > 0 && (lo_us == 0 || v < lo_us))
            lo_us = v;
        if (v > hi_us)
            hi_us = v;
    }
    int lo = 0, hi = 1; /* decades of milliseconds */
    if (hi_us > 0) {
        hi = (int)floor(log10(hi_us / 1000.0)) + 1;
        lo = (int)floor(log10(lo_us / 1000.0));
        if (lo > 0)
            lo = 0;
        if (lo < -3)
            lo = -3;
        if (hi <= lo)
            hi = lo + 1;
    }
    static const char *const names[] = {"1us", "10us", "100us", "1ms",  "10ms", "100ms", "1s",
                                        "10s", "100s", "1000s", "1e4s", "1e5s", "1e6s",  "1e7s"};
    fprintf(f, "set logscale y\nset yrange [1e%d:1e%d]\nset ytics (", lo, hi);
    for (int d = lo; d <= hi; d++)
        fprintf(f, "%s'%s' 1e%d", d > lo ? ", " : "", d + 3 < 14 ? names[d + 3] : "", d);
    fputs(")\nset mytics 10\n", f);
}

static int write_script(const struct plot *p, const char *out, const struct tmpdir *td)
{
    const struct analysis *an = p->an;
    FILE *f = fopen(td->script, "w");
    if (f == NULL)
        return -1;
    const char *dot = strrchr(out, '.');
    int svg = dot && strcmp(dot, ".svg") == 0;
    int db = an->db.present;
    int lane_h = p->lane.n > 0 ? p->lane.rows * ROW_H + 4 : 0;
    int height = BANNER_H + 8 + (lane_h ? lane_h + 2 : 0) +
                 p->ntargets * (TITLE_H + RATE_H + SPANS_H + 6 + LATENCY_H + TICS_H) +
                 (db ? TITLE_H + DB_H + TICS_H : 0) + XLABEL_H +
                 (p->nkey ? 8 + p->nkey * KEY_LINE_H : 0) + 6;
    char x0[64], x1[64], date[FMT_BUF], clock[FMT_BUF], d[FMT_BUF], xlabel[256];
    int y = BANNER_H + 8;

    fprintf(f, "set terminal %s size %d,%d font 'Sans,10' noenhanced\n", svg ? "svg" : "pngcairo",
            PAGE_W, height);
    fputs("set encoding utf8\nset output ", f);
    gp_quote(f, out);
    fputs("\nset datafile separator \"\\t\"\nset datafile commentschars ''\n", f);
    /* one x range and fixed margins: the panels line up in time */
    snprintf(x0, sizeof x0, "%.6f", p->x0_s);
    snprintf(x1, sizeof x1, "%.6f", p->x1_s);
    fprintf(f, "set lmargin at screen %.5f\nset rmargin at screen %.5f\nset xrange [%s:%s]\n",
            (double)AXIS_L / PAGE_W, (double)AXIS_R / PAGE_W, x0, x1);
    fprintf(f,
            "set style textbox opaque fc rgb 'white' border lc rgb '#9e9e9e' margins 1,1\n"
            "set style fill solid 1.0 noborder\nset boxwidth 1.0 absolute\n"
            "set key at screen %.4f, graph 1 left top vertical Left reverse font ',9' samplen 2 "
            "spacing 1\n"
            "set xtics format '' scale 0.5\nset grid ytics lc rgb '#e0e0e0'\n",
            (double)(AXIS_R + 8) / PAGE_W);
    fputs("set multiplot\n", f);
    banner(f, p, height);

    /* the lane on top: every label of the plot, in rows, never over data */
    if (lane_h) {
        panel_at(f, y, y + lane_h, height);
        fprintf(f,
                "unset key\nset yrange [0:%d]\nunset ytics\nunset grid\nset border 0\n"
                "set ylabel 'events' font ',9'\nset title ''\n"
                "set object 2 rect from graph 0, graph 0 to graph 1, graph 1 behind "
                "fc rgb '#f5f5f5' fs solid 1.0 noborder\n",
                p->lane.rows);
        /* each line from the panels up to its label; the boxes are opaque:
         * a line passing behind a label does not cross its text */
        for (int i = 0; i < p->lane.n; i++) {
            const struct label *l = &p->lane.v[i];
            char x[FMT_BUF];
            xs(p, l->t_us, x, sizeof x);
            fprintf(f,
                    "set arrow from %s, graph 0 to %s, first %.2f back nohead dt 2 lc rgb "
                    "'#505050'\n",
                    x, x, l->row >= 0 ? l->row + 0.5 : p->lane.rows);
        }
        fputs("plot 1/0 notitle", f);
        for (int right = 0; right < 2; right++) {
            if (!labels_aligned(&p->lane, right))
                continue;
            fputs(", ", f);
            gp_quote(f, td->marks);
            fprintf(f,
                    " using ($4 == %d ? $1 : 1/0):2:3:5 with labels %s font '" LABEL_FONT
                    "' boxed tc rgb variable notitle",
                    right, right ? "right" : "left");
        }
        fputc('\n', f);
        fputs("unset object\nunset arrow\nunset label\nset border 31\nset ytics\n"
              "set grid ytics\nset key\nset ylabel ''\n",
              f);
        y += lane_h + 2;
    }
    fmt_date(p->origin_us, date, sizeof date);
    snprintf(xlabel, sizeof xlabel,
             "seconds since the first request, %.10s %s UTC (the text report's +0s)", date,
             fmt_clock(p->origin_us, clock, sizeof clock));

    static const char *const classes[AN_NCLASS] = {"ok",      "other status", "connect",
                                                   "timeout", "reset",        "other error",
                                                   "skipped", "late (blind)"};
    static const char *const colors[AN_NCLASS] = {"#4caf50", "#e53935", "#8e24aa", "#fb8c00",
                                                  "#3949ab", "#6d4c41", "#9e9e9e", "#424242"};
    static const char *const peer_colors[AN_PEER_SERIES] = {"#000000", "#0072b2", "#cc79a7",
                                                            "#e69f00"};
    for (int i = 0; i < p->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        char name[1024], sum[2048], bl[FMT_BUF];
        int obj = 10, last = i == p->ntargets - 1 && !db;
        fmt_target(an, t, name, sizeof name);
        snprintf(sum, sizeof sum,
                 "%s  %s  (%" PRIu64 " requests, %" PRIu64 " failed, downtime %s%s%s)", name,
                 t->url ? t->url : "", t->requests, t->failed,
                 fmt_duration(t->windows.total_us, d, sizeof d),
                 t->blind.count ? ", BLIND (not observed on time) " : "",
                 t->blind.count ? fmt_duration(t->blind.total_us, bl, sizeof bl) : "");

        /* requests per second, stacked by outcome */
        y += TITLE_H;
        panel_at(f, y, y + RATE_H, height);
        y += RATE_H;
        fputs("unset object\nunset arrow\nunset label\nset title ", f);
        gp_quote(f, sum);
        fputs(" offset 0,-0.6\nset xtics format ''\nset ylabel 'requests/s'\nunset logscale y\n"
              "set yrange [0:*]\nset ytics auto\nunset mytics\n",
              f);
        spans_over(f, p, &t->bursts, &burst_style, &obj);
        spans_over(f, p, &t->windows, &window_style, &obj);
        spans_over(f, p, &t->blind, &blind_style, &obj);
        mark_lines(f, p);
        fputs("plot ", f);
        /* stacked: each bar is the sum of its class and those drawn under it */
        for (int k = AN_NCLASS - 1; k >= 0; k--) {
            fputs(k == AN_NCLASS - 1 ? "" : ", ", f);
            gp_quote(f, td->series[i]);
            /* a box spans the probed part of its second: columns 1 and 2 */
            fputs(" using (($1+$2)/2):(", f);
            for (int j = 0; j <= k; j++)
                fprintf(f, "%s$%d", j ? "+" : "", j + 3);
            /* the legend names the classes that occur: ok always */
            int seen = k == AN_OK;
            for (uint32_t j = 0; j < t->series_len && !seen; j++)
                seen = t->series[j].n[k] > 0;
            if (seen)
                fprintf(f, "):($2-$1) with boxes lc rgb '%s' title '%s'", colors[k], classes[k]);
            else
                fprintf(f, "):($2-$1) with boxes lc rgb '%s' notitle", colors[k]);
        }
        /* where failures came from several peers: each one's failures a
         * second, a level of its own over the bars */
        for (int j = 0; j < t->peer_series.n; j++) {
            char what[300];
            snprintf(what, sizeof what, "failed at %s",
                     t->peer_series.peer[j] ? t->peer_series.peer[j] : "(no peer)");
            fputs(", ", f);
            gp_quote(f, td->series[i]);
            fprintf(f,
                    " using 1:($%d > 0 ? $%d : 1/0):($2-$1):(0) with vectors nohead lw 3 "
                    "lc rgb '%s' title ",
                    AN_NCLASS + 4 + j, AN_NCLASS + 4 + j, peer_colors[j]);
            gp_quote(f, what);
        }
        /* the shading has no legend of its own: entries in its style */
        const struct span_style *st[] = {&window_style, &burst_style, &blind_style};
        for (int s = 0; s < 3; s++)
            fprintf(f, ", keyentry with boxes fc rgb '%s' fs %s border lc rgb '%s' title '%s'",
                    st[s]->line, s == 2 ? "pattern 4" : "solid 1.0", st[s]->line, st[s]->title);
        fputc('\n', f);

        /* the lane of spans at their exact times, under the rates */
        panel_at(f, y, y + SPANS_H, height);
        y += SPANS_H + 6;
        obj = 10;
        fputs("unset object\nunset arrow\nunset label\nset title ''\nset ylabel ''\n"
              "set yrange [0:1]\nunset ytics\nunset key\n"
              "set label 1 'failures' at graph -0.01, graph 0.5 right font ',9'\n",
              f);
        spans_lane(f, p, &t->blind, &blind_style, 0, 1, &obj);
        spans_lane(f, p, &t->bursts, &burst_style, 0.2, 0.8, &obj);
        spans_lane(f, p, &t->windows, &window_style, 0, 1, &obj);
        mark_lines(f, p);
        fputs("plot ", f);
        if (t->windows.count > (uint64_t)t->windows.nlisted) {
            /* windows beyond --list are not drawn: every second with a
             * failure is, as a tick, so that no failure goes unseen */
            gp_quote(f, td->series[i]);
            fputs(" using 1:(", f);
            for (int k = AN_HTTP; k <= AN_OTHER; k++)
                fprintf(f, "%s$%d", k > AN_HTTP ? "+" : "", k + 3);
            fputs(" > 0 ? 0.1 : 1/0):($2-$1):(0) with vectors nohead lw 4 "
                  "lc rgb '#b71c1c' notitle\n",
                  f);
        } else {
            fputs("1/0 notitle\n", f);
        }

        /* p99 latency per second */
        panel_at(f, y, y + LATENCY_H, height);
        y += LATENCY_H + TICS_H;
        obj = 10;
        fputs("unset object\nunset arrow\nunset label\nset key\nset ylabel 'p99 latency'\n"
              "set xtics format '%g'\n",
              f);
        latency_axis(f, t);
        spans_over(f, p, &t->windows, &window_style, &obj);
        spans_over(f, p, &t->blind, &blind_style, &obj);
        mark_lines(f, p);
        if (last) {
            fputs("set xlabel ", f);
            gp_quote(f, xlabel);
            fputc('\n', f);
        }
        fputs("plot ", f);
        gp_quote(f, td->series[i]);
        fprintf(f,
                /* one level per second, over the span its requests cover */
                " using 1:($%d > 0 ? $%d : 1/0):($2-$1):(0) with vectors nohead lw 2 "
                "lc rgb '#1e88e5' title 'p99, per second'\n",
                AN_NCLASS + 3, AN_NCLASS + 3);
        fputs("set xtics format ''\nunset mytics\n", f);
    }
    if (db) {
        y += TITLE_H;
        panel_at(f, y, y + DB_H, height);
        y += DB_H + TICS_H;
        db_panel(f, p, td, xlabel);
    }
    y += XLABEL_H;
    if (p->nkey) {
        y += 8;
        panel_at(f, y, y + p->nkey * KEY_LINE_H, height);
        fprintf(f,
                "unset object\nunset arrow\nunset label\nset title ''\nset xlabel ''\n"
                "set ylabel ''\nunset logscale y\nunset key\nunset tics\nset border 0\n"
                "set lmargin at screen 0.01\nset rmargin at screen 0.99\nunset grid\n"
                "set yrange [%d.5:0.5]\nset xrange [0:1]\nplot ",
                p->nkey);
        gp_quote(f, td->key);
        fputs(" using (0):1:2 with labels left font '" LABEL_FONT "'\n", f);
    }
    fputs("unset multiplot\n", f);
    int rc = ferror(f) ? -1 : 0;
    return fclose(f) < 0 ? -1 : rc;
}

/* Runs gnuplot on the script; 0, or -1 with the first line it printed. */
static int run_gnuplot(const char *gnuplot, const struct tmpdir *td, char *err, size_t errlen)
{
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot start gnuplot: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int in = open("/dev/null", O_RDWR);
        int errfd = open(td->errors, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || errfd < 0)
            _exit(126);
        dup2(in, STDIN_FILENO);
        dup2(in, STDOUT_FILENO);
        dup2(errfd, STDERR_FILENO);
        execl(gnuplot, "gnuplot", td->script, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    for (int waited_ms = 0;; waited_ms += 20) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            snprintf(err, errlen, "waiting for gnuplot: %s", strerror(errno));
            return -1;
        }
        if (waited_ms >= GNUPLOT_TIMEOUT_S * 1000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            snprintf(err, errlen, "gnuplot did not finish in %d s", GNUPLOT_TIMEOUT_S);
            return -1;
        }
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    char line[200] = "";
    FILE *f = fopen(td->errors, "r");
    if (f) {
        /* gnuplot's message: the last non-blank line says what went wrong */
        char buf[200];
        while (fgets(buf, sizeof buf, f))
            if (strspn(buf, " \t\r\n^") != strlen(buf))
                memcpy(line, buf, sizeof line);
        fclose(f);
    }
    line[strcspn(line, "\r\n")] = '\0';
    if (WIFEXITED(status))
        snprintf(err, errlen, "gnuplot exited %d: %s", WEXITSTATUS(status),
                 *line ? line : "no message");
    else
        snprintf(err, errlen, "gnuplot killed by signal %d", WTERMSIG(status));
    return -1;
}

static void cleanup(const struct tmpdir *td, int ntargets)
{
    for (int i = 0; i < ntargets; i++)
        unlink(td->series[i]);
    unlink(td->marks);
    unlink(td->locks);
    unlink(td->key);
    unlink(td->script);
    unlink(td->errors);
    rmdir(td->dir);
}

int plot_draw(const struct analysis *an, const char *path, char *err, size_t errlen)
{
    char why[512];
    int64_t first_us = an->first_us;
    if (an->db.present && an->db.first_us >= 0 && (first_us < 0 || an->db.first_us < first_us))
        first_us = an->db.first_us;
    if ((an->ntargets == 0 && !an->db.present) || first_us < 0) {
        snprintf(err, errlen,
                 "--plot %s: no request or database probe in the logs, nothing to draw", path);
        return -1;
    }
    char *gnuplot = plot_gnuplot_path();
    if (gnuplot == NULL) {
        snprintf(err, errlen,
                 "--plot %s: gnuplot not found in PATH (apt-get install gnuplot-nox); "
                 "the rest of the report is unaffected",
                 path);
        return -1;
    }
    struct tmpdir *td = calloc(1, sizeof *td);
    struct plot p = {.an = an, .origin_us = an->origin_us};
    if (td == NULL) {
        free(gnuplot);
        snprintf(err, errlen, "--plot %s: out of memory", path);
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(td->dir, sizeof td->dir, "%s/pbprobe-report.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    p.ntargets = an->ntargets < PLOT_TARGETS_MAX ? an->ntargets : PLOT_TARGETS_MAX;
    int rc = -1;
    if (mkdtemp(td->dir) == NULL) {
        snprintf(err, errlen, "--plot %s: cannot make a temporary directory: %s", path,
                 strerror(errno));
        goto out;
    }
    char dir[sizeof td->dir]; /* a copy: gcc sees overlap in td->dir -> td->series */
    memcpy(dir, td->dir, sizeof dir);
    for (int i = 0; i < p.ntargets; i++)
        snprintf(td->series[i], sizeof td->series[i], "%s/series-%d.dat", dir, i);
    snprintf(td->marks, sizeof td->marks, "%s/marks.dat", dir);
    snprintf(td->locks, sizeof td->locks, "%s/locks.dat", dir);
    snprintf(td->key, sizeof td->key, "%s/key.dat", dir);
    snprintf(td->script, sizeof td->script, "%s/plot.gp", dir);
    snprintf(td->errors, sizeof td->errors, "%s/gnuplot.err", dir);
    plot_range(&p);
    if (plot_labels(&p) < 0) {
        snprintf(err, errlen, "--plot %s: out of memory", path);
        goto cleanup;
    }
    for (int i = 0; i < p.ntargets; i++)
        if (write_series(&p, &an->targets[i], td->series[i]) < 0)
            goto write_failed;
    if (labels_write(&p.lane, p.origin_us, p.px_per_s, td->marks) < 0 ||
        labels_write(&p.locks, p.origin_us, p.px_per_s, td->locks) < 0 ||
        write_key(&p, td->key) < 0 || write_script(&p, path, td) < 0)
        goto write_failed;
    if (run_gnuplot(gnuplot, td, why, sizeof why) < 0) {
        snprintf(err, errlen, "--plot %s: %s", path, why);
        unlink(path); /* what it began is no plot */
        goto cleanup;
    }
    struct stat st;
    if (stat(path, &st) < 0 || st.st_size == 0) {
        snprintf(err, errlen, "--plot %s: gnuplot succeeded but wrote nothing", path);
        unlink(path);
        goto cleanup;
    }
    rc = 0;
    goto cleanup;
write_failed:
    snprintf(err, errlen, "--plot %s: cannot write to %s: %s", path, td->dir, strerror(errno));
cleanup:
    cleanup(td, p.ntargets);
out:
    free(p.lane.v);
    free(p.locks.v);
    free(gnuplot);
    free(td);
    return rc;
}
