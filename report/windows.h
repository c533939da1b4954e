/* Downtime windows of one target: maximal runs of consecutive failed requests
 * in scheduled-time order. Its edges are on observed time, when each request
 * reached the server (scheduled time + delay, or + lag for one that failed
 * before it was written; ingest.c): a tick sent late saw the server as it was
 * then, not at its scheduled time. A window starts
 * when its first failure was sent and ends when the next success was sent;
 * when none follows (the log ends in failure) it is "open" and ends when its
 * last failure completed (the latest of them). Skipped and late ticks neither
 * open nor close a window. */
#ifndef REP_WINDOWS_H
#define REP_WINDOWS_H

#include "analysis.h"
#include "mix.h"

/* Requests are taken in scheduled-time order, but their observed times need
 * not be in order (one written after a slow connect): a window spans from
 * its earliest observed failure to its latest, at least, and never overlaps
 * the previous window, so no time is counted twice. */
struct win_state {
    int in;
    struct an_span cur;
    int64_t last_seen_us; /* the latest observed time among cur's failures */
    int64_t last_done_us; /* the latest completion among cur's failures */
    int64_t prev_end_us;  /* the previous window's end; 0 before the first */
    struct mixacc acc;
};

/* sent_us: when the failed request was sent; done_us: when it completed */
void win_fail(struct win_state *w, int64_t sent_us, int64_t done_us, int outcome);

/* Returns -1 when memory is short, else 0. */
/* sent_us: when the successful request was sent */
int win_ok(struct win_state *w, struct an_spans *out, int64_t sent_us, int max_listed);

/* The log ended: an open window is closed as "open". */
int win_end(struct win_state *w, struct an_spans *out, int max_listed);

#endif
