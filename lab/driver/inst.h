/* The app instances (the Deployment's pods) and their file, DIR/instances.tsv:
 * saved after every change so that teardown, an undo or the next driver know
 * every process, even after this driver is killed. */
#ifndef PB_INST_H
#define PB_INST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "decide.h"
#include "ropts.h"

enum inst_phase {
    INST_STARTING, /* never ready yet */
    INST_READY,
    INST_UNREADY,     /* was ready, its probe failed */
    INST_TERMINATING, /* deleted: lag, preStop, SIGTERM, grace running */
};

struct rprobe;
struct event;
struct drv;

struct inst {
    /* saved: the 11 columns of instances.tsv */
    char id[40]; /* VERSION#N */
    char version[24];
    enum ropts_readiness readiness;
    pid_t pid;
    int port; /* 0 until known */
    int slot; /* haproxy server sN */
    enum inst_phase phase;
    int in_pool;
    int served; /* ever in the pool */
    int64_t prestop_us;
    char on_sigterm[8];

    /* this driver's own knowledge */
    struct drv *drv;
    int serial;    /* decide()'s pod id */
    int is_child;  /* started by this driver: reaped on SIGCHLD */
    int listening; /* said "ready PORT" */
    int exited;
    int exit_code; /* -1: not known (not our child) */
    int64_t created_mono_us;
    int64_t ready_since_mono_us;
    struct decide_probe probe;
    int last_code; /* the last probe's HTTP status, 0 failed, -1 none yet */
    struct rprobe *inflight;
    struct event *probe_timer;
    /* termination */
    struct event *lag_timer, *term_timer, *kill_timer;
    int64_t lag_us; /* -1: not in the pool at its deletion */
    int lag_pending;
    int killed;
};

struct inst_table {
    struct inst **v; /* in start order */
    size_t n, cap;
};

const char *inst_phase_name(enum inst_phase p);

/* Adds a zeroed instance at the end; NULL when out of memory. */
struct inst *inst_add(struct inst_table *t);

/* Removes and frees one (its events must be freed by the caller first). */
void inst_remove(struct inst_table *t, struct inst *i);

struct inst *inst_by_pid(const struct inst_table *t, pid_t pid);
struct inst *inst_by_serial(const struct inst_table *t, int serial);

/* The lowest haproxy slot no instance holds, 0 when all are taken. */
int inst_free_slot(const struct inst_table *t, int max_slots);

/* Of the template being rolled out: version, probe, preStop and on-SIGTERM. */
int inst_is_new(const struct inst *i, const struct ropts *o);

/* The base of an instance's files: DIR/instances/2.8.0-1 (.out, .err, ...). */
void inst_file_base(const struct inst *i, const char *inst_dir, char *buf, size_t len);

/* instances.tsv, rewritten through a temporary file and a rename. */
int inst_save(const struct inst_table *t, const char *path, char *err, size_t errlen);

/* Loads instances.tsv (a missing file is no instance); instances written
 * without the last two columns take default_prestop_us and "drain". */
int inst_load(struct inst_table *t, const char *path, int64_t default_prestop_us, char *err,
              size_t errlen);

#endif
