/* The formatters: each prints one finished struct analysis and computes
 * nothing. Each returns 0, or -1 when writing failed (errno is set). */
#ifndef REP_OUTPUT_H
#define REP_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "analysis.h"
#include "runs.h"

int out_text(FILE *f, const struct analysis *an);
int out_json(FILE *f, const struct analysis *an);
int out_junit(FILE *f, const struct analysis *an);
int out_markdown(FILE *f, const struct analysis *an);
int out_html(FILE *f, const struct analysis *an);
int out_openmetrics(FILE *f, const struct analysis *an);

/* Logs of several runs (runs.h): the verdict over all runs and a line per
 * run first, then each run's report as the single-run formatter writes it. */
int out_text_runs(FILE *f, const struct rep_runs *rs);
int out_json_runs(FILE *f, const struct rep_runs *rs);
int out_junit_runs(FILE *f, const struct rep_runs *rs);
int out_markdown_runs(FILE *f, const struct rep_runs *rs);
int out_html_runs(FILE *f, const struct rep_runs *rs);
int out_openmetrics_runs(FILE *f, const struct rep_runs *rs);

/* The gnuplot --plot runs (PATH, as execlp would), malloc'd; NULL when
 * there is none. */
char *plot_gnuplot_path(void);

/* Draws the plot with gnuplot (plot.c). Returns 0, or -1 with a one-line
 * reason in err; the rest of the report does not depend on it. */
int plot_draw(const struct analysis *an, const char *path, char *err, size_t errlen);

#endif
