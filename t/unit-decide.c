/* Unit tests of lab/driver/decide.c: each rule of the Deployment controller,
 * the ReplicaSet's choice of pods to delete and the kubelet's readiness
 * probe, pinned on small observed states written out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decide.h"

#define S 1000000LL /* one second in microseconds */

/* maxSurge 1, maxUnavailable 0, as manifests/base/web.yaml */
static const struct decide_spec rolling_spec = {
    .replicas = 2,
    .strategy = DECIDE_ROLLING_UPDATE,
    .max_surge = 1,
    .max_unavailable = 0,
    .min_ready_us = 0,
    .progress_deadline_us = 45 * S,
};

/* A pass over pods at now_us, the last progress at now_us (so no deadline). */
struct pass {
    struct decide_input in;
    struct decide_output out;
    int ids[16];
};

static struct pass *run(const struct decide_spec *spec, const struct decide_pod *pods, size_t n,
                        int64_t now_us)
{
    static struct pass p;
    memset(&p, 0, sizeof p);
    p.in.spec = spec;
    p.in.pods = pods;
    p.in.n_pods = n;
    p.in.now_us = now_us;
    p.in.last_progress_us = now_us;
    p.out.delete_ids = p.ids;
    decide(&p.in, &p.out);
    return &p;
}

/* pods: old ready since 1 s, created at 0 unless said */
static struct decide_pod pod(int id, int is_new, int ready, int terminating)
{
    struct decide_pod p = {.id = id,
                           .is_new = is_new,
                           .ready = ready,
                           .terminating = terminating,
                           .ready_since_us = ready ? 1 * S : 0,
                           .created_us = 0};
    return p;
}

static void rolling_surges_one_above_replicas(void **state)
{
    (void)state;
    struct decide_pod pods[] = {pod(1, 0, 1, 0), pod(2, 0, 1, 0)};
    struct pass *p = run(&rolling_spec, pods, 2, 10 * S);
    assert_int_equal(p->out.create, 1);
    assert_int_equal(p->out.n_delete, 0);
    assert_int_equal(p->out.condition, DECIDE_PROGRESSING);
}

static void rolling_keeps_old_until_a_new_one_is_available(void **state)
{
    (void)state;
    struct decide_pod pods[] = {pod(1, 0, 1, 0), pod(2, 0, 1, 0), pod(3, 1, 0, 0)};
    struct pass *p = run(&rolling_spec, pods, 3, 10 * S);
    assert_int_equal(p->out.create, 0); /* replicas + maxSurge reached */
    assert_int_equal(p->out.n_delete, 0);
}

static void rolling_deletes_one_old_once_a_new_one_is_available(void **state)
{
    (void)state;
    struct decide_pod pods[] = {pod(1, 0, 1, 0), pod(2, 0, 1, 0), pod(3, 1, 1, 0)};
    pods[1].ready_since_us = 2 * S; /* ready for less time: deleted first */
    struct pass *p = run(&rolling_spec, pods, 3, 10 * S);
    assert_int_equal(p->out.create, 0);
    assert_int_equal(p->out.n_delete, 1);
    assert_int_equal(p->ids[0], 2);
}

static void terminating_pods_hold_no_place_in_the_surge(void **state)
{
    (void)state;
    /* old 1 is terminating (preStop, grace period): the next new one starts */
    struct decide_pod pods[] = {pod(1, 0, 1, 1), pod(2, 0, 1, 0), pod(3, 1, 1, 0)};
    struct pass *p = run(&rolling_spec, pods, 3, 10 * S);
    assert_int_equal(p->out.create, 1);
    assert_int_equal(p->out.n_delete, 0);
    assert_int_equal(p->out.status.replicas, 2);
}

static void max_unavailable_lets_an_old_pod_go_before_a_new_one_starts(void **state)
{
    (void)state;
    struct decide_spec spec = rolling_spec;
    spec.max_surge = 0;
    spec.max_unavailable = 1;
    struct decide_pod pods[] = {pod(1, 0, 1, 0), pod(2, 0, 1, 0)};
    struct pass *p = run(&spec, pods, 2, 10 * S);
    assert_int_equal(p->out.create, 0);
    assert_int_equal(p->out.n_delete, 1);
    pods[p->ids[0] - 1].terminating = 1;
    p = run(&spec, pods, 2, 11 * S);
    assert_int_equal(p->out.create, 1);
    assert_int_equal(p->out.n_delete, 0);
}

static void unavailable_old_pods_are_deleted_first(void **state)
{
    (void)state;
    /* old 1 ready, old 2 not: once new 3 is available, 2 goes, not 1 */
    struct decide_pod pods[] = {pod(1, 0, 1, 0), pod(2, 0, 0, 0), pod(3, 1, 1, 0)};
    struct pass *p = run(&rolling_spec, pods, 3, 10 * S);
    assert_int_equal(p->out.n_delete, 1);
    assert_int_equal(p->ids[0], 2);
    /* while the new one is not available, not even an unready old one goes */
    pods[2].ready = 0;
    p = run(&rolling_spec, pods, 3, 10 * S);
    assert_int_equal(p->out.n_delete, 0);
    assert_int_equal(p->out.create, 0);
}

static void min_ready_seconds_delays_availability_and_wakes_the_controller(void **state)
{
    (void)state;
    struct decide_spec spec = rolling_spec;
    spec.min_ready_us = 5 * S;
    struct decide_pod pods[] = {pod(1, 0, 1, 0), pod(2, 0, 1, 0), pod(3, 1, 1, 0)};
    pods[2].ready_since_us = 8 * S;
    struct pass *p = run(&spec, pods, 3, 10 * S);
    assert_int_equal(p->out.n_delete, 0); /* ready, not yet available */
    assert_int_equal(p->out.status.ready, 3);
    assert_int_equal(p->out.status.available, 2);
    assert_int_equal(p->out.wake_us, 13 * S);
    p = run(&spec, pods, 3, 13 * S);
    assert_int_equal(p->out.n_delete, 1);
    assert_int_equal(p->out.status.available, 3);
}

static void no_progress_for_the_deadline_is_deadline_exceeded(void **state)
{
    (void)state;
    /* the new pod never gets ready: nothing changes from pass to pass */
    struct decide_pod pods[] = {pod(1, 0, 1, 0), pod(2, 0, 1, 0), pod(3, 1, 0, 0)};
    struct decide_output out = {0};
    int ids[4];
    struct decide_input in = {.spec = &rolling_spec, .pods = pods, .n_pods = 3};
    in.last_progress_us = 10 * S;
    out.delete_ids = ids;
    in.now_us = 10 * S;
    decide(&in, &out);
    in.last = out.status;
    in.now_us = 54 * S;
    decide(&in, &out);
    assert_int_equal(out.progressed, 0);
    assert_int_equal(out.condition, DECIDE_PROGRESSING);
    assert_int_equal(out.wake_us, 55 * S); /* the deadline, to be checked when it falls */
    in.now_us = 55 * S;
    decide(&in, &out);
    assert_int_equal(out.condition, DECIDE_DEADLINE_EXCEEDED);
    /* any progress resets it: the new pod gets ready */
    pods[2].ready = 1;
    pods[2].ready_since_us = 55 * S;
    decide(&in, &out);
    assert_int_equal(out.progressed, 1);
    assert_int_equal(out.progress_us, 55 * S);
    assert_int_equal(out.condition, DECIDE_PROGRESSING);
}

static void old_pods_scaled_down_count_as_progress(void **state)
{
    (void)state;
    struct decide_pod pods[] = {pod(1, 0, 1, 0), pod(2, 0, 1, 1), pod(3, 1, 1, 0)};
    struct decide_input in = {.spec = &rolling_spec, .pods = pods, .n_pods = 3, .now_us = 20 * S};
    struct decide_output out = {0};
    int ids[4];
    out.delete_ids = ids;
    in.last = (struct decide_status){.replicas = 3, .updated = 1, .ready = 3, .available = 3};
    in.last_progress_us = 1 * S;
    decide(&in, &out);
    assert_int_equal(out.progressed, 1);
    assert_int_equal(out.progress_us, 20 * S);
}

static void complete_counts_no_terminating_pod(void **state)
{
    (void)state;
    struct decide_pod pods[] = {pod(1, 0, 1, 1), pod(2, 1, 1, 0), pod(3, 1, 1, 0)};
    struct pass *p = run(&rolling_spec, pods, 3, 10 * S);
    assert_int_equal(p->out.condition, DECIDE_COMPLETE);
    assert_int_equal(p->out.create, 0);
    assert_int_equal(p->out.n_delete, 0);
    assert_int_equal(p->out.wake_us, 0);
}

static void fewer_replicas_delete_the_newest_ready_pod(void **state)
{
    (void)state;
    struct decide_pod pods[] = {pod(1, 1, 1, 0), pod(2, 1, 1, 0), pod(3, 1, 1, 0)};
    pods[1].ready_since_us = 3 * S;
    struct pass *p = run(&rolling_spec, pods, 3, 10 * S);
    assert_int_equal(p->out.n_delete, 1);
    assert_int_equal(p->ids[0], 2);
}

static void recreate_deletes_every_old_pod_and_waits_for_them_to_be_gone(void **state)
{
    (void)state;
    struct decide_spec spec = rolling_spec;
    spec.strategy = DECIDE_RECREATE;
    struct decide_pod pods[] = {pod(1, 0, 1, 0), pod(2, 0, 0, 0)};
    struct pass *p = run(&spec, pods, 2, 10 * S);
    assert_int_equal(p->out.n_delete, 2);
    assert_int_equal(p->out.create, 0);
    pods[0].terminating = pods[1].terminating = 1;
    p = run(&spec, pods, 2, 11 * S);
    assert_int_equal(p->out.n_delete, 0);
    assert_int_equal(p->out.create, 0); /* not while an old pod terminates */
    p = run(&spec, pods, 0, 12 * S);
    assert_int_equal(p->out.create, 2);
}

static void deletion_order_is_unready_then_recently_ready_then_newest(void **state)
{
    (void)state;
    struct decide_spec spec = rolling_spec;
    spec.strategy = DECIDE_RECREATE;
    struct decide_pod pods[] = {pod(1, 0, 1, 0), pod(2, 0, 1, 0), pod(3, 0, 0, 0), pod(4, 0, 0, 0)};
    pods[0].ready_since_us = 5 * S; /* ready more recently than 2 */
    pods[3].created_us = 2 * S;     /* created after 3 */
    struct pass *p = run(&spec, pods, 4, 10 * S);
    assert_int_equal(p->out.n_delete, 4);
    assert_int_equal(p->ids[0], 4);
    assert_int_equal(p->ids[1], 3);
    assert_int_equal(p->ids[2], 1);
    assert_int_equal(p->ids[3], 2);
}

static void fenceposts_round_surge_up_and_unavailable_down(void **state)
{
    (void)state;
    int surge, unavailable;
    decide_fenceposts(10, 25, 1, 25, 1, &surge, &unavailable);
    assert_int_equal(surge, 3);
    assert_int_equal(unavailable, 2);
    decide_fenceposts(3, 10, 1, 10, 1, &surge, &unavailable);
    assert_int_equal(surge, 1);
    assert_int_equal(unavailable, 0);
    decide_fenceposts(3, 0, 0, 0, 0, &surge, &unavailable);
    assert_int_equal(surge, 0);
    assert_int_equal(unavailable, 1); /* else no rollout could progress */
    decide_fenceposts(3, 2, 0, 1, 0, &surge, &unavailable);
    assert_int_equal(surge, 2);
    assert_int_equal(unavailable, 1);
}

static const struct decide_probe_spec probe_spec = {
    .initial_delay_us = 1 * S,
    .period_us = 2 * S,
    .success_threshold = 1,
    .failure_threshold = 2,
};

static void probe_waits_its_initial_delay_and_is_unready_until_a_success(void **state)
{
    (void)state;
    struct decide_probe p;
    decide_probe_start(&probe_spec, &p, 100 * S);
    assert_int_equal(p.ready, 0);
    assert_int_equal(p.next_us, 101 * S);
    assert_int_equal(decide_probe_result(&probe_spec, &p, 0, 101 * S), 0);
    assert_int_equal(p.next_us, 103 * S);
    assert_int_equal(decide_probe_result(&probe_spec, &p, 1, 103 * S), 1);
    assert_int_equal(p.ready, 1);
}

static void probe_failures_below_the_threshold_keep_a_pod_ready(void **state)
{
    (void)state;
    struct decide_probe p;
    decide_probe_start(&probe_spec, &p, 0);
    decide_probe_result(&probe_spec, &p, 1, 1 * S);
    assert_int_equal(decide_probe_result(&probe_spec, &p, 0, 3 * S), 0);
    assert_int_equal(p.ready, 1);
    assert_int_equal(decide_probe_result(&probe_spec, &p, 1, 5 * S), 0);
    assert_int_equal(decide_probe_result(&probe_spec, &p, 0, 7 * S), 0);
    assert_int_equal(decide_probe_result(&probe_spec, &p, 0, 9 * S), 1);
    assert_int_equal(p.ready, 0);
}

static void probe_success_threshold_counts_successes_in_a_row(void **state)
{
    (void)state;
    struct decide_probe_spec spec = probe_spec;
    spec.success_threshold = 3;
    struct decide_probe p;
    decide_probe_start(&spec, &p, 0);
    decide_probe_result(&spec, &p, 1, 1 * S);
    decide_probe_result(&spec, &p, 1, 3 * S);
    decide_probe_result(&spec, &p, 0, 5 * S);
    decide_probe_result(&spec, &p, 1, 7 * S);
    decide_probe_result(&spec, &p, 1, 9 * S);
    assert_int_equal(p.ready, 0);
    assert_int_equal(decide_probe_result(&spec, &p, 1, 11 * S), 1);
}

static void probe_longer_than_the_period_skips_ticks(void **state)
{
    (void)state;
    struct decide_probe p;
    decide_probe_start(&probe_spec, &p, 0);
    /* due at 1 s, answered at 6.5 s: the ticks at 3 and 5 s are gone */
    decide_probe_result(&probe_spec, &p, 1, 6500000);
    assert_int_equal(p.next_us, 7 * S);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rolling_surges_one_above_replicas),
        cmocka_unit_test(rolling_keeps_old_until_a_new_one_is_available),
        cmocka_unit_test(rolling_deletes_one_old_once_a_new_one_is_available),
        cmocka_unit_test(terminating_pods_hold_no_place_in_the_surge),
        cmocka_unit_test(max_unavailable_lets_an_old_pod_go_before_a_new_one_starts),
        cmocka_unit_test(unavailable_old_pods_are_deleted_first),
        cmocka_unit_test(min_ready_seconds_delays_availability_and_wakes_the_controller),
        cmocka_unit_test(no_progress_for_the_deadline_is_deadline_exceeded),
        cmocka_unit_test(old_pods_scaled_down_count_as_progress),
        cmocka_unit_test(complete_counts_no_terminating_pod),
        cmocka_unit_test(fewer_replicas_delete_the_newest_ready_pod),
        cmocka_unit_test(recreate_deletes_every_old_pod_and_waits_for_them_to_be_gone),
        cmocka_unit_test(deletion_order_is_unready_then_recently_ready_then_newest),
        cmocka_unit_test(fenceposts_round_surge_up_and_unavailable_down),
        cmocka_unit_test(probe_waits_its_initial_delay_and_is_unready_until_a_success),
        cmocka_unit_test(probe_failures_below_the_threshold_keep_a_pod_ready),
        cmocka_unit_test(probe_success_threshold_counts_successes_in_a_row),
        cmocka_unit_test(probe_longer_than_the_period_skips_ticks),
    };
    return cmocka_run_group_tests_name("decide", tests, NULL, NULL);
}
