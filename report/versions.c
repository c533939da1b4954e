/* Version tracking (versions.h). Slots are numbered in order of first
 * appearance, so a switch to a lower slot is a return to an older version:
 * a flip-flop, which a clean rollout never shows after its mixed interval. */
#include <string.h>

#include "versions.h"

void versions_init(struct an_versions *v, struct ver_state *s)
{
    memset(v, 0, sizeof *v);
    memset(s, 0, sizeof *s);
    v->final = -1;
    v->mixed_start_us = v->mixed_end_us = -1;
    s->last = -1;
}

void versions_req(struct an_versions *v, struct ver_state *s, int vidx, const char *name,
                  int64_t t_us)
{
    int slot = s->slot_of[vidx] - 1;
    if (slot < 0) {
        if (v->n == AN_VERSIONS_MAX) {
            /* beyond the list: counted, and as one slot for switches */
            v->other_requests++;
            slot = AN_VERSIONS_MAX;
            goto count_switch;
        }
        slot = v->n++;
        s->slot_of[vidx] = (int8_t)(slot + 1);
        v->v[slot].name = name;
        v->v[slot].first_us = t_us;
    }
    v->v[slot].requests++;
    v->v[slot].last_us = t_us;
count_switch:
    if (s->last >= 0 && slot != s->last) {
        v->switches++;
        if (slot < s->last)
            v->flip_flops++;
    }
    s->last = slot;
}

void versions_finish(struct an_versions *v, const struct ver_state *s)
{
    v->final = s->last < AN_VERSIONS_MAX ? s->last : -1;
    if (v->final < 0 || v->n < 2)
        return;
    v->mixed_start_us = v->v[v->final].first_us;
    for (int i = 0; i < v->n; i++)
        if (i != v->final && v->v[i].last_us > v->mixed_end_us)
            v->mixed_end_us = v->v[i].last_us;
}
