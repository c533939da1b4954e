/* The lab's Deployment controller as a pure step: the observed pods of one
 * Deployment in, what Kubernetes' Deployment and ReplicaSet controllers would
 * do about them out; and the kubelet's readiness probe, one result at a time.
 * No I/O, no clock: the caller observes, calls, and acts. */
#ifndef PB_DECIDE_H
#define PB_DECIDE_H

#include <stddef.h>
#include <stdint.h>

enum decide_strategy {
    DECIDE_ROLLING_UPDATE,
    DECIDE_RECREATE,
};

/* The Deployment's spec, with maxSurge and maxUnavailable already resolved to
 * counts (decide_fenceposts). */
struct decide_spec {
    int replicas;
    enum decide_strategy strategy;
    int max_surge;
    int max_unavailable;
    int64_t min_ready_us;         /* minReadySeconds */
    int64_t progress_deadline_us; /* progressDeadlineSeconds */
};

/* One pod as observed. A terminating pod (deleted, not yet gone) is counted
 * by no ReplicaSet, so it holds no place in maxSurge; Recreate alone waits
 * for it to be gone. */
struct decide_pod {
    int id;
    int is_new;      /* of the Deployment's current template */
    int terminating; /* deleted: preStop, SIGTERM or the grace period running */
    int ready;       /* the readiness probe says so (or it runs and has none) */
    int64_t ready_since_us;
    int64_t created_us;
};

/* What a Deployment's status says (its replica counts). */
struct decide_status {
    int replicas;  /* pods not terminating, of every template */
    int updated;   /* of them, of the current template */
    int ready;     /* ready */
    int available; /* ready for minReadySeconds */
    int updated_available;
};

enum decide_condition {
    DECIDE_PROGRESSING,       /* the rollout goes on */
    DECIDE_COMPLETE,          /* replicas pods of the template, all available, no other */
    DECIDE_DEADLINE_EXCEEDED, /* nothing progressed for progressDeadlineSeconds */
};

/* One controller pass: the spec, the pods, the time, and what the previous
 * pass left (its status and the last time the rollout progressed). */
struct decide_input {
    const struct decide_spec *spec;
    const struct decide_pod *pods;
    size_t n_pods;
    int64_t now_us;
    struct decide_status last;
    int64_t last_progress_us;
};

/* The pass's actions: pods to create (of the current template), pods to
 * delete (ids, into a caller-owned array with room for n_pods), the new
 * status, and when to run again if nothing else happens (a pod reaching
 * minReadySeconds, the deadline; 0: no need). */
struct decide_output {
    int create;
    int *delete_ids;
    size_t n_delete;
    struct decide_status status;
    int progressed;
    int64_t progress_us;
    enum decide_condition condition;
    int64_t wake_us;
};

void decide(const struct decide_input *in, struct decide_output *out);

/* maxSurge and maxUnavailable, each a count or a percentage of replicas:
 * maxSurge rounds up, maxUnavailable down, and when both come out 0,
 * maxUnavailable is 1 (Kubernetes' ResolveFenceposts). */
void decide_fenceposts(int replicas, int surge, int surge_is_percent, int unavailable,
                       int unavailable_is_percent, int *out_surge, int *out_unavailable);

/* The kubelet's readiness probe of one container. */
struct decide_probe_spec {
    int64_t initial_delay_us;
    int64_t period_us;
    int success_threshold;
    int failure_threshold;
};

struct decide_probe {
    int ready;       /* what the kubelet reports: false until proven */
    int last_result; /* -1 none yet, 0 failure, 1 success */
    int result_run;  /* results equal to last_result in a row */
    int64_t next_us; /* when the next probe is due */
};

/* A container started at started_us: its probe state before any result. */
void decide_probe_start(const struct decide_probe_spec *spec, struct decide_probe *p,
                        int64_t started_us);

/* Records one probe result taken at now_us (success: 1 or 0) and schedules
 * the next; returns 1 when readiness changed. */
int decide_probe_result(const struct decide_probe_spec *spec, struct decide_probe *p, int success,
                        int64_t now_us);

#endif
