/* The verbs every part of the driver uses on its running state (drv.h):
 * events, the lab failing, saving instances.tsv, haproxy commands, marks. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "clock.h"
#include "drv.h"
#include "hap.h"
#include "proc.h"

/* haproxy answers in microseconds; seconds mean it is gone or stuck */
#define DRV_HAP_TIMEOUT_US 5000000

void drv_stop(struct drv *d, int code)
{
    if (d->exit_code < 0)
        d->exit_code = code;
    event_base_loopbreak(d->base);
}

void drv_event(struct drv *d, const struct inst *inst, const char *event, const char *detail,
               int64_t wall_us)
{
    struct evlog_event e = {
        .wall_us = wall_us ? wall_us : clock_wall_us(),
        .event = event,
        .detail = detail,
    };
    if (inst != NULL) {
        e.instance = inst->id;
        e.version = inst->version;
        e.port = inst->port;
        e.slot = inst->slot;
    }
    if (evlog_write(&d->log, &e) < 0) {
        /* the event log is the contract: a run that lost events is a failed run */
        fprintf(stderr, "rollout: cannot write the event log\n");
        drv_stop(d, 3);
    }
}

int drv_fail(struct drv *d, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (d->exit_code < 0)
        drv_event(d, NULL, "error", msg, 0);
    drv_stop(d, 3);
    return -1;
}

int drv_save(struct drv *d)
{
    char err[512];
    if (inst_save(&d->insts, d->tsv_path, err, sizeof err) < 0)
        return drv_fail(d, "cannot save the instances: %s", err);
    return 0;
}

int drv_hap(struct drv *d, const char *cmd)
{
    char err[512];
    if (hap_cmd(d->hap_sock, cmd, DRV_HAP_TIMEOUT_US, err, sizeof err) < 0)
        return drv_fail(d, "%s", err);
    return 0;
}

void drv_mark(struct drv *d, const char *fmt, ...)
{
    char err[256];
    const char *want = getenv("PBPROBE_MARK");
    va_list ap;
    if (want == NULL || *want == '\0')
        return;
    struct drv_mark *m = calloc(1, sizeof *m);
    if (m == NULL)
        return;
    /* the platform's event, not a step of the upgrade: "[lab] TEXT" is how
     * pbprobe-report tells them apart (docs/log-format.md), as it does the
     * cluster's "[k8s] ..." (scripts/) */
    int n = snprintf(m->text, sizeof m->text, "[lab] ");
    va_start(ap, fmt);
    vsnprintf(m->text + n, sizeof m->text - (size_t)n, fmt, ap);
    va_end(ap);
    /* a process per mark, reaped on SIGCHLD: the loop never waits for one */
    m->pid = proc_spawn_mark(d->env.pbprobe, m->text, err, sizeof err);
    if (m->pid < 0) {
        fprintf(stderr, "rollout: could not mark \"%s\": %s\n", m->text, err);
        free(m);
        return;
    }
    m->next = d->marks;
    d->marks = m;
}
