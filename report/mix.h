/* Counting the outcomes of one window or burst while it is open, then keeping
 * only the commonest (struct an_mix) when it closes. Reset costs what was
 * touched, not OUTCOME_MAX: a flapping target closes a window per failure. */
#ifndef REP_MIX_H
#define REP_MIX_H

#include <stdint.h>

#include "analysis.h"

struct mixacc {
    uint64_t count[OUTCOME_MAX];
    uint16_t touched[OUTCOME_MAX];
    int ntouched;
};

static inline void mixacc_add(struct mixacc *m, int outcome)
{
    if (m->count[outcome]++ == 0)
        m->touched[m->ntouched++] = (uint16_t)outcome;
}

/* Adds c failures of outcome o to a mix kept sorted (ties: lower outcome
 * first), each outcome added once; what does not fit goes to rest. */
void mix_add(struct an_mix *out, int o, uint64_t c);

/* Fills out with the commonest outcomes (ties: lower outcome first), empties m. */
void mixacc_take(struct mixacc *m, struct an_mix *out);

#endif
