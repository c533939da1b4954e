/* A pod's termination (drv.h), as the kubelet and the endpoints controller do
 * it, at the same time and on timers, so that probes, surges and other
 * terminations go on meanwhile: the endpoint leaves the Service after a lag
 * drawn from --endpoint-lag, SIGTERM comes after the pod's own preStop,
 * SIGKILL when the grace period (which counts the preStop) has passed. The
 * pod is gone once it has exited and its endpoint is out. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "clock.h"
#include "drv.h"
#include "labstate.h"
#include "proc.h"
#include "units.h"

static void tv_of(int64_t us, struct timeval *tv)
{
    if (us < 0)
        us = 0;
    tv->tv_sec = us / 1000000;
    tv->tv_usec = us % 1000000;
}

int drv_n_terminating(const struct drv *d)
{
    int n = 0;
    for (size_t k = 0; k < d->insts.n; k++)
        n += d->insts.v[k]->phase == INST_TERMINATING;
    return n;
}

void term_free_events(struct inst *i)
{
    struct event **evs[] = {&i->lag_timer, &i->term_timer, &i->kill_timer};
    for (size_t k = 0; k < sizeof evs / sizeof evs[0]; k++) {
        if (*evs[k] != NULL)
            event_free(*evs[k]);
        *evs[k] = NULL;
    }
}

/* A lag drawn from --endpoint-lag: the time removal takes to reach every
 * node's kube-proxy. */
static int64_t draw_lag(const struct drv *d)
{
    int64_t span = d->o.lag_max_us - d->o.lag_min_us;
    return d->o.lag_min_us + (int64_t)((double)span * random() / RAND_MAX);
}

static void on_lag(evutil_socket_t fd, short what, void *arg)
{
    struct inst *i = arg;
    struct drv *d = i->drv;
    char extra[48];
    (void)fd;
    (void)what;
    i->lag_pending = 0;
    snprintf(extra, sizeof extra, "lag_us=%lld", (long long)i->lag_us);
    if (i->in_pool && ctl_pool_remove(d, i, extra) < 0)
        return;
    if (i->exited)
        term_gone(d, i);
}

/* A child's pid stays ours until we reap it; an instance an earlier driver
 * started is checked first, its pid perhaps another process's by now. */
static int signalable(const struct inst *i)
{
    return i->is_child || proc_is_standin(i->pid);
}

/* Sends sig to i if it is still running and still ours. *t_us, the stamp
 * for its event, is taken before the signal: what it causes never precedes
 * its stamp. Returns -1 if no signal went (for one gone meanwhile, its exit
 * is seen and logged as such). */
static int signal_stamped(struct inst *i, int sig, int64_t *t_us)
{
    if (i->exited || !signalable(i))
        return -1;
    *t_us = clock_wall_us();
    return kill(i->pid, sig) < 0 ? -1 : 0;
}

static void on_sigterm_due(evutil_socket_t fd, short what, void *arg)
{
    struct inst *i = arg;
    char detail[96];
    int64_t t_us;
    (void)fd;
    (void)what;
    if (signal_stamped(i, SIGTERM, &t_us) < 0)
        return;
    snprintf(detail, sizeof detail, "prestop_us=%lld on_sigterm=%s", (long long)i->prestop_us,
             i->on_sigterm);
    drv_event(i->drv, i, "sigterm", detail, t_us);
}

static void on_grace_over(evutil_socket_t fd, short what, void *arg)
{
    struct inst *i = arg;
    char detail[64];
    int64_t t_us;
    (void)fd;
    (void)what;
    if (signal_stamped(i, SIGKILL, &t_us) < 0)
        return;
    i->killed = 1;
    char grace[32];
    snprintf(detail, sizeof detail, "grace %s passed",
             units_format_duration(i->drv->o.grace_us, grace, sizeof grace));
    drv_event(i->drv, i, "sigkill", detail, t_us);
}

int term_start(struct drv *d, struct inst *i)
{
    char detail[96], lag[24] = "-";
    struct timeval tv;
    int64_t t0 = clock_wall_us();
    i->phase = INST_TERMINATING;
    i->lag_timer = evtimer_new(d->base, on_lag, i);
    i->term_timer = evtimer_new(d->base, on_sigterm_due, i);
    i->kill_timer = evtimer_new(d->base, on_grace_over, i);
    if (i->lag_timer == NULL || i->term_timer == NULL || i->kill_timer == NULL)
        return drv_fail(d, "out of memory");
    if (i->in_pool) {
        i->lag_us = draw_lag(d);
        i->lag_pending = 1;
        snprintf(lag, sizeof lag, "%lld", (long long)i->lag_us);
        tv_of(i->lag_us, &tv);
        evtimer_add(i->lag_timer, &tv);
    }
    if (!i->exited) {
        tv_of(i->prestop_us, &tv);
        evtimer_add(i->term_timer, &tv);
        tv_of(d->o.grace_us, &tv);
        evtimer_add(i->kill_timer, &tv);
    }
    snprintf(detail, sizeof detail, "endpoint_lag_us=%s prestop_us=%lld", lag,
             (long long)i->prestop_us);
    drv_event(d, i, "terminating", detail, t0);
    drv_mark(d, "instance %s deleted", i->id);
    if (drv_save(d) < 0)
        return -1;
    if (i->exited && !i->lag_pending)
        return term_gone(d, i);
    return 0;
}

void term_exited(struct drv *d, struct inst *i)
{
    char detail[32] = "";
    if (i->exit_code >= 0)
        snprintf(detail, sizeof detail, "status=%d", i->exit_code);
    drv_event(d, i, "exit", detail, 0);
    if (i->term_timer != NULL)
        event_del(i->term_timer);
    if (i->kill_timer != NULL)
        event_del(i->kill_timer);
    if (!i->lag_pending)
        term_gone(d, i);
}

int term_gone(struct drv *d, struct inst *i)
{
    char cmd[64], err[256];
    snprintf(cmd, sizeof cmd, "set server be/s%d state maint", i->slot);
    /* the slot leaves haproxy for good: no address of a dead process in the pool */
    if (drv_hap(d, cmd) < 0)
        return -1;
    if (labstate_untrack_pid(d->env.registry, i->pid, err, sizeof err) < 0)
        return drv_fail(d, "cannot unregister pid %ld: %s", (long)i->pid, err);
    if (i->served)
        drv_mark(d, "old %s drained", i->id);
    else
        drv_mark(d, "instance %s stopped", i->id);
    ctl_probe_stop(i);
    term_free_events(i);
    inst_remove(&d->insts, i);
    if (drv_save(d) < 0)
        return -1;
    ctl_kick(d);
    return 0;
}
