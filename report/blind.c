/* The blind interval state machine (blind.h). */
#include "blind.h"
#include "spans.h"

void blind_add(struct blind_state *b, int64_t from_us, int64_t until_us, uint64_t ticks)
{
    if (!b->in) {
        b->in = 1;
        b->cur.start_us = from_us;
        b->cur.end_us = until_us;
        b->cur.requests = 0;
        b->cur.failed = 0;
        b->cur.open = 0;
        b->cur.phase = -1;
        b->cur.event = -1;
        b->cur.mix.n = 0;
        b->cur.mix.rest = 0;
    }
    if (until_us > b->cur.end_us)
        b->cur.end_us = until_us;
    b->cur.requests += ticks;
}

static int close_blind(struct blind_state *b, struct an_spans *out, int64_t end_us, int open,
                       int max_listed)
{
    b->in = 0;
    b->cur.end_us = end_us > b->cur.start_us ? end_us : b->cur.start_us;
    b->cur.open = open;
    return spans_add(out, &b->cur, max_listed);
}

int blind_seen(struct blind_state *b, struct an_spans *out, int64_t t_us, int max_listed)
{
    if (!b->in)
        return 0;
    return close_blind(b, out, t_us, 0, max_listed);
}

int blind_end(struct blind_state *b, struct an_spans *out, int open, int max_listed)
{
    if (!b->in)
        return 0;
    return close_blind(b, out, b->cur.end_us, open, max_listed);
}
