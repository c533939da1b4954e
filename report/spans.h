/* The windows (or bursts) of one target: totals over all of them, and the
 * --list longest kept in fixed memory. A flapping target can close millions
 * of one-request windows; memory must not grow with them. */
#ifndef REP_SPANS_H
#define REP_SPANS_H

#include "analysis.h"

/* Counts sp and keeps it if it is among the max_listed longest. Returns 0, or
 * -1 when memory is short. */
int spans_add(struct an_spans *s, const struct an_span *sp, int max_listed);

/* Sorts what is kept by start time; call once, after the last spans_add. */
void spans_finish(struct an_spans *s);

void spans_free(struct an_spans *s);

#endif
