/* The database probe (db.h). Three rules keep it honest: it never blocks
 * the loop (pgconn.c), it never takes a lock on an application table (it
 * reads only the schema query's table and pg_locks), and it excludes its own
 * sessions from the lock-wait count (application_name "pbprobe"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "evtimer.h"
#include "db.h"
#include "pgconn.h"
#include "ptimer.h"
#include "schedule.h"

#define CLIENT_TIMEOUT_SLACK_US 500000 /* beyond statement_timeout, for a silent network */

/* Waiting sessions, the longest wait, what it waits for and the mode held
 * by the session blocking it. pg_locks.waitstart needs PostgreSQL 14. */
static const char locks_sql[] =
    "WITH w AS ("
    " SELECT l.pid, l.locktype, l.relation, l.waitstart"
    " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE NOT l.granted AND a.application_name <> 'pbprobe'),"
    " first AS (SELECT * FROM w ORDER BY waitstart NULLS LAST LIMIT 1),"
    " blocker AS ("
    " SELECT bl.pid, bl.mode FROM first f"
    " JOIN LATERAL unnest(pg_blocking_pids(f.pid)) AS bp(pid) ON true"
    " JOIN pg_locks bl ON bl.pid = bp.pid AND bl.granted AND bl.locktype = f.locktype"
    " AND bl.relation IS NOT DISTINCT FROM f.relation"
    " ORDER BY bl.mode LIMIT 1)"
    " SELECT (SELECT count(*) FROM w),"
    " coalesce((SELECT (extract(epoch FROM clock_timestamp() - min(waitstart)) * 1000000)::bigint"
    " FROM w), 0),"
    " (SELECT coalesce(relation::regclass::text, locktype) FROM first),"
    " (SELECT mode FROM blocker), (SELECT pid FROM blocker)";

enum step { STEP_IDLE, STEP_CONNECT, STEP_SCHEMA, STEP_LOCKS };

struct db {
    const struct probe_config *cfg;
    struct event_base *base;
    db_event_fn fn;
    void *arg;
    int64_t wall_offset_us;
    const char *keywords[5];
    const char *values[5];
    char options[64];
    /* the kept connection: connect if needed, schema query, lock query */
    struct pgconn *kept;
    enum step step;
    int64_t mono_sched_us; /* of the probe in progress */
    int64_t mono_t0_us;
    uint64_t tick;
    char last_sqlstate[6];
    char last_message[256];
    struct ptimer *tick_timer; /* the samples' schedule */
    struct event *timeout_ev;
    /* the schema version seen last */
    char *schema;
    int schema_seen;
    int64_t locks_waiting;
    enum log_db_outcome last_outcome;
    int probed;
    /* the fresh connection */
    struct pgconn *fresh;
    int64_t fresh_sched_us;
    struct ptimer *fresh_timer;
    struct event *fresh_timeout_ev;
    uint64_t fresh_tick;
    int stopped;
};

static void emit_db(struct db *d, enum log_db_probe probe, int64_t mono_sched_us,
                    enum log_db_outcome outcome, const char *sqlstate, const char *message)
{
    if (probe == LOG_DB_QUERY) {
        d->last_outcome = outcome;
        d->probed = 1;
        if (outcome != LOG_DB_OK && message && message != d->last_message)
            snprintf(d->last_message, sizeof d->last_message, "%s", message);
    }
    struct log_event ev = {.kind = LOG_DB, .wall_us = mono_sched_us + d->wall_offset_us};
    ev.u.db = (struct log_db){
        .probe = probe,
        .outcome = outcome,
        .latency_us = clock_mono_us() - mono_sched_us,
        .sqlstate = sqlstate && *sqlstate ? sqlstate : NULL,
        .message = message && *message ? message : NULL,
    };
    d->fn(d->arg, &ev);
}

static void remember_failure(struct db *d, const struct pgconn_result *r)
{
    snprintf(d->last_sqlstate, sizeof d->last_sqlstate, "%s", r->sqlstate);
    snprintf(d->last_message, sizeof d->last_message, "%s", r->message);
}

static void note_schema(struct db *d, const PGresult *res)
{
    const char *v = PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0)
                        ? PQgetvalue(res, 0, 0)
                        : NULL;
    if (d->schema_seen &&
        ((v == NULL && d->schema == NULL) || (v && d->schema && strcmp(v, d->schema) == 0)))
        return;
    free(d->schema);
    d->schema = v ? strdup(v) : NULL;
    d->schema_seen = 1;
    struct log_event ev = {.kind = LOG_DB_SCHEMA, .wall_us = d->mono_sched_us + d->wall_offset_us};
    ev.u.text = d->schema;
    d->fn(d->arg, &ev);
}

static void note_locks(struct db *d, const PGresult *res)
{
    if (PQntuples(res) != 1 || PQnfields(res) < 5)
        return;
    int64_t waiting = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    if (waiting == 0 && d->locks_waiting == 0)
        return;
    d->locks_waiting = waiting;
    struct log_event ev = {.kind = LOG_DB_LOCKS, .wall_us = d->mono_sched_us + d->wall_offset_us};
    ev.u.locks = (struct log_db_locks){
        .waiting = waiting,
        .longest_us = waiting ? strtoll(PQgetvalue(res, 0, 1), NULL, 10) : 0,
        .relation = waiting && !PQgetisnull(res, 0, 2) ? PQgetvalue(res, 0, 2) : NULL,
        .mode = waiting && !PQgetisnull(res, 0, 3) ? PQgetvalue(res, 0, 3) : NULL,
        .blocker_pid =
            waiting && !PQgetisnull(res, 0, 4) ? strtol(PQgetvalue(res, 0, 4), NULL, 10) : -1,
    };
    d->fn(d->arg, &ev);
}

static void on_kept(void *arg, struct pgconn *c, const struct pgconn_result *r)
{
    struct db *d = arg;
    enum step step = d->step;
    (void)c;
    if (step == STEP_LOCKS) {
        /* the lock view is a side look: its failure is not the database's */
        d->step = STEP_IDLE;
        event_del(d->timeout_ev);
        if (r->outcome == LOG_DB_OK)
            note_locks(d, r->res);
        return;
    }
    if (r->outcome != LOG_DB_OK) {
        d->step = STEP_IDLE;
        event_del(d->timeout_ev);
        emit_db(d, LOG_DB_QUERY, d->mono_sched_us, r->outcome, r->sqlstate, r->message);
        if (pgconn_state(d->kept) == PGCONN_DOWN) {
            remember_failure(d, r);
        } else if (step == STEP_SCHEMA) {
            /* connected, the schema query failed (cancelled by the server
             * at statement_timeout: a lock held it): the lock view still
             * says who waits on what */
            d->step = STEP_LOCKS;
            evtimer_arm_us(d->timeout_ev, d->cfg->db_timeout_us + CLIENT_TIMEOUT_SLACK_US);
            pgconn_query(d->kept, locks_sql);
        }
        return;
    }
    if (step == STEP_CONNECT) {
        d->step = STEP_SCHEMA;
        evtimer_arm_us(d->timeout_ev, d->cfg->db_timeout_us + CLIENT_TIMEOUT_SLACK_US);
        pgconn_query(d->kept, d->cfg->db_schema_query);
        return;
    }
    /* the schema query answered: the database is reachable */
    emit_db(d, LOG_DB_QUERY, d->mono_sched_us, LOG_DB_OK, NULL, NULL);
    note_schema(d, r->res);
    d->step = STEP_LOCKS;
    pgconn_query(d->kept, locks_sql);
}

static void on_kept_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct db *d = arg;
    (void)fd;
    (void)what;
    if (d->step == STEP_IDLE)
        return;
    /* statement_timeout did not answer either: the network or the server
     * is stuck. Dropping the connection is the only non-blocking way out. */
    pgconn_close(d->kept);
    enum step step = d->step;
    d->step = STEP_IDLE;
    if (step != STEP_LOCKS) {
        emit_db(d, LOG_DB_QUERY, d->mono_sched_us, LOG_DB_TIMEOUT, NULL,
                "no answer within --db-timeout");
        snprintf(d->last_message, sizeof d->last_message, "no answer within --db-timeout");
        d->last_sqlstate[0] = '\0';
    }
}

/* One sample every `every` from mono_t0_us: returns the scheduled time of
 * the sample due now and arms ev for the next. It catches up without a
 * burst: samples missed while the loop was busy are not probes anyone asked
 * for. */
static int64_t next_sample(struct db *d, struct ptimer *timer, uint64_t *tick, int64_t every)
{
    int64_t now = clock_mono_us();
    while (d->mono_t0_us + (int64_t)(*tick + 1) * every <= now)
        (*tick)++;
    int64_t sched = d->mono_t0_us + (int64_t)*tick * every;
    (*tick)++;
    ptimer_arm_at(timer, d->mono_t0_us + (int64_t)*tick * every);
    return sched;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct db *d = arg;
    (void)fd;
    (void)what;
    int64_t sched = next_sample(d, d->tick_timer, &d->tick, d->cfg->db_interval_us);

    if (d->step != STEP_IDLE)
        return; /* the previous probe is still out; its timeout will say so */
    if (pgconn_state(d->kept) == PGCONN_READY) {
        d->mono_sched_us = sched;
        d->step = STEP_SCHEMA;
        evtimer_arm_us(d->timeout_ev, d->cfg->db_timeout_us + CLIENT_TIMEOUT_SLACK_US);
        pgconn_query(d->kept, d->cfg->db_schema_query);
        return;
    }
    /* down: a real connection attempt every interval, and no sample
     * without one, so that recovery is seen within an interval (a refused
     * attempt costs the server one round trip) */
    d->mono_sched_us = sched;
    d->step = STEP_CONNECT;
    evtimer_arm_us(d->timeout_ev, d->cfg->db_timeout_us);
    if (pgconn_connect(d->kept, d->keywords, d->values) < 0) {
        d->step = STEP_IDLE;
        emit_db(d, LOG_DB_QUERY, sched, LOG_DB_DOWN, NULL, "out of memory");
    }
}

static void on_fresh(void *arg, struct pgconn *c, const struct pgconn_result *r)
{
    struct db *d = arg;
    event_del(d->fresh_timeout_ev);
    emit_db(d, LOG_DB_CONNECT, d->fresh_sched_us, r->outcome, r->sqlstate, r->message);
    pgconn_close(c);
}

static void on_fresh_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct db *d = arg;
    (void)fd;
    (void)what;
    if (pgconn_state(d->fresh) == PGCONN_DOWN)
        return;
    pgconn_close(d->fresh);
    emit_db(d, LOG_DB_CONNECT, d->fresh_sched_us, LOG_DB_TIMEOUT, NULL,
            "no connection within --db-timeout");
}

static void on_fresh_tick(evutil_socket_t fd, short what, void *arg)
{
    struct db *d = arg;
    (void)fd;
    (void)what;
    int64_t sched = next_sample(d, d->fresh_timer, &d->fresh_tick, d->cfg->db_connect_interval_us);
    if (pgconn_state(d->fresh) != PGCONN_DOWN)
        return;
    d->fresh_sched_us = sched;
    evtimer_arm_us(d->fresh_timeout_ev, d->cfg->db_timeout_us);
    if (pgconn_connect(d->fresh, d->keywords, d->values) < 0)
        emit_db(d, LOG_DB_CONNECT, sched, LOG_DB_DOWN, NULL, "out of memory");
}

struct db *db_new(struct event_base *base, const struct probe_config *cfg, int64_t wall_offset_us,
                  db_event_fn fn, void *arg, char *err, size_t errlen)
{
    struct db *d = calloc(1, sizeof *d);
    if (d == NULL)
        goto oom;
    d->cfg = cfg;
    d->base = base;
    d->fn = fn;
    d->arg = arg;
    d->wall_offset_us = wall_offset_us;
    /* The user's conninfo first, then ours, which win: a name to exclude
     * our sessions from lock counts, and a statement_timeout so that the
     * server, not a dropped connection, ends a stuck probe. */
    snprintf(d->options, sizeof d->options, "-c statement_timeout=%lld",
             (long long)(cfg->db_timeout_us / 1000));
    d->keywords[0] = "dbname";
    d->values[0] = cfg->db_conninfo;
    d->keywords[1] = "application_name";
    d->values[1] = "pbprobe";
    d->keywords[2] = "options";
    d->values[2] = d->options;
    d->keywords[3] = NULL;
    d->values[3] = NULL;
    d->kept = pgconn_new(base, on_kept, d);
    d->fresh = pgconn_new(base, on_fresh, d);
    d->tick_timer = ptimer_new(base, on_tick, d);
    d->timeout_ev = evtimer_new(base, on_kept_timeout, d);
    d->fresh_timer = ptimer_new(base, on_fresh_tick, d);
    d->fresh_timeout_ev = evtimer_new(base, on_fresh_timeout, d);
    if (!d->kept || !d->fresh || !d->tick_timer || !d->timeout_ev || !d->fresh_timer ||
        !d->fresh_timeout_ev) {
        db_free(d);
        goto oom;
    }
    return d;
oom:
    snprintf(err, errlen, "out of memory");
    return NULL;
}

void db_start(struct db *d, int64_t mono_t0_us)
{
    d->mono_t0_us = mono_t0_us;
    ptimer_fire_now(d->tick_timer);
    ptimer_fire_now(d->fresh_timer);
}

void db_status(const struct db *d, char *buf, size_t len)
{
    if (!d->probed)
        snprintf(buf, len, "connecting");
    else if (d->last_outcome == LOG_DB_OK)
        snprintf(buf, len, "ok %.40s", d->schema ? d->schema : "");
    else
        snprintf(buf, len, "%s: %.60s", log_db_outcome_name(d->last_outcome), d->last_message);
}

void db_stop(struct db *d)
{
    if (d->stopped)
        return;
    d->stopped = 1;
    ptimer_cancel(d->tick_timer);
    event_del(d->timeout_ev);
    ptimer_cancel(d->fresh_timer);
    event_del(d->fresh_timeout_ev);
    pgconn_close(d->kept);
    pgconn_close(d->fresh);
    d->step = STEP_IDLE;
}

void db_free(struct db *d)
{
    if (d == NULL)
        return;
    pgconn_free(d->kept);
    pgconn_free(d->fresh);
    ptimer_free(d->tick_timer);
    ptimer_free(d->fresh_timer);
    struct event *evs[] = {d->timeout_ev, d->fresh_timeout_ev};
    for (size_t i = 0; i < 2; i++)
        if (evs[i])
            event_free(evs[i]);
    free(d->schema);
    free(d);
}
