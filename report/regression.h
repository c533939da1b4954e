/* A run against its baseline (--baseline): per target, the earlier run's
 * figures and the change, computed once for the gate and every formatter. */
#ifndef REP_REGRESSION_H
#define REP_REGRESSION_H

#include "analysis.h"
#include "baseline.h"

/* Fills each target's base and an->baseline; a target of the baseline that
 * the run lacks is a note. Returns how many of the run's targets the
 * baseline has. */
int regression_apply(struct analysis *an, const struct baseline *b);

#endif
