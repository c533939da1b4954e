/* Downtime windows of one target: maximal runs of consecutive failed requests
 * in scheduled-time order. A window starts at the scheduled time of its first
 * failure and ends at the scheduled time of the next success; when none
 * follows (the log ends in failure) it is "open" and ends when its last
 * failure completed (scheduled time + latency, the latest of its failures).
 * Skipped ticks neither open nor close a window. */
#ifndef REP_WINDOWS_H
#define REP_WINDOWS_H

#include "analysis.h"
#include "mix.h"

struct win_state {
    int in;
    struct an_span cur;
    int64_t last_done_us; /* the latest completion among cur's failures */
    struct mixacc acc;
};

void win_fail(struct win_state *w, int64_t t_us, int64_t latency_us, int outcome);

/* Returns -1 when memory is short, else 0. */
int win_ok(struct win_state *w, struct an_spans *out, int64_t t_us, int max_listed);

/* The log ended: an open window is closed as "open". */
int win_end(struct win_state *w, struct an_spans *out, int max_listed);

#endif
