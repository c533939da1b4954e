/* Reading the logs through lib/logread and feeding analyze.c in scheduled-time
 * order, one target's requests at a time, with several logs merged by time. */
#ifndef REP_INGEST_H
#define REP_INGEST_H

#include <stddef.h>

#include "analysis.h"

/* Fills an (targets, logs, timeline, notes, the database lane) from
 * cfg->logs and finishes it: the analysis is complete on return. Returns 0, or -1 with one line in
 * err ("a.log:12: req: bad outcome \"2x0\""): an unreadable log, a malformed line without
 * --lenient, or lines out of order beyond --reorder-horizon. */
int ingest_run(struct analysis *an, const struct rep_config *cfg, char *err, size_t errlen);

#endif
