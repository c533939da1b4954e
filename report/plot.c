/* The plot (--plot FILE.png|FILE.svg): per target, requests per second
 * stacked by outcome and p99 latency per second, downtime windows and error
 * bursts shaded, marks and the command as labelled lines. gnuplot is run as a
 * program (fork/exec, never a shell) on a data file and a script written to a
 * temporary directory.
 *
 * Nothing read from a log reaches gnuplot as code: names and URLs enter the
 * script only through gp_quote() (a single-quoted gnuplot string, in which
 * only '' is special), and mark labels are read as data by "with labels"
 * from a file whose quoting characters are neutralised by gp_label(). */
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
/* marks read as data: column 2 is drawn as text, down from the top */
#define MARK_LABELS                                                                                \
    " using 1:(0.98):2 axes x1y2 with labels rotate by 90 right offset 0.9,0 notitle\n"

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
    char marks[4200], script[4200], errors[4200];
};

static int write_series(const struct analysis *an, const struct an_target *t, int64_t base_s,
                        const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    /* seconds since base, then the classes of enum an_class, then p99 in ms */
    if (t->series_len == 0)
        fprintf(f, "0\t0\t0\t0\t0\t0\t0\t0\t0\n");
    for (uint32_t i = 0; i < t->series_len; i++) {
        const struct an_second *s = &t->series[i];
        fprintf(f, "%" PRId64, t->series_start_s + (int64_t)i - base_s);
        for (int k = 0; k < AN_NCLASS; k++)
            fprintf(f, "\t%" PRIu32, s->n[k]);
        fprintf(f, "\t%" PRIu32 ".%03" PRIu32 "\n", s->p99_us / 1000, s->p99_us % 1000);
    }
    (void)an;
    int rc = ferror(f) ? -1 : 0;
    return fclose(f) < 0 ? -1 : rc;
}

static int write_marks(const struct analysis *an, int64_t base_us, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    /* an empty file makes gnuplot complain: a label-less point off the chart */
    if (an->ntimeline == 0)
        fprintf(f, "-1e9\t \n");
    for (int i = 0; i < an->ntimeline; i++) {
        const struct an_event *e = &an->timeline[i];
        char sec[FMT_BUF];
        fprintf(f, "%s\t", fmt_seconds(e->t_us - base_us, sec, sizeof sec));
        if (e->kind == AN_EV_MARK)
            gp_label(f, e->text);
        else if (e->kind == AN_EV_CMD_START)
            fputs("command started", f);
        else
            fprintf(f, "command exited %ld", e->number);
        fputc('\n', f);
    }
    int rc = ferror(f) ? -1 : 0;
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

static int write_script(const struct analysis *an, const char *out, const struct tmpdir *td,
                        int ntargets, int64_t base_s)
{
    FILE *f = fopen(td->script, "w");
    if (f == NULL)
        return -1;
    const char *dot = strrchr(out, '.');
    int svg = dot && strcmp(dot, ".svg") == 0;
    int height = 120 + 2 * 230 * ntargets;
    char date[FMT_BUF], title[1024], d[FMT_BUF];
    int64_t base_us = base_s * 1000000;

    fprintf(f, "set terminal %s size 1200,%d font ',10' noenhanced\n", svg ? "svg" : "pngcairo",
            height);
    fputs("set output ", f);
    gp_quote(f, out);
    fputs("\nset datafile separator \"\\t\"\nset datafile commentschars ''\n", f);
    /* fixed margins and one x range: the panels line up in time */
    char x0[FMT_BUF], x1[FMT_BUF];
    fmt_seconds(an->first_us - base_us, x0, sizeof x0);
    fmt_seconds(an->last_us - base_us + 1000000, x1, sizeof x1);
    fprintf(f, "set lmargin at screen 0.07\nset rmargin at screen 0.86\nset xrange [%s:%s]\n", x0,
            x1);
    fputs("set style fill solid 1.0 noborder\nset boxwidth 1.0 absolute\nset grid ytics\n"
          "set key outside right top vertical\nset y2range [0:1]\nunset y2tics\n",
          f);
    snprintf(title, sizeof title, "pbprobe: %s, from %s", fmt_verdict(an->gate.verdict),
             fmt_date(base_us, date, sizeof date));
    fputs("set multiplot layout ", f);
    fprintf(f, "%d,1 title ", 2 * ntargets);
    gp_quote(f, title);
    fputc('\n', f);
    for (int i = 0; i < ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        char name[1024], sum[2048];
        int obj = 0;
        fmt_target(an, t, name, sizeof name);
        snprintf(sum, sizeof sum, "%s  %s  (%" PRIu64 " requests, %" PRIu64 " failed, downtime %s)",
                 name, t->url ? t->url : "", t->requests, t->failed,
                 fmt_duration(t->windows.total_us, d, sizeof d));
        fputs("unset object\nunset arrow\n", f);
        shade(f, &t->windows, base_us, "#ff6060", &obj);
        shade(f, &t->bursts, base_us, "#ffc040", &obj);
        for (int e = 0; e < an->ntimeline; e++) {
            char x[FMT_BUF];
            fmt_seconds(an->timeline[e].t_us - base_us, x, sizeof x);
            fprintf(
                f, "set arrow from %s, graph 0 to %s, graph 1 nohead front dt 2 lc rgb '#404040'\n",
                x, x);
        }
        fputs("set title ", f);
        gp_quote(f, sum);
        fputs("\nset ylabel 'requests/s'\nunset logscale y\nset yrange [0:*]\n", f);
        fputs("set xlabel ", f);
        snprintf(title, sizeof title, "seconds since %s", date);
        gp_quote(f, title);
        fputc('\n', f);
        /* stacked: each bar is the sum of its class and those drawn under it */
        static const char *const classes[AN_NCLASS] = {
            "ok", "other status", "connect", "timeout", "reset", "other error", "skipped"};
        static const char *const colors[AN_NCLASS] = {"#4caf50", "#e53935", "#8e24aa", "#fb8c00",
                                                      "#3949ab", "#6d4c41", "#9e9e9e"};
        fputs("plot ", f);
        for (int k = AN_NCLASS - 1; k >= 0; k--) {
            fputs(k == AN_NCLASS - 1 ? "" : ", ", f);
            gp_quote(f, td->series[i]);
            /* second s covers [s, s+1): the box is centred on s + 0.5 */
            fputs(" using ($1+0.5):(", f);
            for (int j = 0; j <= k; j++)
                fprintf(f, "%s$%d", j ? "+" : "", j + 2);
            fprintf(f, ") with boxes lc rgb '%s' title '%s'", colors[k], classes[k]);
        }
        fputs(", ", f);
        gp_quote(f, td->marks);
        fputs(MARK_LABELS, f);
        fputs("set title ''\nset ylabel 'p99 latency (ms)'\nset logscale y\nset yrange [*:*]\n", f);
        fputs("plot ", f);
        gp_quote(f, td->series[i]);
        fprintf(f,
                " using ($1+0.5):($%d > 0 ? $%d : 1/0) with histeps lw 2 lc rgb '#1e88e5' "
                "title 'p99', ",
                AN_NCLASS + 2, AN_NCLASS + 2);
        gp_quote(f, td->marks);
        fputs(MARK_LABELS, f);
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
    unlink(td->script);
    unlink(td->errors);
    rmdir(td->dir);
}

int plot_draw(const struct analysis *an, const char *path, char *err, size_t errlen)
{
    char why[512];
    if (an->ntargets == 0 || an->first_us < 0) {
        snprintf(err, errlen, "--plot %s: no request in the logs, nothing to draw", path);
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
    snprintf(td->script, sizeof td->script, "%s/plot.gp", dir);
    snprintf(td->errors, sizeof td->errors, "%s/gnuplot.err", dir);
    int64_t base_s = an->first_us / 1000000;
    for (int i = 0; i < ntargets; i++)
        if (write_series(an, &an->targets[i], base_s, td->series[i]) < 0)
            goto write_failed;
    if (write_marks(an, base_s * 1000000, td->marks) < 0 ||
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
