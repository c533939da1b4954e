/* The controller (drv.h): each pass gathers the observed pods, calls decide()
 * and performs what it returns; readiness probes run per instance on their
 * own timers and feed decide_probe_result(); the pool (haproxy's backend)
 * follows readiness. Callbacks do little and call plain functions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "clock.h"
#include "units.h"
#include "drv.h"
#include "hap.h"
#include "proc.h"
#include "rprobe.h"

void ctl_kick(struct drv *d)
{
    static const struct timeval now = {0, 0};
    if (d->exit_code < 0)
        evtimer_add(d->pass_timer, &now);
}

/* Arms ev to fire at due_mono_us, at once if that has passed. */
static void timer_at(struct event *ev, int64_t due_mono_us)
{
    int64_t wait_us = due_mono_us - clock_mono_us();
    struct timeval tv;
    if (wait_us < 0)
        wait_us = 0;
    tv.tv_sec = wait_us / 1000000;
    tv.tv_usec = wait_us % 1000000;
    evtimer_add(ev, &tv);
}

/* ---------------------------------------------------------------- the pool */

/* Sends cmd to haproxy: *t_wall_us is when it went, *ack_us how long haproxy
 * took to acknowledge it. The stamp is on the wall clock, the ack timed on the
 * monotonic one (a clock step between the two must not make it negative). */
static int hap_timed(struct drv *d, const char *cmd, int64_t *t_wall_us, int64_t *ack_us)
{
    *t_wall_us = clock_wall_us();
    int64_t m0 = clock_mono_us();
    if (drv_hap(d, cmd) < 0)
        return -1;
    *ack_us = clock_mono_us() - m0;
    return 0;
}

/* The pool events are stamped when the command goes to haproxy, with the
 * time haproxy took to acknowledge it (ack_us): the change took effect in
 * between. */
int ctl_pool_add(struct drv *d, struct inst *i)
{
    char cmd[128], detail[64];
    snprintf(cmd, sizeof cmd, "set server be/s%d addr 127.0.0.1 port %d", i->slot, i->port);
    if (drv_hap(d, cmd) < 0)
        return -1;
    snprintf(cmd, sizeof cmd, "set server be/s%d state ready", i->slot);
    int64_t t0, ack;
    if (hap_timed(d, cmd, &t0, &ack) < 0)
        return -1;
    i->in_pool = 1;
    i->served = 1;
    snprintf(detail, sizeof detail, "ack_us=%lld", (long long)ack);
    drv_event(d, i, "pool-add", detail, t0);
    if (drv_save(d) < 0)
        return -1;
    drv_mark(d, "instance %s ready", i->id);
    return 0;
}

int ctl_pool_remove(struct drv *d, struct inst *i, const char *extra)
{
    char cmd[128], detail[128];
    snprintf(cmd, sizeof cmd, "set server be/s%d state drain", i->slot);
    int64_t t0, ack;
    if (hap_timed(d, cmd, &t0, &ack) < 0)
        return -1;
    i->in_pool = 0;
    snprintf(detail, sizeof detail, "ack_us=%lld%s%s", (long long)ack, extra ? " " : "",
             extra ? extra : "");
    drv_event(d, i, "pool-remove", detail, t0);
    return drv_save(d);
}

/* ---------------------------------------------------------------- readiness */

static int became_ready(struct drv *d, struct inst *i, const char *why)
{
    i->phase = INST_READY;
    i->ready_since_mono_us = clock_mono_us();
    drv_event(d, i, "ready", why, 0);
    if (!i->in_pool && ctl_pool_add(d, i) < 0)
        return -1;
    ctl_kick(d);
    return 0;
}

static void probe_arm(struct inst *i);

/* One probe result: the kubelet's state machine decides; a pod that is
 * terminating keeps being probed, but its endpoint follows its deletion. */
static void probe_result(struct drv *d, struct inst *i, int code)
{
    char why[64];
    int64_t now = clock_mono_us();
    i->last_code = code;
    int changed = decide_probe_result(&d->probe_spec, &i->probe, rprobe_success(code), now);
    probe_arm(i);
    if (!changed || i->phase == INST_TERMINATING)
        return;
    if (i->probe.ready) {
        snprintf(why, sizeof why, "probe %03d", code);
        became_ready(d, i, why);
        return;
    }
    i->phase = INST_UNREADY;
    snprintf(why, sizeof why, "probe %03d, %d in a row", code, i->probe.result_run);
    drv_event(d, i, "unready", why, 0);
    if (i->in_pool && ctl_pool_remove(d, i, NULL) < 0)
        return;
    ctl_kick(d);
}

static void on_probe_done(int code, void *arg)
{
    struct inst *i = arg;
    i->inflight = NULL;
    probe_result(i->drv, i, code);
}

static void on_probe_timer(evutil_socket_t fd, short what, void *arg)
{
    struct inst *i = arg;
    struct drv *d = i->drv;
    (void)fd;
    (void)what;
    if (i->inflight != NULL) { /* still waiting for the last one: a tick skipped */
        probe_arm(i);
        return;
    }
    /* not listening yet: what the kubelet's GET would get, a refusal */
    if (i->port > 0)
        i->inflight =
            rprobe_start(d->base, i->port, DRV_PROBE_PATH, d->o.probe_timeout_us, on_probe_done, i);
    if (i->inflight == NULL)
        probe_result(d, i, 0);
}

static void probe_arm(struct inst *i)
{
    timer_at(i->probe_timer, i->probe.next_us);
}

static int probe_init(struct drv *d, struct inst *i, int64_t started_mono_us)
{
    i->drv = d;
    if (i->readiness != ROPTS_READINESS_HTTP)
        return 0;
    i->probe_timer = evtimer_new(d->base, on_probe_timer, i);
    if (i->probe_timer == NULL)
        return drv_fail(d, "out of memory");
    decide_probe_start(&d->probe_spec, &i->probe, started_mono_us);
    probe_arm(i);
    return 0;
}

void ctl_probe_stop(struct inst *i)
{
    if (i->inflight != NULL)
        rprobe_detach(i->inflight);
    i->inflight = NULL;
    if (i->probe_timer != NULL)
        event_free(i->probe_timer);
    i->probe_timer = NULL;
}

/* ---------------------------------------------------------------- instances */

void ctl_init_loaded(struct drv *d, struct inst *i)
{
    char base[700], out[720];
    int64_t now = clock_mono_us();
    i->serial = ++d->next_serial;
    i->created_mono_us = now;
    inst_file_base(i, d->inst_dir, base, sizeof base);
    snprintf(out, sizeof out, "%s.out", base);
    int port;
    /* an earlier driver may have stopped before it read the port: the file
     * says it, and the probe needs it */
    i->listening = proc_read_ready(out, &port);
    if (i->listening && i->port <= 0)
        i->port = port;
    probe_init(d, i, now);
    /* A probe result does not outlive the driver that saw it, but a pod that
     * was ready is reported ready until a probe says otherwise; how long it
     * has been is not saved: taken as long enough for minReadySeconds. */
    if (i->readiness == ROPTS_READINESS_NONE ||
        (i->phase == INST_READY && i->readiness == ROPTS_READINESS_HTTP)) {
        i->probe.ready = 1;
        i->probe.last_result = 1;
        i->probe.result_run = d->probe_spec.success_threshold;
        i->ready_since_mono_us = now - d->o.min_ready_us;
    }
}

void ctl_resume_pool(struct drv *d)
{
    /* an earlier driver stopped between a readiness change and the pool
     * change that follows it: the endpoint follows readiness, either way */
    for (size_t k = 0; k < d->insts.n && d->exit_code < 0; k++) {
        struct inst *i = d->insts.v[k];
        if (i->phase != INST_TERMINATING && i->in_pool && !i->probe.ready) {
            if (ctl_pool_remove(d, i, "not ready before this driver") < 0)
                return;
            continue;
        }
        if (i->phase == INST_TERMINATING || i->in_pool || !i->probe.ready)
            continue;
        if (became_ready(d, i,
                         i->readiness == ROPTS_READINESS_NONE
                             ? "no probe: routed as soon as started"
                             : "ready before this driver") < 0)
            return;
    }
}

static int spawn(struct drv *d)
{
    char err[512], base[700], out[720], errf[720], acc[720], listen[64] = "127.0.0.1:0";
    int slot = inst_free_slot(&d->insts, ROPTS_MAX_SLOTS), n, port = 0;
    if (slot == 0)
        return drv_fail(d, "no free haproxy server slot");
    if (labstate_next_id(d->ids_path, d->o.version, &n, err, sizeof err) < 0)
        return drv_fail(d, "%s", err);
    if (d->o.readiness == ROPTS_READINESS_NONE) {
        /* no probe: the port is chosen beforehand, as a containerPort is known */
        if (labstate_free_port(d->env.registry, &port, err, sizeof err) < 0)
            return drv_fail(d, "no free port: %s", err);
        snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    }
    struct inst *i = inst_add(&d->insts);
    if (i == NULL)
        return drv_fail(d, "out of memory");
    snprintf(i->id, sizeof i->id, "%s#%d", d->o.version, n);
    snprintf(i->version, sizeof i->version, "%s", d->o.version);
    snprintf(i->on_sigterm, sizeof i->on_sigterm, "%s", d->o.on_sigterm);
    i->readiness = d->o.readiness;
    i->prestop_us = d->o.prestop_us;
    i->port = port;
    i->slot = slot;
    i->phase = INST_STARTING;
    i->serial = ++d->next_serial;
    i->drv = d;
    inst_file_base(i, d->inst_dir, base, sizeof base);
    snprintf(out, sizeof out, "%s.out", base);
    snprintf(errf, sizeof errf, "%s.err", base);
    snprintf(acc, sizeof acc, "%s.access.log", base);
    struct proc_standin s = {
        .exe = d->env.standin,
        .version = d->o.version,
        .listen = listen,
        .db = d->env.db,
        .startup_delay = d->o.startup_delay,
        .drain_timeout = d->o.drain_timeout,
        .on_sigterm = d->o.on_sigterm,
        .out_path = out,
        .err_path = errf,
        .access_log = acc,
    };
    i->pid = proc_spawn_standin(&s, err, sizeof err);
    if (i->pid < 0) {
        inst_remove(&d->insts, i);
        return drv_fail(d, "cannot start an instance: %s", err);
    }
    i->is_child = 1;
    i->created_mono_us = clock_mono_us();
    if (labstate_track_pid(d->env.registry, i->pid, err, sizeof err) < 0)
        return drv_fail(d, "cannot register pid %ld: %s", (long)i->pid, err);
    if (probe_init(d, i, i->created_mono_us) < 0 || drv_save(d) < 0)
        return -1;
    snprintf(err, sizeof err, "pid=%ld", (long)i->pid);
    drv_event(d, i, "start", err, 0);
    if (i->readiness == ROPTS_READINESS_NONE) {
        /* as Kubernetes does without a probe: routed once started, listening or not */
        i->probe.ready = 1;
        return became_ready(d, i, "no probe: routed as soon as started");
    }
    return 0;
}

void ctl_exited(struct drv *d, struct inst *i, int code)
{
    char detail[64];
    i->exited = 1;
    i->exit_code = code;
    ctl_probe_stop(i);
    if (i->phase == INST_TERMINATING) {
        term_exited(d, i);
        return;
    }
    /* exited on its own: the pod is gone and the controller
     * replaces it */
    if (code >= 0)
        snprintf(detail, sizeof detail, "exit status %d", code);
    else
        snprintf(detail, sizeof detail, "exit status unknown (not our child)");
    drv_event(d, i, "died", detail, 0);
    if (i->in_pool && ctl_pool_remove(d, i, NULL) < 0)
        return;
    term_gone(d, i);
}

/* Live pods not yet seen listening. */
static int n_not_listening(const struct drv *d)
{
    int n = 0;
    for (size_t k = 0; k < d->insts.n; k++)
        n += !d->insts.v[k]->listening && !d->insts.v[k]->exited;
    return n;
}

void ctl_watch(struct drv *d)
{
    char base[700], out[720];
    for (size_t k = 0; k < d->insts.n && d->exit_code < 0; k++) {
        struct inst *i = d->insts.v[k];
        int port;
        if (!i->listening && !i->exited) {
            inst_file_base(i, d->inst_dir, base, sizeof base);
            snprintf(out, sizeof out, "%s.out", base);
            if (proc_read_ready(out, &port)) {
                i->port = port;
                i->listening = 1;
                if (drv_save(d) < 0)
                    return;
                drv_event(d, i, "listening", NULL, 0);
                if (d->completed)
                    ctl_kick(d); /* the pass that may end the driver */
            }
        }
        if (!i->is_child && !i->exited && !proc_is_standin(i->pid)) {
            ctl_exited(d, i, -1);
            k = (size_t)-1; /* the table may have changed: start over */
        }
    }
}

/* Every 5 s without progress, a line for the human watching a stalled
 * rollout: which instances are not ready, why, and when the deadline falls. */
void ctl_note(struct drv *d)
{
    char text[1024], one[96];
    size_t len = 0;
    int64_t now = clock_mono_us();
    if (now - d->last_progress_mono_us < 5000000 || now - d->note_mono_us < 5000000)
        return;
    d->note_mono_us = now;
    text[0] = '\0';
    for (size_t k = 0; k < d->insts.n; k++) {
        struct inst *i = d->insts.v[k];
        if (!inst_is_new(i, &d->o) || i->in_pool || i->phase == INST_TERMINATING)
            continue;
        if (i->last_code < 0)
            snprintf(one, sizeof one, "%s (last probe: none) ", i->id);
        else
            snprintf(one, sizeof one, "%s (last probe: %03d) ", i->id, i->last_code);
        if (len + strlen(one) < sizeof text - 64) {
            strcpy(text + len, one);
            len += strlen(one);
        }
    }
    if (len == 0)
        return;
    int64_t left = d->last_progress_mono_us + d->o.deadline_us - now;
    snprintf(text + len, sizeof text - len, "not ready; progress deadline in %llds",
             (long long)((left + 500000) / 1000000));
    evlog_say(&d->log, clock_wall_us(), "waiting", text);
}

/* ---------------------------------------------------------------- the pass */

static int n_new_ready(const struct drv *d)
{
    int n = 0;
    for (size_t k = 0; k < d->insts.n; k++) {
        const struct inst *i = d->insts.v[k];
        n += i->phase != INST_TERMINATING && inst_is_new(i, &d->o) && i->in_pool;
    }
    return n;
}

void ctl_pass(struct drv *d)
{
    char detail[160];
    size_t n = d->insts.n;
    struct decide_pod *pods = calloc(n ? n : 1, sizeof *pods);
    int *del = calloc(n ? n : 1, sizeof *del);
    struct decide_output out = {.delete_ids = del};
    if (pods == NULL || del == NULL) {
        drv_fail(d, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        const struct inst *i = d->insts.v[k];
        pods[k] = (struct decide_pod){
            .id = i->serial,
            .is_new = inst_is_new(i, &d->o),
            .terminating = i->phase == INST_TERMINATING,
            .ready = i->readiness == ROPTS_READINESS_NONE || i->probe.ready,
            .ready_since_us = i->ready_since_mono_us,
            .created_us = i->created_mono_us,
        };
    }
    struct decide_input in = {
        .spec = &d->spec,
        .pods = pods,
        .n_pods = n,
        .now_us = clock_mono_us(),
        .last = d->last,
        .last_progress_us = d->last_progress_mono_us,
    };
    decide(&in, &out);
    d->last = out.status;
    d->last_progress_mono_us = out.progress_us;

    if (out.condition == DECIDE_DEADLINE_EXCEEDED) {
        char deadline[32];
        snprintf(detail, sizeof detail, "no progress for %s: %d of %d new instances ready",
                 units_format_duration(d->o.deadline_us, deadline, sizeof deadline), n_new_ready(d),
                 d->o.replicas);
        drv_event(d, NULL, "deadline-exceeded", detail, 0);
        drv_stop(d, 1);
        goto done;
    }
    /* deletions first: Recreate's old pods, a rolling update's unavailable ones */
    for (size_t k = 0; k < out.n_delete && d->exit_code < 0; k++) {
        struct inst *i = inst_by_serial(&d->insts, out.delete_ids[k]);
        if (i != NULL && term_start(d, i) < 0)
            goto done;
    }
    /* Terminating pods keep their haproxy slots until gone, and hold no place
     * in maxSurge: with all slots taken, the creation waits for one to free
     * (term_gone runs a pass then), as a pod waits to be scheduled. */
    int created = 0;
    for (int k = 0; k < out.create && d->exit_code < 0; k++) {
        if (inst_free_slot(&d->insts, ROPTS_MAX_SLOTS) == 0)
            break;
        if (spawn(d) < 0)
            goto done;
        created++;
    }
    if (created > 0 || out.n_delete > 0) {
        ctl_kick(d); /* the next pass sees the result, as the controller's requeue */
        goto done;
    }
    if (out.create > 0)
        goto done;
    if (out.condition == DECIDE_COMPLETE) {
        if (!d->completed) {
            snprintf(detail, sizeof detail, "%d of %s ready", d->o.replicas, d->o.version);
            drv_event(d, NULL, "rollout-complete", detail, 0);
            d->completed = 1;
            d->completed_mono_us = clock_mono_us();
        }
        /* A Deployment counts no terminating pod; the driver exits once they
         * are gone, and once every pod listens: a pod routed before it
         * listened (no readiness probe) gets its listening stamp, which the
         * event log owes its readers (the refusals lie before it). */
        if (drv_n_terminating(d) == 0 &&
            (n_not_listening(d) == 0 || clock_mono_us() - d->completed_mono_us >= d->o.deadline_us))
            drv_stop(d, 0);
        goto done;
    }
    if (out.wake_us > 0)
        timer_at(d->pass_timer, out.wake_us);
done:
    free(pods);
    free(del);
}
