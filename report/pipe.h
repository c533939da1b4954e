/* A one-way hand-off of released requests from ingest (reading, sorting,
 * merging: most of the work) to analysis, running on a second thread so the
 * two overlap on a two-core machine. Batches keep the locking rare; when the
 * thread cannot start, the batches are analysed inline, same result. */
#ifndef REP_PIPE_H
#define REP_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "analyze.h"

/* One request, as ingest releases it in scheduled-time order. */
struct pipe_req {
    int64_t t_us;
    uint32_t latency_us;
    uint32_t seen_after_us; /* from t_us to when it observed the server; 0 when not sent */
    uint16_t outcome;
    uint16_t vidx;
    uint32_t target;          /* index in analysis.targets */
    uint32_t missing;         /* ticks missing just before it, in its log */
    struct split_where where; /* peer, connection, protocol */
    int64_t missing_from_us;  /* when the first of them was due */
    int late;                 /* not observed on time (blind.h) */
};

struct pipe;

/* Starts the analysis side on an, with a's running state (its targets must
 * not move while it runs: see pipe_drain). Returns NULL when memory is
 * short. */
struct pipe *pipe_start(struct analysis *an, struct analyzer *a);

/* Queues one request. Returns 0, or -1 when the analysis side failed (out of
 * memory): then stop. */
int pipe_put(struct pipe *p, const struct pipe_req *q);

/* Waits until everything queued has been analysed, so that the caller may
 * change an->targets (add a target: the array may move). Returns as pipe_put. */
int pipe_drain(struct pipe *p);

/* Drains, stops the thread and frees; returns as pipe_put. */
int pipe_finish(struct pipe *p);

#endif
