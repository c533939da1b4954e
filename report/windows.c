/* The downtime window state machine (windows.h). */
#include "spans.h"
#include "windows.h"

void win_fail(struct win_state *w, int64_t sent_us, int64_t done_us, int outcome)
{
    if (!w->in) {
        w->in = 1;
        w->cur.start_us = sent_us;
        w->cur.requests = w->cur.failed = 0;
        w->last_seen_us = w->last_done_us = sent_us;
    }
    if (sent_us < w->cur.start_us)
        w->cur.start_us = sent_us;
    if (sent_us > w->last_seen_us)
        w->last_seen_us = sent_us;
    w->cur.requests++;
    w->cur.failed++;
    if (done_us > w->last_done_us)
        w->last_done_us = done_us;
    mixacc_add(&w->acc, outcome);
}

static int close_window(struct win_state *w, struct an_spans *out, int64_t end_us, int open,
                        int max_listed)
{
    w->in = 0;
    if (w->prev_end_us > w->cur.start_us)
        w->cur.start_us = w->prev_end_us;
    /* a success observed before a failure of the window (that one written
     * later) closes it no earlier than the failure */
    if (end_us < w->last_seen_us)
        end_us = w->last_seen_us;
    w->cur.end_us = end_us > w->cur.start_us ? end_us : w->cur.start_us;
    w->prev_end_us = w->cur.end_us;
    w->cur.open = open;
    w->cur.phase = -1;
    w->cur.event = -1;
    mixacc_take(&w->acc, &w->cur.mix);
    return spans_add(out, &w->cur, max_listed);
}

int win_ok(struct win_state *w, struct an_spans *out, int64_t sent_us, int max_listed)
{
    if (!w->in)
        return 0;
    return close_window(w, out, sent_us, 0, max_listed);
}

int win_end(struct win_state *w, struct an_spans *out, int max_listed)
{
    if (!w->in)
        return 0;
    return close_window(w, out, w->last_done_us, 1, max_listed);
}
