/* Runs (runs.h). A log's span is known from its header and its last lines
 * (logr_last_time) without reading it through, so the grouping costs two
 * small reads a log, not a second pass over ten million lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "logread.h"
#include "runs.h"

struct span {
    int log; /* index in cfg->logs */
    int64_t start_us, end_us;
};

static int by_start(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    if (x->start_us != y->start_us)
        return x->start_us < y->start_us ? -1 : 1;
    return x->log - y->log;
}

/* 1 with the log's span, 0 when it cannot be known before reading, -1 with
 * err when the log cannot be opened (the error ingest would give). */
static int log_span(const char *path, struct span *s, char *err, size_t errlen)
{
    struct stat st;
    if (strcmp(path, "-") == 0 || (stat(path, &st) == 0 && !S_ISREG(st.st_mode)))
        return 0; /* opening would consume what ingest must read */
    struct logr *r = logr_open(path, err, errlen);
    if (r == NULL)
        return -1;
    s->start_us = logr_header(r)->wall_start_us;
    int known = s->start_us >= 0;
    /* a log of its header alone lasted an instant */
    if (!logr_last_time(r, &s->end_us) || s->end_us < s->start_us)
        s->end_us = s->start_us;
    logr_close(r);
    return known;
}

/* "upgrade.png" -> "upgrade-run2.png" */
static char *run_plot(const char *plot, int i)
{
    const char *dot = strrchr(plot, '.');
    size_t stem = dot ? (size_t)(dot - plot) : strlen(plot);
    size_t len = strlen(plot) + 24;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%.*s-run%d%s", (int)stem, plot, i + 1, dot ? dot : "");
    return p;
}

static int one_run(const struct rep_config *cfg, struct rep_runs *rs)
{
    if ((rs->run = calloc(1, sizeof *rs->run)) == NULL ||
        (rs->an = calloc(1, sizeof *rs->an)) == NULL)
        return -1;
    rs->n = 1;
    rs->run[0].cfg = *cfg; /* its logs are the command line's: not freed here */
    return 0;
}

int runs_split(const struct rep_config *cfg, struct rep_runs *rs, char *err, size_t errlen)
{
    memset(rs, 0, sizeof *rs);
    struct span *sp = calloc((size_t)cfg->nlogs, sizeof *sp);
    int known = sp != NULL && cfg->nlogs > 1 && !cfg->one_run;
    for (int i = 0; i < cfg->nlogs && known; i++) {
        sp[i].log = i;
        int rc = log_span(cfg->logs[i], &sp[i], err, errlen);
        if (rc < 0) {
            free(sp);
            return -1;
        }
        known = rc;
    }
    if (!known) {
        free(sp);
        if (one_run(cfg, rs) < 0)
            goto oom;
        return 0;
    }
    /* a sweep by start: a log that starts before the run so far has ended
     * overlaps it, else it starts the next run. Within --burst-gap counts as
     * overlapping: probers of one run that start a few milliseconds apart,
     * one of them killed before its first request (its log spans an
     * instant), or clocks that disagree by less than the merge trusts */
    qsort(sp, (size_t)cfg->nlogs, sizeof *sp, by_start);
    int *run_of = malloc((size_t)cfg->nlogs * sizeof *run_of);
    if (run_of == NULL)
        goto oom_sp;
    int n = 0;
    int64_t end = 0;
    for (int i = 0; i < cfg->nlogs; i++) {
        if (i == 0 || sp[i].start_us > end + cfg->burst_gap_us) {
            n++;
            end = sp[i].end_us;
        } else if (sp[i].end_us > end) {
            end = sp[i].end_us;
        }
        run_of[sp[i].log] = n - 1;
    }
    free(sp);
    if (n == 1) {
        free(run_of);
        if (one_run(cfg, rs) < 0)
            goto oom;
        return 0;
    }
    if ((rs->run = calloc((size_t)n, sizeof *rs->run)) == NULL ||
        (rs->an = calloc((size_t)n, sizeof *rs->an)) == NULL) {
        free(run_of);
        goto oom;
    }
    rs->n = n;
    for (int r = 0; r < n; r++) {
        struct rep_run *run = &rs->run[r];
        run->cfg = *cfg;
        run->cfg.nlogs = 0;
        if ((run->cfg.logs = malloc((size_t)cfg->nlogs * sizeof *run->cfg.logs)) == NULL) {
            free(run_of);
            goto oom;
        }
        /* each run's logs in the command line's order */
        for (int i = 0; i < cfg->nlogs; i++)
            if (run_of[i] == r)
                run->cfg.logs[run->cfg.nlogs++] = cfg->logs[i];
        if (cfg->plot && (run->cfg.plot = run->plot = run_plot(cfg->plot, r)) == NULL) {
            free(run_of);
            goto oom;
        }
    }
    free(run_of);
    return 0;
oom_sp:
    free(sp);
oom:
    runs_free(rs);
    snprintf(err, errlen, "out of memory");
    return -1;
}

void runs_judge(struct rep_runs *rs)
{
    rs->passed = rs->failed = rs->inconclusive = 0;
    for (int i = 0; i < rs->n; i++) {
        enum an_verdict v = rs->an[i].gate.verdict;
        rs->passed += v == AN_PASS;
        rs->failed += v == AN_FAIL;
        rs->inconclusive += v == AN_INCONCLUSIVE;
    }
    rs->verdict = rs->failed ? AN_FAIL : rs->inconclusive ? AN_INCONCLUSIVE : AN_PASS;
}

void runs_free(struct rep_runs *rs)
{
    for (int i = 0; rs->an && i < rs->n; i++)
        analysis_free(&rs->an[i]);
    for (int i = 0; rs->run && i < rs->n; i++) {
        if (rs->n > 1)
            free(rs->run[i].cfg.logs);
        free(rs->run[i].plot);
    }
    free(rs->an);
    free(rs->run);
    memset(rs, 0, sizeof *rs);
}
