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

/* Failures of one peer in one second of the series: the plot's colours by
 * peer. Merged while they come in runs; at most one a failure. */
struct peer_fail {
    uint32_t second;
    uint16_t peer;
    uint32_t n;
};

struct split_state {
    struct dim dim[AN_NSPLIT];
    struct peer_fail *pf;
    size_t npf, pfcap;
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
    free(s->pf);
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

/* Requests come in scheduled order: a second's failures are at the end,
 * peers taking turns among them. */
#define PEER_FAIL_LOOKBACK 8

static int peer_failed(struct split_state *s, uint16_t peer, uint32_t second)
{
    for (size_t i = s->npf, k = 0; i > 0 && k < PEER_FAIL_LOOKBACK; i--, k++) {
        struct peer_fail *f = &s->pf[i - 1];
        if (f->second != second)
            break;
        if (f->peer == peer) {
            f->n++;
            return 0;
        }
    }
    if (s->npf == s->pfcap) {
        size_t cap = s->pfcap ? s->pfcap * 2 : 64;
        struct peer_fail *grown = realloc(s->pf, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        s->pf = grown;
        s->pfcap = cap;
    }
    s->pf[s->npf++] = (struct peer_fail){second, peer, 1};
    return 0;
}

int splits_req(struct split_state **sp, struct split_where w, int outcome, int failed,
               uint32_t second)
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
    return failed ? peer_failed(*sp, w.peer, second) : 0;
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

int splits_peer_series(struct an_peer_series *ps, const struct split_state *s,
                       const struct an_splits *by_peer, const struct analysis *an,
                       uint32_t series_len)
{
    memset(ps, 0, sizeof *ps);
    if (s == NULL || by_peer->failing < 2 || series_len == 0)
        return 0;
    int n = by_peer->failing < AN_PEER_SERIES ? by_peer->failing : AN_PEER_SERIES;
    for (int j = 0; j < n; j++) {
        ps->peer[j] = by_peer->v[j].key;
        if ((ps->failed[j] = calloc(series_len, sizeof *ps->failed[j])) == NULL)
            return -1;
        ps->n = j + 1;
    }
    for (size_t i = 0; i < s->npf; i++) {
        const struct peer_fail *f = &s->pf[i];
        /* the keys are the interned strings themselves: compared as pointers */
        const char *key = key_of(an, AN_BY_PEER, f->peer);
        for (int j = 0; j < n; j++)
            if (ps->peer[j] == key && f->second < series_len) {
                ps->failed[j][f->second] += f->n;
                break;
            }
    }
    return 0;
}
