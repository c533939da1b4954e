/* pbprobe-report: reads pbprobe logs and tells whether users saw downtime,
 * then exits with the gate's verdict. The flow is one way: options -> config
 * -> runs (which logs belong together) -> per run: ingest (reader, sort,
 * merge, and the analysis it feeds and finishes) -> gate -> one formatter
 * over all runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "report_config.h"
#include "exit.h"
#include "gate.h"
#include "ingest.h"
#include "options.h"
#include "output.h"
#include "regression.h"
#include "runs.h"

static int write_report(FILE *out, const struct rep_config *cfg, const struct rep_runs *rs)
{
    if (rs->n == 1) {
        switch (cfg->format) {
        case REP_FMT_TEXT:
            return out_text(out, &rs->an[0]);
        case REP_FMT_JSON:
            return out_json(out, &rs->an[0]);
        case REP_FMT_JUNIT:
            return out_junit(out, &rs->an[0]);
        case REP_FMT_MARKDOWN:
            return out_markdown(out, &rs->an[0]);
        case REP_FMT_HTML:
            return out_html(out, &rs->an[0]);
        case REP_FMT_OPENMETRICS:
            return out_openmetrics(out, &rs->an[0]);
        }
    }
    switch (cfg->format) {
    case REP_FMT_TEXT:
        return out_text_runs(out, rs);
    case REP_FMT_JSON:
        return out_json_runs(out, rs);
    case REP_FMT_JUNIT:
        return out_junit_runs(out, rs);
    case REP_FMT_MARKDOWN:
        return out_markdown_runs(out, rs);
    case REP_FMT_HTML:
        return out_html_runs(out, rs);
    case REP_FMT_OPENMETRICS:
        return out_openmetrics_runs(out, rs);
    }
    return -1;
}

/* --markdown-summary: the Markdown report appended to the file GitHub Actions
 * shows as the job's summary; nothing when not under GitHub Actions. */
static int write_step_summary(const struct rep_runs *rs)
{
    const char *path = getenv("GITHUB_STEP_SUMMARY");
    if (path == NULL || *path == '\0')
        return 0;
    FILE *f = fopen(path, "a");
    if (f == NULL) {
        fprintf(stderr, "pbprobe-report: --markdown-summary: %s (GITHUB_STEP_SUMMARY): %s\n", path,
                strerror(errno));
        return -1;
    }
    int rc = rs->n == 1 ? out_markdown(f, &rs->an[0]) : out_markdown_runs(f, rs);
    if (fclose(f) != 0 || rc < 0) {
        fprintf(stderr,
                "pbprobe-report: --markdown-summary: %s (GITHUB_STEP_SUMMARY): write failed: %s\n",
                path, strerror(errno));
        return -1;
    }
    return 0;
}

static int report(const struct rep_config *cfg, struct rep_runs *rs, struct baseline *base)
{
    char err[1024];
    FILE *out = stdout;
    if (cfg->baseline && baseline_load(cfg->baseline, base, err, sizeof err) < 0) {
        fprintf(stderr, "pbprobe-report: --baseline %s\n", err);
        return REP_EXIT_INPUT;
    }
    if (runs_split(cfg, rs, err, sizeof err) < 0) {
        fprintf(stderr, "pbprobe-report: %s\n", err);
        return REP_EXIT_INPUT;
    }
    for (int i = 0; i < rs->n; i++)
        if (ingest_run(&rs->an[i], &rs->run[i].cfg, err, sizeof err) < 0) {
            fprintf(stderr, "pbprobe-report: %s\n", err);
            return REP_EXIT_INPUT;
        }
    if (gate_check_names(rs->an, rs->n, cfg, err, sizeof err) < 0) {
        fprintf(stderr, "pbprobe-report: %s\n", err);
        return REP_EXIT_USAGE;
    }
    int matched = 0;
    for (int i = 0; i < rs->n && cfg->baseline; i++)
        matched += regression_apply(&rs->an[i], base);
    if (cfg->baseline && matched == 0) {
        /* the wrong artifact: nothing would be compared, and a gate of
         * regression rules would pass on nothing */
        fprintf(stderr,
                "pbprobe-report: --baseline %s: no target in common with the logs: the report of "
                "another service?\n",
                cfg->baseline);
        return REP_EXIT_INPUT;
    }
    for (int i = 0; i < rs->n; i++)
        if (gate_evaluate(&rs->an[i], &rs->run[i].cfg) < 0) {
            fprintf(stderr, "pbprobe-report: out of memory\n");
            return REP_EXIT_INPUT;
        }
    runs_judge(rs);
    /* the plots first: a report (JUnit's attachments) names only those drawn */
    for (int i = 0; i < rs->n; i++)
        if (rs->run[i].cfg.plot &&
            plot_draw(&rs->an[i], rs->run[i].cfg.plot, err, sizeof err) < 0) {
            fprintf(stderr, "pbprobe-report: %s\n", err);
            rs->run[i].cfg.plot = NULL;
        }
    if (cfg->output && (out = fopen(cfg->output, "w")) == NULL) {
        fprintf(stderr, "pbprobe-report: %s: cannot open for writing: %s\n", cfg->output,
                strerror(errno));
        return REP_EXIT_USAGE;
    }
    int rc = write_report(out, cfg, rs);
    if (fflush(out) != 0 || rc < 0 || (out != stdout && fclose(out) != 0)) {
        /* a report that did not reach its reader must not pass for one */
        fprintf(stderr, "pbprobe-report: %s: write failed: %s\n",
                cfg->output ? cfg->output : "standard output", strerror(errno));
        return REP_EXIT_INPUT;
    }
    if (cfg->markdown_summary && write_step_summary(rs) < 0)
        return REP_EXIT_INPUT;
    switch (rs->verdict) {
    case AN_PASS:
        return REP_EXIT_PASS;
    case AN_INCONCLUSIVE:
        return REP_EXIT_INCONCLUSIVE;
    case AN_FAIL:
        break;
    }
    return REP_EXIT_GATE;
}

int main(int argc, char **argv)
{
    struct rep_config cfg;
    struct rep_runs rs = {0};
    struct baseline base = {0};
    char err[512];
    int rc = options_parse(argc, argv, &cfg, err, sizeof err);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "pbprobe-report: %s\n", err);
        options_free(&cfg);
        return rc < 0 ? REP_EXIT_USAGE : REP_EXIT_PASS;
    }
    rc = report(&cfg, &rs, &base);
    runs_free(&rs);
    baseline_free(&base);
    options_free(&cfg);
    return rc;
}
