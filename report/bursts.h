/* Error bursts of one target: failures that are not a total outage (one
 * backend of two broken, half the requests failing). A cluster is a run of
 * failures each at most --burst-gap after the previous one, successes in
 * between allowed; on observed time like windows (windows.h): it starts when
 * its first failure was sent and ends when the next success after its last
 * failure was sent (open when none follows, as for windows). A cluster in which every request
 * failed is exactly one downtime window and is reported as that, not again as a burst. */
#ifndef REP_BURSTS_H
#define REP_BURSTS_H

#include "analysis.h"
#include "mix.h"

struct burst_state {
    int in;
    struct an_span cur;   /* requests and failed count up to the last failure */
    int64_t last_fail_us; /* the latest observed time among its failures */
    int64_t prev_end_us;  /* the previous burst's end; 0 before the first (windows.h) */
    int64_t last_done_us; /* latest completion among its failures */
    uint64_t ok_after;    /* successes since the last failure, not yet known inside */
    int64_t first_ok_after_us;
    struct mixacc acc;
};

/* sent_us: when the request was sent; done_us: when it completed */
int burst_fail(struct burst_state *b, struct an_spans *out, int64_t sent_us, int64_t done_us,
               int outcome, int64_t gap_us, int max_listed);
int burst_ok(struct burst_state *b, struct an_spans *out, int64_t sent_us, int64_t gap_us,
             int max_listed);
int burst_end(struct burst_state *b, struct an_spans *out, int max_listed);

#endif
