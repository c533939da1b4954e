/* The ingest -> analysis hand-off (pipe.h): a ring of batches between two
 * threads, a mutex and two condition variables. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "pipe.h"

#define BATCH 8192 /* requests: 192 KB, a few hundred lock round trips for 10M */
#define RING 4

struct batch {
    size_t n;
    struct pipe_req q[BATCH];
};

struct pipe {
    struct analysis *an;
    struct analyzer *analyzer;
    struct batch *ring[RING];
    struct batch *filling; /* the producer's, not in the ring */
    int head, count;       /* full batches waiting in the ring */
    int busy;              /* the consumer holds a batch */
    int stop, failed;
    int threaded;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t thread;
    struct batch *spare[RING + 2];
    int nspare;
};

static int analyse(struct analysis *an, struct analyzer *a, const struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct pipe_req *q = &b->q[i];
        int ti = (int)q->target;
        struct an_target *t = &an->targets[ti];
        if (q->missing)
            analyze_missing(a, ti, t, q->missing, q->missing_from_us, q->t_us);
        if (analyze_req(a, ti, t, q->t_us, q->t_us + q->seen_after_us, q->latency_us, q->outcome,
                        q->late, q->vidx, q->vidx ? an->version_names[q->vidx] : NULL,
                        q->where) < 0)
            return -1;
    }
    return 0;
}

static void *consumer(void *arg)
{
    struct pipe *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->count == 0 && !p->stop)
            pthread_cond_wait(&p->changed, &p->lock);
        if (p->count == 0)
            break;
        struct batch *b = p->ring[p->head];
        p->head = (p->head + 1) % RING;
        p->count--;
        p->busy = 1;
        int skip = p->failed; /* after a failure, batches are only recycled */
        pthread_mutex_unlock(&p->lock);
        int rc = skip ? 0 : analyse(p->an, p->analyzer, b);
        b->n = 0;
        pthread_mutex_lock(&p->lock);
        if (rc < 0)
            p->failed = 1;
        p->spare[p->nspare++] = b;
        p->busy = 0;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct pipe *pipe_start(struct analysis *an, struct analyzer *a)
{
    struct pipe *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->an = an;
    p->analyzer = a;
    for (int i = 0; i < RING + 1; i++) {
        if ((p->spare[p->nspare] = malloc(sizeof(struct batch))) == NULL) {
            for (int j = 0; j < p->nspare; j++)
                free(p->spare[j]);
            free(p);
            return NULL;
        }
        p->spare[p->nspare++]->n = 0;
    }
    p->filling = p->spare[--p->nspare];
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    p->threaded = pthread_create(&p->thread, NULL, consumer, p) == 0;
    return p;
}

/* Hands the filling batch over and takes an empty one. */
static int hand_over(struct pipe *p)
{
    if (!p->threaded) {
        int rc = analyse(p->an, p->analyzer, p->filling);
        p->filling->n = 0;
        return rc;
    }
    pthread_mutex_lock(&p->lock);
    while (p->nspare == 0 && !p->failed)
        pthread_cond_wait(&p->changed, &p->lock);
    if (!p->failed) {
        p->ring[(p->head + p->count) % RING] = p->filling;
        p->count++;
        p->filling = p->spare[--p->nspare];
        pthread_cond_broadcast(&p->changed);
    }
    int rc = p->failed ? -1 : 0;
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int pipe_put(struct pipe *p, const struct pipe_req *q)
{
    struct batch *b = p->filling;
    b->q[b->n++] = *q;
    return b->n == BATCH ? hand_over(p) : 0;
}

int pipe_drain(struct pipe *p)
{
    if (p->filling->n && hand_over(p) < 0)
        return -1;
    if (!p->threaded)
        return 0;
    pthread_mutex_lock(&p->lock);
    while ((p->count || p->busy) && !p->failed)
        pthread_cond_wait(&p->changed, &p->lock);
    int rc = p->failed ? -1 : 0;
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int pipe_finish(struct pipe *p)
{
    if (p == NULL)
        return 0;
    int rc = pipe_drain(p);
    if (p->threaded) {
        pthread_mutex_lock(&p->lock);
        p->stop = 1;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->thread, NULL);
    }
    free(p->filling);
    for (int i = 0; i < p->nspare; i++)
        free(p->spare[i]);
    for (int i = 0; i < p->count; i++)
        free(p->ring[(p->head + i) % RING]);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->changed);
    free(p);
    return rc;
}
