/* Requests and failures by peer, connection and HTTP version (splits.h). */
#include <stdlib.h>
#include <string.h>

#include "mix.h"
#include "splits.h"

/* Distinct failure outcomes counted per value; the failures of any further
 * outcome are counted as "others" (a peer failing eight ways at once is
 * already the whole story). */
#define SPLIT_OUTCOMES 8

struct acc {
    uint64_t requests, failed, rest;
    int nout;
    uint16_t outcome[SPLIT_OUTCOMES];
    uint64_t count[SPLIT_OUTCOMES];
};

struct split_state {
    struct acc *acc[AN_NSPLIT]; /* per attribute, indexed by its value's index */
    int cap[AN_NSPLIT];
};

void splits_free(struct split_state *s)
{
    if (s == NULL)
        return;
    for (int k = 0; k < AN_NSPLIT; k++)
        free(s->acc[k]);
    free(s);
}

static struct acc *slot(struct split_state *s, int k, int idx)
{
    if (idx >= s->cap[k]) {
        int cap = s->cap[k] ? s->cap[k] : 4;
        while (cap <= idx)
            cap *= 2;
        struct acc *n = realloc(s->acc[k], (size_t)cap * sizeof *n);
        if (n == NULL)
            return NULL;
        memset(n + s->cap[k], 0, (size_t)(cap - s->cap[k]) * sizeof *n);
        s->acc[k] = n;
        s->cap[k] = cap;
    }
    return &s->acc[k][idx];
}

static void count(struct acc *a, int outcome, int failed)
{
    a->requests++;
    if (!failed)
        return;
    a->failed++;
    for (int i = 0; i < a->nout; i++)
        if (a->outcome[i] == outcome) {
            a->count[i]++;
            return;
        }
    if (a->nout == SPLIT_OUTCOMES) {
        a->rest++;
        return;
    }
    a->outcome[a->nout] = (uint16_t)outcome;
    a->count[a->nout++] = 1;
}

int splits_req(struct split_state **sp, struct split_where w, int outcome, int failed)
{
    if (*sp == NULL && (*sp = calloc(1, sizeof **sp)) == NULL)
        return -1;
    const int idx[AN_NSPLIT] = {
        [AN_BY_PEER] = w.peer, [AN_BY_CONNECTION] = w.connection, [AN_BY_PROTOCOL] = w.protocol};
    for (int k = 0; k < AN_NSPLIT; k++) {
        struct acc *a = slot(*sp, k, idx[k]);
        if (a == NULL)
            return -1;
        count(a, outcome, failed);
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
        int n = 0;
        for (int i = 0; i < s->cap[k]; i++)
            n += s->acc[k][i].requests > 0;
        if (n == 0)
            continue;
        if ((by[k].v = calloc((size_t)n, sizeof *by[k].v)) == NULL)
            return -1;
        for (int i = 0; i < s->cap[k]; i++) {
            const struct acc *a = &s->acc[k][i];
            if (a->requests == 0)
                continue;
            struct an_split *v = &by[k].v[by[k].n++];
            v->key = key_of(an, k, i);
            v->requests = a->requests;
            v->failed = a->failed;
            for (int j = 0; j < a->nout; j++)
                mix_add(&v->mix, a->outcome[j], a->count[j]);
            v->mix.rest += a->rest;
            if (v->key != NULL)
                by[k].known = 1;
        }
        qsort(by[k].v, (size_t)by[k].n, sizeof *by[k].v, by_failures);
    }
    return 0;
}
