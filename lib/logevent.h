/* The events of a pbprobe log (docs/log-format.md), as the writer takes them
 * and the reader gives them. Strings given by the reader point into its line
 * buffer and stay valid until the next logr_next(). */
#ifndef PB_LOGEVENT_H
#define PB_LOGEVENT_H

#include <stdint.h>

#define LOG_FORMAT_VERSION 1

enum log_kind {
    LOG_TARGET,
    LOG_REQ,
    LOG_MARK,
    LOG_CMD_START,
    LOG_CMD_EXIT,
    LOG_END,
    LOG_WARN,
    LOG_DB,
    LOG_DB_SCHEMA,
    LOG_DB_LOCKS,
    LOG_STALL,
    LOG_ABORT,
    LOG_UNKNOWN, /* a kind this reader does not know: skip it (forward compatibility) */
};

struct log_req {
    int64_t wall_sched_us; /* scheduled send time */
    const char *target;
    int outcome;            /* outcome.h */
    int64_t latency_us;     /* -1 when absent (skipped) */
    int64_t delay_us;       /* -1 when absent */
    int64_t bytes;          /* -1 when absent */
    int reused;             /* 1, 0, or -1 when unknown */
    const char *peer;       /* NULL when absent */
    const char *version;    /* NULL when absent */
    const char *request_id; /* NULL when absent */
    /* fields 12 and 13, absent from logs of older probers */
    int64_t lag_us; /* scheduled time to the hand-off to libcurl: the
                       prober's own lateness; -1 when absent */
    int stalled;    /* 1: the prober's loop stalled while this request
                       was in flight; 0 no; -1 unknown */
    /* field 14, absent from logs of older probers */
    const char *protocol; /* the HTTP version that answered: "1.0", "1.1",
                             "2", "3"; NULL when none answered or absent */
};

/* The prober's event loop did not run from wall_us to end_us. */
struct log_stall {
    int64_t end_us;
    int64_t length_us;
};

/* The live gate (--abort-on) stopped the run: target's rule broke, its value
 * (a count, or microseconds for a duration) above its limit. */
struct log_abort {
    const char *target;
    const char *rule; /* "max-window" */
    int64_t value, limit;
};

struct log_target {
    const char *name;
    const char *url;
    double rate;
    const char *flags; /* NULL when none */
};

struct log_cmd_start {
    long pid;
    const char *command;
};

struct log_cmd_exit {
    int status;
    const char *how;
};

/* Database probes (--db). */
enum log_db_probe { LOG_DB_QUERY, LOG_DB_CONNECT };
enum log_db_outcome { LOG_DB_OK, LOG_DB_DOWN, LOG_DB_TIMEOUT, LOG_DB_ERROR };

struct log_db {
    enum log_db_probe probe;
    enum log_db_outcome outcome;
    int64_t latency_us;
    const char *sqlstate; /* NULL when none */
    const char *message;  /* NULL when none */
};

struct log_db_locks {
    int64_t waiting;
    int64_t longest_us;
    const char *relation; /* NULL when none */
    const char *mode;
    long blocker_pid; /* -1 when unknown */
};

struct log_event {
    enum log_kind kind;
    int64_t wall_us; /* field 2 of every event line */
    union {
        struct log_req req;
        struct log_target target;
        struct log_cmd_start cmd_start;
        struct log_cmd_exit cmd_exit;
        struct log_db db;
        struct log_db_locks locks;
        struct log_stall stall;
        struct log_abort abort;
        const char *text; /* mark name, end reason, warn message, schema value (NULL: none) */
    } u;
    const char *kind_name; /* as written; useful for LOG_UNKNOWN */
    int64_t stop_us;       /* end: field 4, when the schedule stopped (no tick at or
                              after it was due); -1 when absent */
};

struct log_header {
    int version;
    int64_t wall_start_us; /* -1 when absent */
    const char *host;      /* NULL when absent */
    long pid;
    const char *prober_version;
    /* the git revision it was built from, and the libraries it ran with
     * ("libcurl/7.88.1 OpenSSL/3.0.15 ..."): NULL when absent */
    const char *prober_revision;
    const char *prober_libs;
    const char *cmd;
    int64_t max_lag_us; /* --max-lag: a later hand-off is not on time; -1 when absent */
    /* --batch-window: ticks this close were sent together, the first up to
     * this late by design; 0 when absent (older probers sent each on its own) */
    int64_t batch_window_us;
    /* what the kernel knew of the wall clock's sync at start (adjtimex):
     * its maximum error, and whether it is synchronized; -1 when absent */
    int64_t clock_maxerror_us;
    int clock_synced;
    /* the prober's definition of success (--ok-status), NULL when absent,
     * and whether it followed redirects: 1, 0, or -1 when absent */
    const char *ok_status;
    int follow_redirects;
};

const char *log_db_probe_name(enum log_db_probe p);
const char *log_db_outcome_name(enum log_db_outcome o);

#endif
