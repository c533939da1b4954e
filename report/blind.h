/* Blind intervals of one target: stretches of the schedule the prober did not
 * observe on time. A tick is blind when it was skipped (--max-inflight), sent
 * later than --max-lag after its scheduled time, failed while in flight
 * across a stall of the prober's own loop (the failure may be the prober's),
 * or is missing from the log (between requests, or after the last one up to
 * the time the schedule stopped). An interval starts at its first blind
 * tick's scheduled time and ends at the next observed tick's; when none
 * follows it ends one interval after its last blind tick, or where the log
 * stops ("open" when the log was cut short). Windows and bursts are judged on
 * observed ticks only: a blind tick neither opens nor closes one. */
#ifndef REP_BLIND_H
#define REP_BLIND_H

#include "analysis.h"

struct blind_state {
    int in;
    struct an_span cur; /* requests counts the blind ticks; end_us is provisional */
};

/* ticks blind ticks cover [from_us, until_us): one late tick covers its own
 * interval, missing ticks the gap they leave. */
void blind_add(struct blind_state *b, int64_t from_us, int64_t until_us, uint64_t ticks);

/* An observed tick at t_us ends the open interval there. Returns -1 when
 * memory is short, else 0. */
int blind_seen(struct blind_state *b, struct an_spans *out, int64_t t_us, int max_listed);

/* The end of the target's requests: an open interval ends where it reached;
 * open marks one the log does not close (cut short). Returns as blind_seen. */
int blind_end(struct blind_state *b, struct an_spans *out, int open, int max_listed);

#endif
