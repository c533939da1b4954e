/* The error burst state machine (bursts.h). */
#include "bursts.h"
#include "spans.h"

/* at_end: the log ended, so no success can follow any more. A cluster closed
 * by a late failure with no success in between ends when its last failure
 * completed, like an open one, but is not open: requests went on. */
static int close_burst(struct burst_state *b, struct an_spans *out, int max_listed, int at_end)
{
    b->in = 0;
    if (b->prev_end_us > b->cur.start_us)
        b->cur.start_us = b->prev_end_us; /* no time counted twice (windows.h) */
    if (b->first_ok_after_us >= 0) {
        /* never before its last failure: observed times are not in order */
        b->cur.end_us =
            b->first_ok_after_us > b->last_fail_us ? b->first_ok_after_us : b->last_fail_us;
        b->cur.open = 0;
    } else {
        b->cur.end_us = b->last_done_us;
        b->cur.open = at_end;
    }
    if (b->cur.end_us < b->cur.start_us)
        b->cur.end_us = b->cur.start_us;
    b->prev_end_us = b->cur.end_us;
    b->cur.phase = -1;
    b->cur.event = -1;
    mixacc_take(&b->acc, &b->cur.mix);
    if (b->cur.failed == b->cur.requests)
        return 0; /* a total outage: one downtime window, not a burst */
    return spans_add(out, &b->cur, max_listed);
}

int burst_fail(struct burst_state *b, struct an_spans *out, int64_t sent_us, int64_t done_us,
               int outcome, int64_t gap_us, int max_listed)
{
    if (b->in && sent_us - b->last_fail_us > gap_us && close_burst(b, out, max_listed, 0) < 0)
        return -1;
    if (!b->in) {
        b->in = 1;
        b->cur.start_us = sent_us;
        b->cur.requests = b->cur.failed = 0;
        b->last_done_us = b->last_fail_us = sent_us;
        b->ok_after = 0;
    }
    if (sent_us < b->cur.start_us)
        b->cur.start_us = sent_us;
    /* the successes since the previous failure fall inside the burst */
    b->cur.requests += b->ok_after + 1;
    b->cur.failed++;
    b->ok_after = 0;
    b->first_ok_after_us = -1;
    if (sent_us > b->last_fail_us)
        b->last_fail_us = sent_us;
    if (done_us > b->last_done_us)
        b->last_done_us = done_us;
    mixacc_add(&b->acc, outcome);
    return 0;
}

int burst_ok(struct burst_state *b, struct an_spans *out, int64_t sent_us, int64_t gap_us,
             int max_listed)
{
    if (!b->in)
        return 0;
    if (b->first_ok_after_us < 0)
        b->first_ok_after_us = sent_us;
    if (sent_us - b->last_fail_us > gap_us)
        return close_burst(b, out, max_listed, 0);
    b->ok_after++;
    return 0;
}

int burst_end(struct burst_state *b, struct an_spans *out, int max_listed)
{
    if (!b->in)
        return 0;
    return close_burst(b, out, max_listed, 1);
}
