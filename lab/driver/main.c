/* rollout-driver: the lab's Deployment controller (lab/README.md documents
 * the semantics, the event log and the exit codes). This file: options, the lab's state, the loop
 * and its signals; the controller is ctl.c, terminations term.c, decisions decide.c. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "units.h"
#include "drv.h"
#include "proc.h"
#include "rprobe.h"

/* How often the ports said and the deaths of instances that are not our
 * children are looked for: the bash driver before it polled every 10 ms while terminating. */
#define MAIN_WATCH_US 10000

static void on_pass(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ctl_pass(arg);
}

static void on_watch(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ctl_watch(arg);
}

static void on_note(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ctl_note(arg);
}

static void reap_mark(struct drv *d, pid_t pid, int wstatus)
{
    for (struct drv_mark **p = &d->marks; *p != NULL; p = &(*p)->next) {
        struct drv_mark *m = *p;
        if (m->pid != pid)
            continue;
        if (proc_status_code(wstatus) != 0)
            fprintf(stderr, "rollout: could not mark \"%s\"\n", m->text);
        *p = m->next;
        free(m);
        return;
    }
}

static void on_sigchld(evutil_socket_t sig, short what, void *arg)
{
    struct drv *d = arg;
    pid_t pid;
    int wstatus;
    (void)sig;
    (void)what;
    while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
        struct inst *i = inst_by_pid(&d->insts, pid);
        if (i != NULL && i->is_child && !i->exited)
            ctl_exited(d, i, proc_status_code(wstatus));
        else
            reap_mark(d, pid, wstatus);
    }
}

static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
    struct drv *d = arg;
    (void)sig;
    (void)what;
    if (drv_save(d) < 0)
        return;
    drv_event(d, NULL, "stopped", "by a signal: instances left as they are", 0);
    drv_stop(d, 143);
}

static void write_status(const char *path, int code)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return;
    fprintf(f, "%d\n", code);
    fclose(f);
}

/* Paths, the env file, the event log: 0, or an exit status. */
static int setup(struct drv *d)
{
    char err[1024], env_path[600], events[700];
    const char *dir = d->o.state_dir;
    snprintf(env_path, sizeof env_path, "%s/env", dir);
    if (access(env_path, F_OK) < 0) {
        fprintf(stderr, "rollout: %s missing: the lab is not set up (lab/scenarios/setup.sh)\n",
                env_path);
        return 3;
    }
    if (labstate_load_env(env_path, &d->env, err, sizeof err) < 0) {
        fprintf(stderr, "rollout: %s\n", err);
        return 3;
    }
    snprintf(d->inst_dir, sizeof d->inst_dir, "%s/instances", dir);
    snprintf(d->tsv_path, sizeof d->tsv_path, "%s/instances.tsv", dir);
    snprintf(d->ids_path, sizeof d->ids_path, "%s/ids", dir);
    snprintf(d->status_path, sizeof d->status_path, "%s/driver.status", dir);
    snprintf(d->hap_sock, sizeof d->hap_sock, "%s/admin.sock", d->env.haproxy_dir);
    if (mkdir(d->inst_dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "rollout: %s: %s\n", d->inst_dir, strerror(errno));
        return 3;
    }
    if (d->o.events != NULL)
        snprintf(events, sizeof events, "%s", d->o.events);
    else
        snprintf(events, sizeof events, "%s/events.tsv", dir);
    if (evlog_open(&d->log, events, d->wall_start_us, err, sizeof err) < 0) {
        fprintf(stderr, "rollout: %s\n", err);
        return 3;
    }
    if (inst_load(&d->insts, d->tsv_path, d->o.prestop_us, err, sizeof err) < 0) {
        fprintf(stderr, "rollout: %s\n", err);
        return 3;
    }
    return 0;
}

static int add_signal(struct drv *d, struct event **slot, int sig, event_callback_fn fn)
{
    *slot = evsignal_new(d->base, sig, fn, d);
    return *slot != NULL && evsignal_add(*slot, NULL) == 0 ? 0 : -1;
}

static void cleanup(struct drv *d, struct event **sigs, size_t nsigs)
{
    for (size_t k = 0; k < d->insts.n; k++) {
        ctl_probe_stop(d->insts.v[k]);
        term_free_events(d->insts.v[k]);
        free(d->insts.v[k]);
    }
    free(d->insts.v);
    while (d->marks != NULL) {
        struct drv_mark *m = d->marks;
        d->marks = m->next;
        free(m);
    }
    for (size_t k = 0; k < nsigs; k++)
        if (sigs[k] != NULL)
            event_free(sigs[k]);
    struct event *timers[] = {d->pass_timer, d->watch_timer, d->note_timer};
    for (size_t k = 0; k < 3; k++)
        if (timers[k] != NULL)
            event_free(timers[k]);
    evlog_close(&d->log);
    rprobe_shutdown(); /* answered probes' connections the loop did not free */
    event_base_free(d->base);
}

int main(int argc, char **argv)
{
    static struct drv drv;
    struct drv *d = &drv;
    char err[512], detail[256];
    struct event *sigs[3] = {NULL, NULL, NULL};
    int rc;

    switch (ropts_parse(argc, argv, &d->o, err, sizeof err)) {
    case ROPTS_HELP:
        ropts_usage(stdout);
        return 0;
    case ROPTS_ERROR:
        fprintf(stderr, "rollout: %s (try --help)\n", err);
        return 2;
    case ROPTS_OK:
        break;
    }
    d->exit_code = -1;
    d->wall_start_us = clock_wall_us();
    d->mono_start_us = clock_mono_us();
    d->log.fd = -1;
    rc = setup(d);
    if (rc != 0) {
        evlog_close(&d->log);
        free(d->insts.v);
        return rc;
    }
    srandom((unsigned)(d->wall_start_us ^ getpid()));
    /* haproxy's socket may close under us: an error to report, not a signal */
    signal(SIGPIPE, SIG_IGN);

    d->spec.replicas = d->o.replicas;
    d->spec.strategy = d->o.strategy;
    decide_fenceposts(d->o.replicas, d->o.max_surge, d->o.max_surge_is_percent,
                      d->o.max_unavailable, d->o.max_unavailable_is_percent, &d->spec.max_surge,
                      &d->spec.max_unavailable);
    d->spec.min_ready_us = d->o.min_ready_us;
    d->spec.progress_deadline_us = d->o.deadline_us;
    d->probe_spec = (struct decide_probe_spec){
        .initial_delay_us = 0,
        .period_us = d->o.period_us,
        .success_threshold = d->o.success_threshold,
        .failure_threshold = d->o.failure_threshold,
    };
    d->last_progress_mono_us = d->mono_start_us;

    /* No cached time, and the precise clock: a timer added in a callback
     * would otherwise count from when the loop woke, and on the coarse
     * monotonic clock (a tick of some ms) it fires early; a preStop measured
     * 497, then 498.8 ms of 500 before these flags. */
    struct event_config *cfg = event_config_new();
    if (cfg != NULL) {
        event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME);
        event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
        d->base = event_base_new_with_config(cfg);
        event_config_free(cfg);
    }
    if (d->base == NULL) {
        fprintf(stderr, "rollout: cannot create the event loop\n");
        write_status(d->status_path, 3);
        return 3;
    }
    d->pass_timer = evtimer_new(d->base, on_pass, d);
    d->watch_timer = event_new(d->base, -1, EV_PERSIST, on_watch, d);
    d->note_timer = event_new(d->base, -1, EV_PERSIST, on_note, d);
    struct timeval watch = {0, MAIN_WATCH_US}, note = {1, 0};
    if (d->pass_timer == NULL || d->watch_timer == NULL || d->note_timer == NULL ||
        add_signal(d, &sigs[0], SIGCHLD, on_sigchld) < 0 ||
        add_signal(d, &sigs[1], SIGINT, on_stop_signal) < 0 ||
        add_signal(d, &sigs[2], SIGTERM, on_stop_signal) < 0) {
        fprintf(stderr, "rollout: cannot set up the event loop\n");
        cleanup(d, sigs, 3);
        write_status(d->status_path, 3);
        return 3;
    }
    evtimer_add(d->watch_timer, &watch);
    evtimer_add(d->note_timer, &note);

    for (size_t k = 0; k < d->insts.n; k++)
        ctl_init_loaded(d, d->insts.v[k]);
    char deadline[32];
    snprintf(detail, sizeof detail,
             "version=%s replicas=%d strategy=%s readiness=%s deadline=%s max_surge=%d "
             "max_unavailable=%d min_ready_us=%lld",
             d->o.version, d->o.replicas, d->o.strategy_arg, d->o.readiness_arg,
             units_format_duration(d->o.deadline_us, deadline, sizeof deadline), d->spec.max_surge,
             d->spec.max_unavailable, (long long)d->o.min_ready_us);
    drv_event(d, NULL, "rollout-start", detail, 0);
    /* Pods an earlier driver left terminating: their deletion goes on from
     * the start (its timers died with that driver). */
    for (size_t k = 0; k < d->insts.n && d->exit_code < 0; k++) {
        struct inst *i = d->insts.v[k];
        if (i->phase == INST_TERMINATING && term_start(d, i) < 0)
            break;
        if (k < d->insts.n && d->insts.v[k] != i)
            k--; /* gone at once: the next one moved into its place */
    }
    if (d->exit_code < 0)
        ctl_resume_pool(d);
    /* The first pass acts on the state as loaded, before any probe, as a
     * controller acts on the status it has. */
    if (d->exit_code < 0)
        ctl_pass(d);
    if (d->exit_code < 0)
        event_base_dispatch(d->base);

    rc = d->exit_code < 0 ? 3 : d->exit_code;
    if (rc != 0 && rc != 143) {
        char e2[512];
        inst_save(&d->insts, d->tsv_path, e2, sizeof e2); /* best effort: already failing */
    }
    write_status(d->status_path, rc);
    cleanup(d, sigs, 3);
    return rc;
}
