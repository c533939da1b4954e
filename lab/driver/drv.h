/* The rollout driver's running state, shared by the loop's parts: the
 * controller (ctl.c: passes, creation, readiness, the pool), termination
 * (term.c) and the program around them (main.c). One event loop, one thread. */
#ifndef PB_DRV_H
#define PB_DRV_H

#include <stdint.h>
#include <sys/types.h>

#include "decide.h"
#include "evlog.h"
#include "inst.h"
#include "labstate.h"
#include "ropts.h"

#define DRV_PROBE_PATH "/api/helpingmaterial"

struct event_base;
struct event;

struct drv_mark {
    pid_t pid;
    char text[160];
    struct drv_mark *next;
};

struct drv {
    struct ropts o;
    struct labenv env;
    char inst_dir[600], tsv_path[600], ids_path[600], hap_sock[600], status_path[600];
    struct event_base *base;
    struct inst_table insts;
    struct evlog log;
    struct decide_spec spec;
    struct decide_probe_spec probe_spec;
    /* what the previous pass left */
    struct decide_status last;
    int64_t last_progress_mono_us;
    int next_serial;
    int completed; /* "rollout-complete" logged */
    int64_t completed_mono_us;
    int exit_code; /* -1 while running */
    int64_t wall_start_us, mono_start_us;
    int64_t note_mono_us;
    struct event *pass_timer, *watch_timer, *note_timer;
    struct drv_mark *marks; /* running `pbprobe mark` children */
};

/* Ends the loop with an exit status; the first one given wins. */
void drv_stop(struct drv *d, int code);

/* Logs an event about inst (NULL: none) at wall_us (0: now). */
void drv_event(struct drv *d, const struct inst *inst, const char *event, const char *detail,
               int64_t wall_us);

/* The lab failed: an "error" event, exit 3. Always returns -1. */
int drv_fail(struct drv *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Saves instances.tsv; -1 (after drv_fail) when it could not. */
int drv_save(struct drv *d);

/* One command to haproxy's admin socket; -1 (after drv_fail) when refused. */
int drv_hap(struct drv *d, const char *cmd);

/* A marker on the prober's timeline (PBPROBE_MARK set), without waiting. */
void drv_mark(struct drv *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ctl.c: the controller. */
void ctl_kick(struct drv *d);                        /* a pass as soon as the loop turns */
void ctl_pass(struct drv *d);                        /* observe, decide, act */
void ctl_init_loaded(struct drv *d, struct inst *i); /* an instance from instances.tsv */
void ctl_resume_pool(struct drv *d); /* loaded ready instances out of the pool join it */
int ctl_pool_add(struct drv *d, struct inst *i);
int ctl_pool_remove(struct drv *d, struct inst *i, const char *extra);
void ctl_probe_stop(struct inst *i);
void ctl_watch(struct drv *d); /* ports learnt, deaths of instances not ours */
void ctl_note(struct drv *d);  /* the human's "waiting" line */
/* An instance has exited (code -1: status not known). */
void ctl_exited(struct drv *d, struct inst *i, int code);

/* term.c: a pod's termination, concurrent with everything else. */
int term_start(struct drv *d, struct inst *i);
void term_exited(struct drv *d, struct inst *i);
/* Exited and out of the Service: the slot goes to maint, the instance is forgotten. */
int term_gone(struct drv *d, struct inst *i);
void term_free_events(struct inst *i);
int drv_n_terminating(const struct drv *d);

#endif
