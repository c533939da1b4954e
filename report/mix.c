/* Outcome mixes of windows and bursts (mix.h). */
#include <string.h>

#include "mix.h"

void mix_add(struct an_mix *out, int o, uint64_t c)
{
    /* insertion into the short sorted list; what falls off is "rest" */
    int pos = out->n;
    while (pos > 0 &&
           (out->count[pos - 1] < c || (out->count[pos - 1] == c && out->outcome[pos - 1] > o)))
        pos--;
    if (pos >= AN_MIX_MAX) {
        out->rest += c;
        return;
    }
    if (out->n == AN_MIX_MAX)
        out->rest += out->count[AN_MIX_MAX - 1];
    else
        out->n++;
    memmove(&out->outcome[pos + 1], &out->outcome[pos],
            (size_t)(out->n - 1 - pos) * sizeof out->outcome[0]);
    memmove(&out->count[pos + 1], &out->count[pos],
            (size_t)(out->n - 1 - pos) * sizeof out->count[0]);
    out->outcome[pos] = o;
    out->count[pos] = c;
}

void mixacc_take(struct mixacc *m, struct an_mix *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < m->ntouched; i++) {
        int o = m->touched[i];
        mix_add(out, o, m->count[o]);
        m->count[o] = 0;
    }
    m->ntouched = 0;
}
