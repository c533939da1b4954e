/* Requests and failures by peer, connection and HTTP version (splits.h). */
#include <stdlib.h>
#include <string.h>

#include "mix.h"
#include "splits.h"

/* A failure outcome of one value and how often: every outcome is counted,
 * so that the mix lists the commonest. */
struct count {
    int outcome;
    uint64_t n;
};

struct acc {
    int idx; /* the value's index (analysis.peer_names and the like) */
    uint64_t requests, failed;
    struct count *out;
    int nout, outcap;
};

/* One attribute: the values seen, dense, found by their global index. */
struct dim {
    uint16_t *slot_of; /* global index -> slot + 1, 0 unseen */
    int nslot_of;
    struct acc *acc;
    int n, cap;
};

struct split_state {
    struct dim dim[AN_NSPLIT];
};

void splits_free(struct split_state *s)
{
    if (s == NULL)
        return;
    for (int k = 0; k < AN_NSPLIT; k++) {
        for (int i = 0; i < s->dim[k].n; i++)
            free(s->dim[k].acc[i].out);
        free(s->dim[k].acc);
        free(s->dim[k].slot_of);
    }
    free(s);
}

static struct acc *slot(struct dim *d, int idx)
{
    if (idx >= d->nslot_of) {
        int n = d->nslot_of ? d->nslot_of : 4;
        while (n <= idx)
            n *= 2;
        uint16_t *grown = realloc(d->slot_of, (size_t)n * sizeof *grown);
        if (grown == NULL)
            return NULL;
        memset(grown + d->nslot_of, 0, (size_t)(n - d->nslot_of) * sizeof *grown);
        d->slot_of = grown;
        d->nslot_of = n;
    }
    if (d->slot_of[idx])
        return &d->acc[d->slot_of[idx] - 1];
    if (d->n == d->cap) {
        int cap = d->cap ? d->cap * 2 : 4;
        struct acc *grown = realloc(d->acc, (size_t)cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        d->acc = grown;
        d->cap = cap;
    }
    struct acc *a = &d->acc[d->n++];
    memset(a, 0, sizeof *a);
    a->idx = idx;
    d->slot_of[idx] = (uint16_t)d->n;
    return a;
}

static int count(struct acc *a, int outcome, int failed)
{
    a->requests++;
    if (!failed)
        return 0;
    a->failed++;
    for (int i = 0; i < a->nout; i++)
        if (a->out[i].outcome == outcome) {
            a->out[i].n++;
            return 0;
        }
    if (a->nout == a->outcap) {
        int cap = a->outcap ? a->outcap * 2 : 2;
        struct count *grown = realloc(a->out, (size_t)cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        a->out = grown;
        a->outcap = cap;
    }
    a->out[a->nout++] = (struct count){outcome, 1};
    return 0;
}

int splits_req(struct split_state **sp, struct split_where w, int outcome, int failed)
{
    if (*sp == NULL && (*sp = calloc(1, sizeof **sp)) == NULL)
        return -1;
    const int idx[AN_NSPLIT] = {
        [AN_BY_PEER] = w.peer, [AN_BY_CONNECTION] = w.connection, [AN_BY_PROTOCOL] = w.protocol};
    for (int k = 0; k < AN_NSPLIT; k++) {
        struct acc *a = slot(&(*sp)->dim[k], idx[k]);
        if (a == NULL || count(a, outcome, failed) < 0)
            return -1;
    }
    return 0;
}

static const char *key_of(const struct analysis *an, int k, int idx)
{
    static const char *const connection[] = {
        [SPLIT_CONN_UNKNOWN] = NULL, [SPLIT_CONN_NEW] = "new", [SPLIT_CONN_REUSED] = "reused"};
    if (k == AN_BY_CONNECTION)
        return idx < (int)(sizeof connection / sizeof *connection) ? connection[idx] : NULL;
    if (idx == 0)
        return NULL;
    return k == AN_BY_PEER ? an->peer_names[idx] : an->protocol_names[idx];
}

static int by_failures(const void *pa, const void *pb)
{
    const struct an_split *a = pa, *b = pb;
    if (a->failed != b->failed)
        return a->failed < b->failed ? 1 : -1;
    if (a->requests != b->requests)
        return a->requests < b->requests ? 1 : -1;
    if (a->key == NULL || b->key == NULL) /* none or unknown last */
        return (a->key == NULL) - (b->key == NULL);
    return strcmp(a->key, b->key);
}

int splits_finish(struct an_splits by[AN_NSPLIT], const struct split_state *s,
                  const struct analysis *an)
{
    for (int k = 0; k < AN_NSPLIT; k++)
        memset(&by[k], 0, sizeof by[k]);
    if (s == NULL)
        return 0;
    for (int k = 0; k < AN_NSPLIT; k++) {
        const struct dim *d = &s->dim[k];
        if (d->n == 0)
            continue;
        if ((by[k].v = calloc((size_t)d->n, sizeof *by[k].v)) == NULL)
            return -1;
        for (int i = 0; i < d->n; i++) {
            const struct acc *a = &d->acc[i];
            struct an_split *v = &by[k].v[by[k].n++];
            v->key = key_of(an, k, a->idx);
            v->requests = a->requests;
            v->failed = a->failed;
            for (int j = 0; j < a->nout; j++)
                mix_add(&v->mix, a->out[j].outcome, a->out[j].n);
            if (v->key != NULL)
                by[k].known = 1;
            if (v->failed)
                by[k].failing++;
            else
                by[k].clean_requests += v->requests;
        }
        qsort(by[k].v, (size_t)by[k].n, sizeof *by[k].v, by_failures);
    }
    return 0;
}
