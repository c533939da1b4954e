/* pbprobe-report: reads pbprobe logs and tells whether users saw downtime,
 * then exits with the gate's verdict. The flow is one way: options -> config
 * -> ingest (reader, sort, merge) -> analysis -> gate -> one formatter. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "analyze.h"
#include "config.h"
#include "dbanalysis.h"
#include "gate.h"
#include "ingest.h"
#include "options.h"
#include "output.h"

static int report(const struct rep_config *cfg, struct analysis *an)
{
    char err[1024];
    FILE *out = stdout;
    int rc = 0;
    if (ingest_run(an, cfg, err, sizeof err) < 0 || analyze_finish(an, err, sizeof err) < 0 ||
        dbanalysis_finish(&an->db, an->ntargets, err, sizeof err) < 0) {
        fprintf(stderr, "pbprobe-report: %s\n", err);
        return REP_EXIT_INPUT;
    }
    if (gate_check_names(an, cfg, err, sizeof err) < 0) {
        fprintf(stderr, "pbprobe-report: %s\n", err);
        return REP_EXIT_USAGE;
    }
    if (gate_evaluate(an, cfg) < 0) {
        fprintf(stderr, "pbprobe-report: out of memory\n");
        return REP_EXIT_INPUT;
    }
    if (cfg->output && (out = fopen(cfg->output, "w")) == NULL) {
        fprintf(stderr, "pbprobe-report: %s: cannot open for writing: %s\n", cfg->output,
                strerror(errno));
        return REP_EXIT_USAGE;
    }
    switch (cfg->format) {
    case REP_FMT_TEXT:
        rc = out_text(out, an);
        break;
    case REP_FMT_JSON:
        rc = out_json(out, an);
        break;
    case REP_FMT_JUNIT:
        rc = out_junit(out, an);
        break;
    case REP_FMT_MARKDOWN:
        rc = out_markdown(out, an);
        break;
    }
    if (fflush(out) != 0 || rc < 0 || (out != stdout && fclose(out) != 0)) {
        /* a report that did not reach its reader must not pass for one */
        fprintf(stderr, "pbprobe-report: %s: write failed: %s\n",
                cfg->output ? cfg->output : "standard output", strerror(errno));
        return REP_EXIT_INPUT;
    }
    if (cfg->plot && plot_draw(an, cfg->plot, err, sizeof err) < 0)
        fprintf(stderr, "pbprobe-report: %s\n", err);
    switch (an->gate.verdict) {
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
    struct analysis an = {0};
    char err[512];
    int rc = options_parse(argc, argv, &cfg, err, sizeof err);
    if (rc == REP_EXIT_USAGE)
        fprintf(stderr, "pbprobe-report: %s\n", err);
    if (rc >= 0) {
        options_free(&cfg);
        return rc;
    }
    rc = report(&cfg, &an);
    analysis_free(&an);
    options_free(&cfg);
    return rc;
}
