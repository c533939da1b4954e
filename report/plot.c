/* The plot (--plot FILE.png|FILE.svg): per target, requests per second
 * stacked by outcome (and, when several peers failed, the failures of each
 * as a line) and p99 latency per second, downtime windows and error
 * bursts shaded, marks and the command as labelled lines; with --db logs, a
 * database panel on the same time axis (unreachable windows, refused
 * connections and lock waits shaded, schema changes as labelled lines). gnuplot is run as a
 * program (fork/exec, never a shell) on a data file and a script written to a
 * temporary directory.
 *
 * Nothing read from a log reaches gnuplot as code: names and URLs enter the
 * script only through gp_quote() (a single-quoted gnuplot string, in which
 * only '' is special), and labels (marks, schema values, lock relations) are
 * read as data by "with labels" from files whose quoting characters are
 * neutralised by gp_label(). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
#define PLOT_WIDTH_PX 1200
#define PLOT_PANEL_PX 230
/* lmargin and rmargin at screen 0.07 and 0.86: the x axis is this wide */
#define PLOT_AXIS_PX (PLOT_WIDTH_PX * 79 / 100)
#define PLOT_CHAR_PX 7 /* a character of the ',10' font, rounded up */
#define LABEL_CHARS 51 /* gp_label's cut */
/* Labels read as data: column 1 is the time, 2 the height in the panel
 * (0..1 on y2), 3 the text, written to the right of its line. */
#define LABELS " using 1:2:3 axes x1y2 with labels left offset 0.4,0 boxed notitle\n"
/* Heights a label may take, top first: labels of close events (an undo and
 * the command's exit within a second) would print over each other. */
static const double label_heights[] = {0.93, 0.81, 0.69, 0.57};
#define NHEIGHTS (int)(sizeof label_heights / sizeof label_heights[0])

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

/* A label field of the TAB-separated data file: gnuplot reads "..." in data
 * as a quoted string and turns \n into a line break in labels, so double
 * quotes become single ones and backslashes are doubled; control characters
 * (a TAB would split the field, a newline the record) become '?'. */
static void gp_label(FILE *f, const char *s)
{
    char buf[52]; /* a longer label would run out of its panel: cut, on a character */
    for (s = fmt_sane(s, buf, sizeof buf); *s; s++) {
        if (*s == '"')
            fputc('\'', f);
        else if (*s == '\\')
            fputs("\\\\", f);
        else
            fputc(*s, f);
    }
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

struct tmpdir {
    char dir[4096];
    char series[PLOT_TARGETS_MAX][4200];
    char marks[4200], schema[4200], locks[4200], script[4200], errors[4200];
};

/* Places labels left to right: each on the highest row whose last label
 * ends before it starts, else on the row freed first. A label's width in
 * seconds is its characters at the axis' scale. */
struct stagger {
    double sec_per_char;
    double row_end[NHEIGHTS];
};

static void stagger_init(struct stagger *st, int64_t span_us)
{
    double axis_chars = (double)PLOT_AXIS_PX / PLOT_CHAR_PX;
    st->sec_per_char = (double)span_us / 1e6 / axis_chars;
    for (int i = 0; i < NHEIGHTS; i++)
        st->row_end[i] = -1e300;
}

static double stagger_place(struct stagger *st, double x, size_t chars)
{
    int row = 0;
    for (int i = 0; i < NHEIGHTS; i++) {
        if (st->row_end[i] < x) {
            row = i;
            break;
        }
        if (st->row_end[i] < st->row_end[row])
            row = i;
    }
    /* +4: the offset from the line, the box's padding and a gap; the
     * width per character is an estimate, and an overlap hides a value */
    st->row_end[row] = x + (double)(chars + 4) * st->sec_per_char;
    return label_heights[row];
}

/* Each second of the series is drawn over the part of it in which the target
 * was probed: the first and last seconds of a run are partly outside it, and
 * a count over part of a second is not a rate per second. A run that starts
 * at .87 s has 13 requests in its first second at 100/s; drawn over the whole
 * second, that bar would read "13 requests/s". */
static int write_series(const struct analysis *an, const struct an_target *t, int64_t base_s,
                        const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    double tick_s = t->rate > 0 ? 1.0 / t->rate : 0;
    double run_from = (double)(t->first_us - base_s * 1000000) / 1e6;
    double run_to = (double)(t->last_us - base_s * 1000000) / 1e6 + tick_s;
    /* from and to, in seconds since base, then the rate of each class of
     * enum an_class over that span, then p99 in ms, then the failure rate
     * of each peer of t->peer_series */
    if (t->series_len == 0)
        fprintf(f, "0\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\n");
    for (uint32_t i = 0; i < t->series_len; i++) {
        const struct an_second *s = &t->series[i];
        double from = (double)(t->series_start_s + (int64_t)i - base_s), to = from + 1;
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
    (void)an;
    int rc = ferror(f) ? -1 : 0;
    return fclose(f) < 0 ? -1 : rc;
}

/* The x range of every panel: the requests and the database probes. */
static void plot_span(const struct analysis *an, int64_t *first_us, int64_t *last_us)
{
    *first_us = an->first_us;
    *last_us = an->last_us;
    if (an->db.present && an->db.first_us >= 0) {
        if (*first_us < 0 || an->db.first_us < *first_us)
            *first_us = an->db.first_us;
        if (an->db.last_us > *last_us)
            *last_us = an->db.last_us;
    }
}

/* One label line of a data file: time, height, text. */
static void label_line(FILE *f, struct stagger *st, int64_t t_us, int64_t base_us, const char *text)
{
    char sec[FMT_BUF], buf[LABEL_CHARS + 1];
    fmt_seconds(t_us - base_us, sec, sizeof sec);
    /* the width as drawn: what gp_label keeps of it */
    size_t chars = strlen(fmt_sane(text, buf, sizeof buf));
    fprintf(f, "%s\t%.2f\t", sec, stagger_place(st, (double)(t_us - base_us) / 1e6, chars));
    gp_label(f, text);
    fputc('\n', f);
}

static int write_marks(const struct analysis *an, int64_t base_us, int64_t span_us,
                       const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    struct stagger st;
    stagger_init(&st, span_us);
    /* an empty file makes gnuplot complain: a label-less point off the chart */
    if (an->ntimeline == 0)
        fprintf(f, "-1e9\t0\t \n");
    for (int i = 0; i < an->ntimeline; i++) {
        const struct an_event *e = &an->timeline[i];
        char text[64];
        /* a platform's events are many: the steps' marks alone are labelled */
        if (e->kind == AN_EV_MARK && e->source_len > 0)
            continue;
        if (e->kind == AN_EV_MARK)
            label_line(f, &st, e->t_us, base_us, e->text);
        else if (e->kind == AN_EV_CMD_START)
            label_line(f, &st, e->t_us, base_us, "command started");
        else if (e->kind == AN_EV_ABORT) {
            snprintf(text, sizeof text, "aborted: %.40s", e->text);
            label_line(f, &st, e->t_us, base_us, text);
        } else {
            snprintf(text, sizeof text, "command exited %ld", e->number);
            label_line(f, &st, e->t_us, base_us, text);
        }
    }
    int rc = ferror(f) ? -1 : 0;
    return fclose(f) < 0 ? -1 : rc;
}

/* The database panel's labels: schema values at their change, staggered
 * like marks; what each lock wait waited for, at its start, at the bottom. */
static int write_db_labels(const struct analysis *an, int64_t base_us, int64_t span_us,
                           const struct tmpdir *td)
{
    const struct db_analysis *db = &an->db;
    FILE *f = fopen(td->schema, "w");
    if (f == NULL)
        return -1;
    struct stagger st;
    stagger_init(&st, span_us);
    if (db->nschema == 0)
        fprintf(f, "-1e9\t0\t \n");
    for (int i = 0; i < db->nschema; i++) {
        char text[LABEL_CHARS + 16];
        snprintf(text, sizeof text, "schema %s",
                 db->schema[i].value ? db->schema[i].value : "(no row)");
        label_line(f, &st, db->schema[i].t_us, base_us, text);
    }
    int rc = ferror(f) ? -1 : 0;
    if (fclose(f) < 0 || rc < 0)
        return -1;
    if ((f = fopen(td->locks, "w")) == NULL)
        return -1;
    static const double low[] = {0.08, 0.2};
    if (db->nlocks == 0)
        fprintf(f, "-1e9\t0\t \n");
    for (int i = 0; i < db->nlocks; i++) {
        const struct db_lock_wait *l = &db->locks[i];
        char sec[FMT_BUF], text[LABEL_CHARS + 16];
        if (l->relation && l->mode)
            snprintf(text, sizeof text, "lock: %s (%s)", l->relation, l->mode);
        else
            snprintf(text, sizeof text, "lock: %s", l->relation ? l->relation : "?");
        fprintf(f, "%s\t%.2f\t", fmt_seconds(l->start_us - base_us, sec, sizeof sec), low[i % 2]);
        gp_label(f, text);
        fputc('\n', f);
    }
    rc = ferror(f) ? -1 : 0;
    return fclose(f) < 0 ? -1 : rc;
}

static void shade(FILE *f, const struct an_spans *s, int64_t base_us, const char *color, int *obj)
{
    char a[FMT_BUF], b[FMT_BUF];
    for (int i = 0; i < s->nlisted; i++) {
        const struct an_span *sp = &s->listed[i];
        int64_t end = sp->end_us > sp->start_us ? sp->end_us : sp->start_us + 1000;
        /* in front, see-through: the bars would hide it behind them */
        fprintf(f,
                "set object %d rect from %s, graph 0 to %s, graph 1 front fc rgb '%s' "
                "fs transparent solid 0.3 noborder\n",
                ++*obj, fmt_seconds(sp->start_us - base_us, a, sizeof a),
                fmt_seconds(end - base_us, b, sizeof b), color);
    }
}

/* A database window or wait: at least min_us wide, or a short one would not show. */
static void shade_db(FILE *f, int64_t start_us, int64_t end_us, int64_t base_us, int64_t min_us,
                     const char *color, int *obj)
{
    char a[FMT_BUF], b[FMT_BUF];
    if (end_us < start_us + min_us)
        end_us = start_us + min_us;
    fprintf(f,
            "set object %d rect from %s, graph 0 to %s, graph 1 back fc rgb '%s' "
            "fs transparent solid 0.45 noborder\n",
            ++*obj, fmt_seconds(start_us - base_us, a, sizeof a),
            fmt_seconds(end_us - base_us, b, sizeof b), color);
}

/* The timeline's events as dashed lines, in every panel. */
static void mark_lines(FILE *f, const struct analysis *an, int64_t base_us)
{
    for (int e = 0; e < an->ntimeline; e++) {
        char x[FMT_BUF];
        if (an->timeline[e].source_len > 0)
            continue; /* a platform's event: many, and unlabelled */
        fmt_seconds(an->timeline[e].t_us - base_us, x, sizeof x);
        fprintf(f, "set arrow from %s, graph 0 to %s, graph 1 nohead front dt 2 lc rgb '#404040'\n",
                x, x);
    }
}

#define DB_DOWN_COLOR "#7e57c2"    /* unreachable: purple, not HTTP's red */
#define DB_REFUSED_COLOR "#d1c4e9" /* a fresh connection refused: pale purple */
#define DB_LOCK_COLOR "#26a69a"    /* sessions waiting on a lock: teal */
#define DB_SCHEMA_COLOR "#2e7d32"

static void db_panel(FILE *f, const struct analysis *an, const struct tmpdir *td, int64_t base_us,
                     int64_t span_us)
{
    const struct db_analysis *db = &an->db;
    char d[FMT_BUF], sum[512];
    int obj = 0;
    int64_t min_us = span_us / 300 > 0 ? span_us / 300 : 1;
    fputs("unset object\nunset arrow\n", f);
    for (int i = 0; i < db->nrefused; i++)
        shade_db(f, db->refused[i].start_us, db->refused[i].end_us, base_us, min_us,
                 DB_REFUSED_COLOR, &obj);
    for (int i = 0; i < db->nunreachable; i++)
        shade_db(f, db->unreachable[i].start_us, db->unreachable[i].end_us, base_us, min_us,
                 DB_DOWN_COLOR, &obj);
    for (int i = 0; i < db->nlocks; i++)
        shade_db(f, db->locks[i].start_us, db->locks[i].end_us, base_us, min_us, DB_LOCK_COLOR,
                 &obj);
    mark_lines(f, an, base_us);
    for (int i = 0; i < db->nschema; i++) {
        char x[FMT_BUF];
        fmt_seconds(db->schema[i].t_us - base_us, x, sizeof x);
        fprintf(f, "set arrow from %s, graph 0 to %s, graph 1 nohead front lw 2 lc rgb '%s'\n", x,
                x, DB_SCHEMA_COLOR);
    }
    snprintf(sum, sizeof sum,
             "database  (unreachable windows: %d, %s in all; lock waits: %d; schema changes: %d)",
             db->nunreachable, fmt_duration(db->unreachable_total_us, d, sizeof d), db->nlocks,
             db->nschema > 0 ? db->nschema - 1 : 0);
    fputs("set title ", f);
    gp_quote(f, sum);
    fputs("\nunset logscale y\nset yrange [0:1]\nunset ytics\nset ylabel ''\nset offsets 0, 0, 0, "
          "0\n",
          f);
    /* the legend: objects have none of their own */
    fprintf(f,
            "plot keyentry with boxes fc rgb '%s' fs solid 0.45 title 'db unreachable', "
            "keyentry with boxes fc rgb '%s' fs solid 0.8 title 'connection refused', "
            "keyentry with boxes fc rgb '%s' fs solid 0.45 title 'lock wait', "
            "keyentry with lines lw 2 lc rgb '%s' title 'schema change', ",
            DB_DOWN_COLOR, DB_REFUSED_COLOR, DB_LOCK_COLOR, DB_SCHEMA_COLOR);
    gp_quote(f, td->schema);
    fprintf(f, " using 1:2:3 axes x1y2 with labels left offset 0.4,0 boxed tc rgb '%s' notitle, ",
            DB_SCHEMA_COLOR);
    gp_quote(f, td->locks);
    fputs(LABELS, f);
    fputs("set ytics\n", f);
}

static int write_script(const struct analysis *an, const char *out, const struct tmpdir *td,
                        int ntargets, int64_t base_s)
{
    FILE *f = fopen(td->script, "w");
    if (f == NULL)
        return -1;
    const char *dot = strrchr(out, '.');
    int svg = dot && strcmp(dot, ".svg") == 0;
    int db = an->db.present;
    int npanels = 2 * ntargets + db;
    int height = 120 + PLOT_PANEL_PX * npanels;
    char date[FMT_BUF], title[1024], d[FMT_BUF];
    int64_t base_us = base_s * 1000000, first_us, last_us;
    plot_span(an, &first_us, &last_us);

    fprintf(f, "set terminal %s size %d,%d font ',10' noenhanced\n", svg ? "svg" : "pngcairo",
            PLOT_WIDTH_PX, height);
    fputs("set output ", f);
    gp_quote(f, out);
    fputs("\nset datafile separator \"\\t\"\nset datafile commentschars ''\n", f);
    /* fixed margins and one x range: the panels line up in time */
    char x0[FMT_BUF], x1[FMT_BUF];
    fmt_seconds(first_us - base_us, x0, sizeof x0);
    fmt_seconds(last_us - base_us + 1000000, x1, sizeof x1);
    fprintf(f, "set lmargin at screen 0.07\nset rmargin at screen 0.86\nset xrange [%s:%s]\n", x0,
            x1);
    /* labels on a white box: black on the green bars is hard to read */
    fputs("set style textbox opaque fc rgb 'white' noborder margins 1,1\n", f);
    fputs("set style fill solid 1.0 noborder\nset boxwidth 1.0 absolute\nset grid ytics\n"
          "set key outside right top vertical\nset y2range [0:1]\nunset y2tics\n",
          f);
    snprintf(title, sizeof title, "pbprobe: %s, from %s", fmt_verdict(an->gate.verdict),
             fmt_date(base_us, date, sizeof date));
    fputs("set multiplot layout ", f);
    fprintf(f, "%d,1 title ", npanels);
    gp_quote(f, title);
    fputc('\n', f);
    for (int i = 0; i < ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        char name[1024], sum[2048];
        int obj = 0;
        fmt_target(an, t, name, sizeof name);
        char bl[FMT_BUF];
        snprintf(sum, sizeof sum,
                 "%s  %s  (%" PRIu64 " requests, %" PRIu64 " failed, downtime %s%s%s)", name,
                 t->url ? t->url : "", t->requests, t->failed,
                 fmt_duration(t->windows.total_us, d, sizeof d),
                 t->blind.count ? ", BLIND (not observed on time) " : "",
                 t->blind.count ? fmt_duration(t->blind.total_us, bl, sizeof bl) : "");
        fputs("unset object\nunset arrow\n", f);
        shade(f, &t->windows, base_us, "#ff6060", &obj);
        shade(f, &t->bursts, base_us, "#ffc040", &obj);
        /* grey: the prober did not see this time; hatched so that it never
         * reads as a colour of the data */
        shade(f, &t->blind, base_us, "#606060", &obj);
        mark_lines(f, an, base_us);
        fputs("set title ", f);
        gp_quote(f, sum);
        /* the marks' labels take the top 45% of a panel: the data stays
         * below them, or a label's box would hide a bar's top and read as
         * a dip in the rate */
        fputs("\nset ylabel 'requests/s'\nunset logscale y\nset yrange [0:*]\n"
              "set offsets 0, 0, graph 0.85, 0\n",
              f);
        fputs("set xlabel ", f);
        snprintf(title, sizeof title, "seconds since %s", date);
        gp_quote(f, title);
        fputc('\n', f);
        /* stacked: each bar is the sum of its class and those drawn under it */
        static const char *const classes[AN_NCLASS] = {"ok",      "other status", "connect",
                                                       "timeout", "reset",        "other error",
                                                       "skipped", "late (blind)"};
        static const char *const colors[AN_NCLASS] = {"#4caf50", "#e53935", "#8e24aa", "#fb8c00",
                                                      "#3949ab", "#6d4c41", "#9e9e9e", "#424242"};
        fputs("plot ", f);
        for (int k = AN_NCLASS - 1; k >= 0; k--) {
            fputs(k == AN_NCLASS - 1 ? "" : ", ", f);
            gp_quote(f, td->series[i]);
            /* a box spans the probed part of its second: columns 1 and 2 */
            fputs(" using (($1+$2)/2):(", f);
            for (int j = 0; j <= k; j++)
                fprintf(f, "%s$%d", j ? "+" : "", j + 3);
            fprintf(f, "):($2-$1) with boxes lc rgb '%s' title '%s'", colors[k], classes[k]);
        }
        /* where failures came from several peers: each one's failures a
         * second, a level of its own over the bars */
        static const char *const peer_colors[AN_PEER_SERIES] = {"#000000", "#0072b2", "#cc79a7",
                                                                "#e69f00"};
        for (int j = 0; j < t->peer_series.n; j++) {
            char what[300];
            snprintf(what, sizeof what, "failed at %s",
                     t->peer_series.peer[j] ? t->peer_series.peer[j] : "(no peer)");
            fputs(", ", f);
            gp_quote(f, td->series[i]);
            fprintf(f,
                    /* a level over the second, as p99: nothing drawn between */
                    " using 1:($%d > 0 ? $%d : 1/0):($2-$1):(0) with vectors nohead lw 3 "
                    "lc rgb '%s' title ",
                    AN_NCLASS + 4 + j, AN_NCLASS + 4 + j, peer_colors[j]);
            gp_quote(f, what);
        }
        fputs(", ", f);
        gp_quote(f, td->marks);
        fputs(LABELS, f);
        fputs("set title ''\nset ylabel 'p99 latency (ms)'\nset logscale y\nset yrange [*:*]\n"
              "set offsets 0, 0, graph 0.85, 0\n",
              f);
        fputs("plot ", f);
        gp_quote(f, td->series[i]);
        fprintf(f,
                /* one level per second, over the span its requests cover */
                " using 1:($%d > 0 ? $%d : 1/0):($2-$1):(0) with vectors nohead lw 2 "
                "lc rgb '#1e88e5' title 'p99', ",
                AN_NCLASS + 3, AN_NCLASS + 3);
        gp_quote(f, td->marks);
        fputs(LABELS, f);
    }
    if (db)
        db_panel(f, an, td, base_us, last_us + 1000000 - first_us);
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
    unlink(td->schema);
    unlink(td->locks);
    unlink(td->script);
    unlink(td->errors);
    rmdir(td->dir);
}

int plot_draw(const struct analysis *an, const char *path, char *err, size_t errlen)
{
    char why[512];
    int64_t first_us, last_us;
    plot_span(an, &first_us, &last_us);
    if ((an->ntargets == 0 && !an->db.present) || first_us < 0) {
        snprintf(err, errlen,
                 "--plot %s: no request or database probe in the logs, nothing to draw", path);
        return -1;
    }
    char *gnuplot = find_program("gnuplot");
    if (gnuplot == NULL) {
        snprintf(err, errlen,
                 "--plot %s: gnuplot not found in PATH (apt-get install gnuplot-nox); "
                 "the rest of the report is unaffected",
                 path);
        return -1;
    }
    struct tmpdir *td = calloc(1, sizeof *td);
    if (td == NULL) {
        free(gnuplot);
        snprintf(err, errlen, "--plot %s: out of memory", path);
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(td->dir, sizeof td->dir, "%s/pbprobe-report.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int ntargets = an->ntargets < PLOT_TARGETS_MAX ? an->ntargets : PLOT_TARGETS_MAX;
    int rc = -1;
    if (mkdtemp(td->dir) == NULL) {
        snprintf(err, errlen, "--plot %s: cannot make a temporary directory: %s", path,
                 strerror(errno));
        goto out;
    }
    char dir[sizeof td->dir]; /* a copy: gcc sees overlap in td->dir -> td->series */
    memcpy(dir, td->dir, sizeof dir);
    for (int i = 0; i < ntargets; i++)
        snprintf(td->series[i], sizeof td->series[i], "%s/series-%d.dat", dir, i);
    snprintf(td->marks, sizeof td->marks, "%s/marks.dat", dir);
    snprintf(td->schema, sizeof td->schema, "%s/schema.dat", dir);
    snprintf(td->locks, sizeof td->locks, "%s/locks.dat", dir);
    snprintf(td->script, sizeof td->script, "%s/plot.gp", dir);
    snprintf(td->errors, sizeof td->errors, "%s/gnuplot.err", dir);
    int64_t base_s = first_us / 1000000, span_us = last_us + 1000000 - first_us;
    for (int i = 0; i < ntargets; i++)
        if (write_series(an, &an->targets[i], base_s, td->series[i]) < 0)
            goto write_failed;
    if (write_marks(an, base_s * 1000000, span_us, td->marks) < 0 ||
        (an->db.present && write_db_labels(an, base_s * 1000000, span_us, td) < 0) ||
        write_script(an, path, td, ntargets, base_s) < 0)
        goto write_failed;
    if (run_gnuplot(gnuplot, td, why, sizeof why) < 0) {
        snprintf(err, errlen, "--plot %s: %s", path, why);
        goto cleanup;
    }
    struct stat st;
    if (stat(path, &st) < 0 || st.st_size == 0) {
        snprintf(err, errlen, "--plot %s: gnuplot succeeded but wrote nothing", path);
        goto cleanup;
    }
    rc = 0;
    goto cleanup;
write_failed:
    snprintf(err, errlen, "--plot %s: cannot write to %s: %s", path, td->dir, strerror(errno));
cleanup:
    cleanup(td, ntargets);
out:
    free(gnuplot);
    free(td);
    return rc;
}
