/* The gate: the rules (--max-errors, --max-downtime, --max-window, --max-p99,
 * --min-requests, skipped ticks) applied to every target, giving the verdict
 * that becomes the exit code. */
#ifndef REP_GATE_H
#define REP_GATE_H

#include <stddef.h>

#include "analysis.h"

/* Every NAME: prefix must name a target of the logs (of any of the runs):
 * a typo must not make a rule silently apply to nothing. Returns 0, or -1
 * with err. */
int gate_check_names(const struct analysis *runs, int nruns, const struct rep_config *cfg,
                     char *err, size_t errlen);

/* Fills an->gate. Returns 0, or -1 when memory is short. */
int gate_evaluate(struct analysis *an, const struct rep_config *cfg);

#endif
