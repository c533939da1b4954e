/* The Deployment controller's decisions (decide.h), after Kubernetes'
 * pkg/controller/deployment (rolling.go, recreate.go, progress.go, and
 * deployment_util.go's NewRSNewReplicas, DeploymentProgressing,
 * DeploymentComplete) and the ReplicaSet controller's choice of which pods
 * to delete; the readiness probe after the kubelet's prober worker. The
 * ReplicaSet controller is taken to act at once: a ReplicaSet's replicas are
 * its pods that are not terminating. */
#include "decide.h"

#include <stdlib.h>
#include <string.h>

static int pod_available(const struct decide_spec *spec, const struct decide_pod *p, int64_t now_us)
{
    return p->ready && now_us - p->ready_since_us >= spec->min_ready_us;
}

static void status_of(const struct decide_input *in, struct decide_status *st)
{
    memset(st, 0, sizeof *st);
    for (size_t i = 0; i < in->n_pods; i++) {
        const struct decide_pod *p = &in->pods[i];
        if (p->terminating)
            continue;
        int available = pod_available(in->spec, p, in->now_us);
        st->replicas++;
        st->updated += p->is_new;
        st->ready += p->ready;
        st->available += available;
        st->updated_available += p->is_new && available;
    }
}

/* DeploymentProgressing: more pods of the template, fewer of the others,
 * more ready or more available ones. */
static int status_progressed(const struct decide_status *last, const struct decide_status *now)
{
    return now->updated > last->updated ||
           now->replicas - now->updated < last->replicas - last->updated ||
           now->ready > last->ready || now->available > last->available;
}

static int status_complete(const struct decide_spec *spec, const struct decide_status *st)
{
    return st->updated == spec->replicas && st->replicas == spec->replicas &&
           st->available == spec->replicas;
}

/* The order in which a ReplicaSet deletes its pods: not ready before ready,
 * then ready for less time first, then created later first (the
 * ReplicaSet controller's ranking, without the node and restart counts the
 * lab has not); the id breaks ties so that a decision is reproducible. */
struct ranked {
    const struct decide_pod *pod;
};

static int delete_order(const void *a, const void *b)
{
    const struct decide_pod *x = ((const struct ranked *)a)->pod;
    const struct decide_pod *y = ((const struct ranked *)b)->pod;
    if (x->ready != y->ready)
        return x->ready - y->ready;
    if (x->ready && x->ready_since_us != y->ready_since_us)
        return x->ready_since_us > y->ready_since_us ? -1 : 1;
    if (x->created_us != y->created_us)
        return x->created_us > y->created_us ? -1 : 1;
    return y->id - x->id;
}

/* Deletes up to n pods among those that pass want(), in deletion order;
 * returns how many it chose. A pod already chosen is never chosen again. */
static int delete_some(const struct decide_input *in, struct decide_output *out, int n,
                       int (*want)(const struct decide_input *, const struct decide_pod *))
{
    struct ranked *cand = calloc(in->n_pods ? in->n_pods : 1, sizeof *cand);
    size_t n_cand = 0;
    int chosen = 0;
    if (cand == NULL)
        return 0; /* nothing deleted: the next pass tries again */
    for (size_t i = 0; i < in->n_pods; i++) {
        const struct decide_pod *p = &in->pods[i];
        int taken = 0;
        for (size_t k = 0; k < out->n_delete; k++)
            taken |= out->delete_ids[k] == p->id;
        if (!p->terminating && !taken && want(in, p))
            cand[n_cand++].pod = p;
    }
    qsort(cand, n_cand, sizeof *cand, delete_order);
    for (size_t i = 0; i < n_cand && chosen < n; i++, chosen++)
        out->delete_ids[out->n_delete++] = cand[i].pod->id;
    free(cand);
    return chosen;
}

static int is_new(const struct decide_input *in, const struct decide_pod *p)
{
    (void)in;
    return p->is_new;
}

static int is_old(const struct decide_input *in, const struct decide_pod *p)
{
    (void)in;
    return !p->is_new;
}

static int is_old_unavailable(const struct decide_input *in, const struct decide_pod *p)
{
    return !p->is_new && !pod_available(in->spec, p, in->now_us);
}

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

/* rolloutRolling: scale the new ReplicaSet up first (and stop there: the
 * next pass sees the result), then the old ones down as far as
 * maxUnavailable allows, unavailable pods first. */
static void rolling(const struct decide_input *in, const struct decide_status *st,
                    struct decide_output *out)
{
    const struct decide_spec *spec = in->spec;
    int n_new = st->updated, n_old = st->replicas - st->updated;

    if (n_new > spec->replicas) { /* replicas lowered */
        delete_some(in, out, n_new - spec->replicas, is_new);
        return;
    }
    if (n_new < spec->replicas) {
        int room = spec->replicas + spec->max_surge - (n_new + n_old);
        out->create = room > 0 ? min_int(room, spec->replicas - n_new) : 0;
        if (out->create > 0)
            return;
    }
    if (n_old == 0)
        return;
    int min_available = spec->replicas - spec->max_unavailable;
    int new_unavailable = n_new - st->updated_available;
    int max_scaled_down = n_new + n_old - min_available - new_unavailable;
    if (max_scaled_down <= 0)
        return;
    /* cleanupUnhealthyReplicas: old pods that serve no one go first */
    int old_unavailable = n_old - (st->available - st->updated_available);
    int cleaned =
        delete_some(in, out, min_int(max_scaled_down, old_unavailable), is_old_unavailable);
    /* scaleDownOldReplicaSetsForRollingUpdate: down to minAvailable */
    if (st->available > min_available)
        delete_some(in, out, min_int(st->available - min_available, n_old - cleaned), is_old);
}

/* rolloutRecreate: every old pod deleted, and no new one created until the
 * old ones are gone, terminating ones included. */
static void recreate(const struct decide_input *in, const struct decide_status *st,
                     struct decide_output *out)
{
    const struct decide_spec *spec = in->spec;
    int n_new = st->updated, n_old = st->replicas - st->updated;
    if (n_old > 0) {
        delete_some(in, out, n_old, is_old);
        return;
    }
    for (size_t i = 0; i < in->n_pods; i++)
        if (!in->pods[i].is_new)
            return; /* an old pod still terminating */
    if (n_new < spec->replicas)
        out->create = spec->replicas - n_new;
    else if (n_new > spec->replicas)
        delete_some(in, out, n_new - spec->replicas, is_new);
}

static void wake_at(struct decide_output *out, int64_t t_us)
{
    if (out->wake_us == 0 || t_us < out->wake_us)
        out->wake_us = t_us;
}

void decide(const struct decide_input *in, struct decide_output *out)
{
    const struct decide_spec *spec = in->spec;
    out->create = 0;
    out->n_delete = 0;
    out->wake_us = 0;
    status_of(in, &out->status);
    out->progressed = status_progressed(&in->last, &out->status);
    out->progress_us = out->progressed ? in->now_us : in->last_progress_us;

    if (spec->strategy == DECIDE_RECREATE)
        recreate(in, &out->status, out);
    else
        rolling(in, &out->status, out);
    /* Creating pods is progress too: the new ReplicaSet's replicas grow. */
    if (out->create > 0) {
        out->progressed = 1;
        out->progress_us = in->now_us;
    }

    if (status_complete(spec, &out->status)) {
        out->condition = DECIDE_COMPLETE;
    } else if (in->now_us - out->progress_us >= spec->progress_deadline_us) {
        out->condition = DECIDE_DEADLINE_EXCEEDED;
    } else {
        out->condition = DECIDE_PROGRESSING;
        wake_at(out, out->progress_us + spec->progress_deadline_us);
    }
    /* A ready pod becomes available after minReadySeconds with no other
     * event to say so: the controller requeues itself for that moment. */
    for (size_t i = 0; i < in->n_pods; i++) {
        const struct decide_pod *p = &in->pods[i];
        if (!p->terminating && p->ready && !pod_available(spec, p, in->now_us))
            wake_at(out, p->ready_since_us + spec->min_ready_us);
    }
}

static int resolve(int value, int is_percent, int replicas, int round_up)
{
    if (!is_percent)
        return value;
    long scaled = (long)value * replicas;
    return (int)(round_up ? (scaled + 99) / 100 : scaled / 100);
}

void decide_fenceposts(int replicas, int surge, int surge_is_percent, int unavailable,
                       int unavailable_is_percent, int *out_surge, int *out_unavailable)
{
    *out_surge = resolve(surge, surge_is_percent, replicas, 1);
    *out_unavailable = resolve(unavailable, unavailable_is_percent, replicas, 0);
    /* both 0 could never make progress: Kubernetes lets one pod be unavailable */
    if (*out_surge == 0 && *out_unavailable == 0)
        *out_unavailable = 1;
}

void decide_probe_start(const struct decide_probe_spec *spec, struct decide_probe *p,
                        int64_t started_us)
{
    p->ready = 0;
    p->last_result = -1;
    p->result_run = 0;
    p->next_us = started_us + spec->initial_delay_us;
}

int decide_probe_result(const struct decide_probe_spec *spec, struct decide_probe *p, int success,
                        int64_t now_us)
{
    int was_ready = p->ready;
    success = success != 0;
    if (success == p->last_result) {
        p->result_run++;
    } else {
        p->last_result = success;
        p->result_run = 1;
    }
    /* A result changes readiness only once it has repeated its threshold:
     * one failure among successes keeps a pod ready, and the reverse. */
    if (success && p->result_run >= spec->success_threshold)
        p->ready = 1;
    else if (!success && p->result_run >= spec->failure_threshold)
        p->ready = 0;
    /* the kubelet probes on a ticker: a probe longer than the period skips
     * ticks, it does not bunch them up */
    p->next_us += spec->period_us;
    while (p->next_us <= now_us)
        p->next_us += spec->period_us;
    return p->ready != was_ready;
}
