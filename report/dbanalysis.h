/* The database section of the report: the prober's db, db-schema and db-locks
 * events (--db), merged by time over all logs into one database, read into
 * unreachable windows, refused fresh connections, schema changes and lock
 * waits, with the HTTP latency of the requests scheduled during each wait. */
#ifndef REP_DBANALYSIS_H
#define REP_DBANALYSIS_H

#include <stddef.h>
#include <stdint.h>

struct db_work;

/* SQLSTATEs of failed probes, most frequent first; "" is a network failure
 * (no SQLSTATE). */
#define DB_CODES_MAX 6
struct db_code {
    char code[8];
    uint64_t count;
};
struct db_codes {
    int n;
    struct db_code c[DB_CODES_MAX];
    uint64_t rest; /* failures with other codes */
};

/* A run of failed probes of one kind. */
struct db_window {
    int64_t start_us; /* scheduled time of the first failed probe */
    int64_t end_us;   /* of the next answered probe, or see open */
    int open;         /* the logs end in it: end is the last failure's completion */
    uint64_t probes;  /* failed probes in it */
    struct db_codes codes;
};

struct db_schema_change {
    int64_t t_us; /* scheduled time of the first probe that saw it */
    char *value;  /* NULL: the query returned no row */
};

/* The HTTP requests of one target scheduled within a lock wait. */
struct db_lock_latency {
    int target; /* index in analysis.targets */
    uint64_t requests, failed;
    int64_t p99_us, max_us; /* of the sent requests, from their scheduled time */
};

struct db_lock_wait {
    int64_t start_us; /* first sample with sessions waiting */
    int64_t end_us;   /* the sample with none, or see open */
    int open;         /* never cleared in the logs: end is the last sample */
    int64_t peak_waiting;
    int64_t longest_wait_us; /* the largest longest_us sampled */
    char *relation, *mode;   /* of the sample with the longest wait; NULL when none */
    long blocker;            /* its blocking pid, -1 */
    int nlat;
    struct db_lock_latency *lat; /* targets with requests in it */
};

/* One database gate rule (--max-db-down, --max-lock-wait). */
struct db_check {
    int active;
    int64_t limit_us;
    int64_t value_us;
    int passed;
    int reason; /* index in an_gate.reasons when failed, else -1 */
};

struct db_analysis {
    int present;               /* any database event in the logs */
    uint64_t probes[2][4];     /* [log_db_probe][log_db_outcome] */
    uint64_t nprobes[2];       /* [log_db_probe], every outcome */
    int64_t first_us, last_us; /* of the db probes, -1 */
    int reachable;             /* a query probe was ever answered (ok or error) */
    int nunreachable;
    struct db_window *unreachable; /* query probes down or timed out, by time */
    int64_t unreachable_total_us;
    int longest_unreachable;        /* index, -1 */
    int64_t longest_unreachable_us; /* its duration, 0 when none */
    int nrefused;
    struct db_window *refused; /* fresh connections that failed, by time */
    int nschema;
    struct db_schema_change *schema; /* the first value, then every change */
    int nlocks;
    struct db_lock_wait *locks;
    int longest_lock;        /* index of the longest interval, -1 */
    int64_t longest_lock_us; /* its duration, 0 when none */
    int64_t longest_single_wait_us;
    struct db_codes errors; /* every failed probe */
    struct db_check max_down, max_lock_wait;
};

struct log_event;

/* What ingest collects for the database while it reads the logs: every
 * database event, and the HTTP requests scheduled while sessions waited on a
 * lock. Working state, apart from the result (struct db_analysis). NULL when
 * memory is short. */
struct db_work *dbwork_new(void);

/* One db, db-schema or db-locks event, in the order read. Returns 0, or -1
 * when memory is short. */
int dbwork_event(struct db_work *w, const struct log_event *ev);

/* One HTTP request as ingest releases it (scheduled-time order): kept when
 * sessions were waiting on a lock at its time. Every db-locks sample up to
 * t_us has been read by then: ingest holds a horizon of schedule. */
int dbwork_req(struct db_work *w, int64_t t_us, int target, int64_t latency_us, int ok);

void dbwork_free(struct db_work *w);

/* After ingest: sorts what w collected and builds the windows, changes and
 * waits into db. Returns 0, or -1 with err when memory is short. */
int dbanalysis_finish(struct db_analysis *db, struct db_work *w, int ntargets, char *err,
                      size_t errlen);

void dbanalysis_free(struct db_analysis *db);

#endif
