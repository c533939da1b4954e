/* The connection pool (db.h). Each connection is a small state machine,
 * DOWN -> CONNECTING -> IDLE <-> BUSY, moved only by its socket and timer
 * events. Queries wait in one FIFO; each carries its own deadline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "applog.h"
#include "db.h"

/* Reconnect backoff: short, because the lab measures how fast the app recovers
 * after the database does, and a long backoff would be measured instead. */
#define DB_BACKOFF_MIN_US 50000
#define DB_BACKOFF_MAX_US 1000000
/* Beyond this many waiting queries, fail at once: a dead database must not
 * let the queue grow without bound under open-loop load. */
#define DB_QUEUE_MAX 1024

enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_IDLE, CONN_BUSY };

struct db_job {
    TAILQ_ENTRY(db_job) link;
    struct db_pool *pool;
    struct db_conn *conn; /* running on; NULL while queued */
    struct event *deadline;
    char *sql;
    int nparams;
    char **params;
    db_done_fn *done;
    void *arg;
};
TAILQ_HEAD(db_jobq, db_job);

struct db_conn {
    struct db_pool *pool;
    enum conn_state state;
    PGconn *pg;
    struct event *io;
    evutil_socket_t io_fd;
    short io_what;
    struct event *timer; /* connect deadline while CONNECTING, backoff while DOWN */
    int64_t backoff_us;
    struct db_job *job; /* while BUSY */
    PGresult *result;   /* first result of the running query */
};

struct db_pool {
    struct event_base *base;
    char *conninfo;
    char *app_name;
    int64_t timeout_us;
    int size;
    struct db_conn *conns;
    struct db_jobq queue;
    unsigned queued;
    struct db_jobq failed; /* rejected in db_query, answered from dispatch_ev */
    struct event *dispatch_ev;
    int up; /* last state logged: 1 connected, 0 unavailable, -1 unknown */
    char last_error[512];
};

static void conn_connect(struct db_conn *c);
static void conn_fail(struct db_conn *c, const char *why);
static void conn_on_io(evutil_socket_t fd, short what, void *arg);
static void pool_dispatch(struct db_pool *p);

const char *db_exception_class(const char *s)
{
    /* psycopg2 picks its class from the SQLSTATE (pqpath.c), SQLAlchemy wraps
     * it in the same-named class, and PyBossa reports that name. */
    if (s == NULL || strlen(s) != 5)
        return "DatabaseError";
    char c0 = s[0], c1 = s[1];
    if (c0 == '0' && c1 == 'A')
        return "NotSupportedError";
    if (c0 == '2') {
        if (c1 == '0' || c1 == '1')
            return "ProgrammingError";
        if (c1 == '2')
            return "DataError";
        if (c1 == '3')
            return "IntegrityError";
        if (c1 == '6' || c1 == '7' || c1 == '8')
            return "OperationalError";
        return "InternalError";
    }
    if (c0 == '3') {
        if (c1 == '4')
            return "OperationalError";
        if (c1 == 'D' || c1 == 'F')
            return "ProgrammingError";
        return "InternalError";
    }
    if (c0 == '4') {
        if (c1 == '0')
            return "OperationalError"; /* TransactionRollbackError's base */
        if (c1 == '2' || c1 == '4')
            return "ProgrammingError";
    }
    if (c0 == '5' || c0 == 'H')
        return "OperationalError";
    if (c0 == 'F' || c0 == 'P' || c0 == 'X')
        return "InternalError";
    return "DatabaseError";
}

/* libpq's messages start with "ERROR:  " or "FATAL:  " and end in a newline;
 * psycopg2 drops neither, but one trailing newline in a JSON message helps
 * nobody. The severity prefix is kept out: PyBossa shows psycopg2's str(e). */
static void copy_message(const char *msg, char *buf, size_t len)
{
    static const char *const prefixes[] = {"ERROR:  ", "FATAL:  ", "PANIC:  "};
    if (msg == NULL || *msg == '\0')
        msg = "unknown error";
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (strncmp(msg, prefixes[i], strlen(prefixes[i])) == 0)
            msg += strlen(prefixes[i]);
    snprintf(buf, len, "%s", msg);
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
}

static struct timeval tv_of(int64_t us)
{
    struct timeval tv = {(time_t)(us / 1000000), (suseconds_t)(us % 1000000)};
    return tv;
}

static void job_free(struct db_job *j)
{
    if (j->deadline != NULL)
        event_free(j->deadline);
    for (int i = 0; j->params != NULL && i < j->nparams; i++)
        free(j->params[i]);
    free(j->params);
    free(j->sql);
    free(j);
}

static void job_finish(struct db_job *j, const struct db_result *res)
{
    j->done(j->arg, res);
    job_free(j);
}

static void job_fail(struct db_job *j, const char *message)
{
    struct db_result res = {DB_UNAVAILABLE, NULL, NULL, message};
    job_finish(j, &res);
}

/* The state of the whole pool, logged on change only: a database that is down
 * for a minute makes one line, not one per reconnect attempt. */
static void pool_note_state(struct db_pool *p, int up)
{
    if (p->up == up)
        return;
    p->up = up;
    if (up)
        applog_note("database connected");
    else
        applog_note("database unavailable: %s", p->last_error);
}

/* No connection is open or opening: nothing can serve the queue before the
 * backoff ends, so answer now rather than at the deadline. */
static void pool_fail_if_hopeless(struct db_pool *p)
{
    for (int i = 0; i < p->size; i++)
        if (p->conns[i].state != CONN_DOWN)
            return;
    while (!TAILQ_EMPTY(&p->queue)) {
        struct db_job *j = TAILQ_FIRST(&p->queue);
        TAILQ_REMOVE(&p->queue, j, link);
        p->queued--;
        job_fail(j, p->last_error);
    }
}

static void conn_watch(struct db_conn *c, short what)
{
    evutil_socket_t fd = PQsocket(c->pg);
    /* libpq may open a new socket between connection attempts (another host or
     * address), so the event follows the socket, not the connection. */
    if (c->io != NULL && c->io_fd == fd && c->io_what == what)
        return;
    if (c->io != NULL)
        event_free(c->io);
    c->io = NULL;
    if (fd < 0)
        return;
    c->io = event_new(c->pool->base, fd, what | EV_PERSIST, conn_on_io, c);
    c->io_fd = fd;
    c->io_what = what;
    if (c->io == NULL || event_add(c->io, NULL) < 0)
        conn_fail(c, "cannot watch the database socket");
}

static void conn_close(struct db_conn *c)
{
    if (c->io != NULL)
        event_free(c->io);
    c->io = NULL;
    if (c->result != NULL)
        PQclear(c->result);
    c->result = NULL;
    if (c->pg != NULL)
        PQfinish(c->pg);
    c->pg = NULL;
    if (c->timer != NULL)
        evtimer_del(c->timer);
}

/* The connection is unusable: close it, fail its query, retry after a backoff. */
static void conn_fail(struct db_conn *c, const char *why)
{
    struct db_pool *p = c->pool;
    struct db_job *j = c->job;
    char msg[sizeof p->last_error];

    copy_message(why, msg, sizeof msg);
    snprintf(p->last_error, sizeof p->last_error, "%s", msg);
    conn_close(c);
    c->state = CONN_DOWN;
    c->job = NULL;
    c->backoff_us = c->backoff_us ? c->backoff_us * 2 : DB_BACKOFF_MIN_US;
    if (c->backoff_us > DB_BACKOFF_MAX_US)
        c->backoff_us = DB_BACKOFF_MAX_US;
    struct timeval tv = tv_of(c->backoff_us);
    evtimer_add(c->timer, &tv);

    int any_up = 0;
    for (int i = 0; i < p->size; i++)
        any_up |= p->conns[i].state == CONN_IDLE || p->conns[i].state == CONN_BUSY;
    if (!any_up)
        pool_note_state(p, 0);
    if (j != NULL) {
        j->conn = NULL;
        job_fail(j, msg);
    }
    pool_fail_if_hopeless(p);
}

static void db_on_notice(void *arg, const char *message)
{
    char msg[512];
    (void)arg;
    copy_message(message, msg, sizeof msg);
    applog_note("database notice: %s", msg);
}

static void conn_became_idle(struct db_conn *c)
{
    c->state = CONN_IDLE;
    conn_watch(c, EV_READ); /* notices a server-side close while idle */
    pool_dispatch(c->pool);
}

static void conn_poll_connect(struct db_conn *c)
{
    switch (PQconnectPoll(c->pg)) {
    case PGRES_POLLING_READING:
        conn_watch(c, EV_READ);
        return;
    case PGRES_POLLING_WRITING:
        conn_watch(c, EV_WRITE);
        return;
    case PGRES_POLLING_OK:
        if (PQsetnonblocking(c->pg, 1) < 0) {
            conn_fail(c, PQerrorMessage(c->pg));
            return;
        }
        PQsetNoticeProcessor(c->pg, db_on_notice, NULL);
        evtimer_del(c->timer);
        c->backoff_us = 0;
        pool_note_state(c->pool, 1);
        conn_became_idle(c);
        return;
    default:
        conn_fail(c, PQerrorMessage(c->pg));
        return;
    }
}

static void conn_connect(struct db_conn *c)
{
    struct db_pool *p = c->pool;
    const char *const keys[] = {"dbname", "fallback_application_name", NULL};
    const char *const vals[] = {p->conninfo, p->app_name, NULL};

    /* expand_dbname=1 reads the conninfo string as a whole connection string. */
    c->pg = PQconnectStartParams(keys, vals, 1);
    if (c->pg == NULL) {
        conn_fail(c, "out of memory for a database connection");
        return;
    }
    if (PQstatus(c->pg) == CONNECTION_BAD) {
        conn_fail(c, PQerrorMessage(c->pg));
        return;
    }
    c->state = CONN_CONNECTING;
    /* PQconnectStartParams has no timer of its own (connect_timeout only
     * applies to the blocking calls), hence ours. */
    struct timeval tv = tv_of(p->timeout_us);
    evtimer_add(c->timer, &tv);
    conn_watch(c, EV_WRITE); /* libpq: behave as if PGRES_POLLING_WRITING first */
}

static void conn_on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct db_conn *c = arg;
    (void)fd;
    (void)what;
    if (c->state == CONN_CONNECTING)
        conn_fail(c, "timed out connecting to the database");
    else if (c->state == CONN_DOWN)
        conn_connect(c);
}

static void conn_flush(struct db_conn *c)
{
    int r = PQflush(c->pg);
    if (r < 0)
        conn_fail(c, PQerrorMessage(c->pg));
    else
        conn_watch(c, r == 1 ? EV_READ | EV_WRITE : EV_READ);
}

/* A query that died with its session (FATAL 57P01 when the server shuts down,
 * a reset, class 08) is the database being away, not the statement wrong. */
static int session_over(const PGresult *r, int lost)
{
    if (lost || r == NULL)
        return 1;
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (state == NULL || strncmp(state, "08", 2) == 0)
        return 1;
    return sev != NULL && (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0);
}

static void conn_finish_query(struct db_conn *c)
{
    struct db_job *j = c->job;
    PGresult *r = c->result;
    int lost = PQstatus(c->pg) == CONNECTION_BAD;
    char msg[1024];
    struct db_result res = {DB_OK, NULL, NULL, NULL};

    c->job = NULL;
    c->result = NULL;
    j->conn = NULL;
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        res.rows = r;
    } else {
        copy_message(r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg), msg, sizeof msg);
        res.message = msg;
        res.sqlstate = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        res.outcome = session_over(r, lost) ? DB_UNAVAILABLE : DB_SQL_ERROR;
    }
    /* Still BUSY during the callback, so a query it starts waits its turn. */
    job_finish(j, &res);
    if (r != NULL)
        PQclear(r);
    if (lost)
        conn_fail(c, res.message ? res.message : PQerrorMessage(c->pg));
    else
        conn_became_idle(c);
}

static void conn_pump(struct db_conn *c, short what)
{
    if (what & EV_WRITE) {
        conn_flush(c);
        if (c->state != CONN_BUSY)
            return;
    }
    /* A failed read (the server went away) needs no branch here: libpq then
     * stops being busy and PQgetResult hands back the error as a result. */
    if (what & EV_READ)
        (void)PQconsumeInput(c->pg);
    while (!PQisBusy(c->pg)) {
        PGresult *r = PQgetResult(c->pg);
        if (r == NULL) {
            conn_finish_query(c);
            return;
        }
        if (c->result == NULL)
            c->result = r;
        else
            PQclear(r);
    }
    if (PQstatus(c->pg) == CONNECTION_BAD)
        conn_fail(c, PQerrorMessage(c->pg));
}

static void conn_check_idle(struct db_conn *c)
{
    PGresult *r;
    if (!PQconsumeInput(c->pg) || PQstatus(c->pg) == CONNECTION_BAD) {
        conn_fail(c, PQerrorMessage(c->pg));
        return;
    }
    while (!PQisBusy(c->pg) && (r = PQgetResult(c->pg)) != NULL)
        PQclear(r);
}

static void conn_on_io(evutil_socket_t fd, short what, void *arg)
{
    struct db_conn *c = arg;
    (void)fd;
    switch (c->state) {
    case CONN_CONNECTING:
        conn_poll_connect(c);
        break;
    case CONN_IDLE:
        conn_check_idle(c);
        break;
    case CONN_BUSY:
        conn_pump(c, what);
        break;
    case CONN_DOWN:
        break;
    }
}

static void conn_start(struct db_conn *c, struct db_job *j)
{
    c->state = CONN_BUSY;
    c->job = j;
    j->conn = c;
    if (!PQsendQueryParams(c->pg, j->sql, j->nparams, NULL, (const char *const *)j->params, NULL,
                           NULL, 0)) {
        conn_fail(c, PQerrorMessage(c->pg));
        return;
    }
    conn_flush(c);
}

static void pool_dispatch(struct db_pool *p)
{
    while (!TAILQ_EMPTY(&p->queue)) {
        struct db_conn *idle = NULL;
        for (int i = 0; i < p->size && idle == NULL; i++)
            if (p->conns[i].state == CONN_IDLE)
                idle = &p->conns[i];
        if (idle == NULL)
            break;
        struct db_job *j = TAILQ_FIRST(&p->queue);
        TAILQ_REMOVE(&p->queue, j, link);
        p->queued--;
        conn_start(idle, j);
    }
    if (TAILQ_EMPTY(&p->queue))
        return;
    /* Work is waiting and every connection is down and backing off: try one
     * now, so a database that is back is used by the next request, not after
     * the backoff. At most one such attempt runs at a time. */
    struct db_conn *down = NULL;
    for (int i = 0; i < p->size; i++) {
        if (p->conns[i].state != CONN_DOWN)
            return;
        if (down == NULL)
            down = &p->conns[i];
    }
    evtimer_del(down->timer);
    conn_connect(down);
}

static void pool_on_dispatch(evutil_socket_t fd, short what, void *arg)
{
    struct db_pool *p = arg;
    (void)fd;
    (void)what;
    while (!TAILQ_EMPTY(&p->failed)) {
        struct db_job *j = TAILQ_FIRST(&p->failed);
        TAILQ_REMOVE(&p->failed, j, link);
        job_fail(j, "too many queries waiting for a database connection");
    }
    pool_dispatch(p);
}

static void job_on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct db_job *j = arg;
    struct db_pool *p = j->pool;
    char msg[128];
    (void)fd;
    (void)what;
    snprintf(msg, sizeof msg, "no answer from the database within %lldms",
             (long long)(p->timeout_us / 1000));
    if (j->conn == NULL) {
        TAILQ_REMOVE(&p->queue, j, link);
        p->queued--;
        job_fail(j, msg);
        return;
    }
    /* Drop the connection rather than PQcancel it: PQcancel blocks while it
     * connects, which is what a stuck database makes slow. The server ends the
     * backend once it notices the client is gone. */
    struct db_conn *c = j->conn;
    c->job = NULL;
    j->conn = NULL;
    job_fail(j, msg);
    conn_fail(c, msg);
}

void db_query(struct db_pool *p, const char *sql, int nparams, const char *const *params,
              db_done_fn *done, void *arg)
{
    struct db_job *j = calloc(1, sizeof *j);
    int oom = j == NULL;
    if (!oom) {
        j->pool = p;
        j->done = done;
        j->arg = arg;
        j->sql = strdup(sql);
        j->params = calloc((size_t)nparams + 1, sizeof *j->params);
        j->nparams = j->params ? nparams : 0;
        j->deadline = evtimer_new(p->base, job_on_deadline, j);
        oom = j->sql == NULL || j->params == NULL || j->deadline == NULL;
        for (int i = 0; i < nparams && !oom; i++)
            oom = params[i] != NULL && (j->params[i] = strdup(params[i])) == NULL;
    }
    if (oom) {
        /* The one answer given from inside db_query: there is no memory to
         * defer it with. */
        struct db_result res = {DB_UNAVAILABLE, NULL, NULL, "out of memory"};
        if (j != NULL)
            job_free(j);
        done(arg, &res);
        return;
    }
    if (p->queued >= DB_QUEUE_MAX) {
        TAILQ_INSERT_TAIL(&p->failed, j, link);
    } else {
        struct timeval tv = tv_of(p->timeout_us);
        evtimer_add(j->deadline, &tv);
        TAILQ_INSERT_TAIL(&p->queue, j, link);
        p->queued++;
    }
    /* Dispatch from the loop, not here: a send that fails at once would
     * otherwise answer the caller before db_query returns. */
    event_active(p->dispatch_ev, EV_TIMEOUT, 0);
}

struct db_pool *db_pool_new(struct event_base *base, const struct db_pool_config *cfg, char *err,
                            size_t errlen)
{
    struct db_pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        goto oom;
    p->base = base;
    p->size = cfg->size;
    p->timeout_us = cfg->timeout_us;
    p->up = -1;
    TAILQ_INIT(&p->queue);
    TAILQ_INIT(&p->failed);
    snprintf(p->last_error, sizeof p->last_error, "not connected yet");
    p->conninfo = strdup(cfg->conninfo);
    p->app_name = strdup(cfg->app_name);
    p->conns = calloc((size_t)cfg->size, sizeof *p->conns);
    p->dispatch_ev = event_new(base, -1, 0, pool_on_dispatch, p);
    if (p->conninfo == NULL || p->app_name == NULL || p->conns == NULL || p->dispatch_ev == NULL)
        goto oom;
    for (int i = 0; i < p->size; i++) {
        p->conns[i].pool = p;
        p->conns[i].timer = evtimer_new(base, conn_on_timer, &p->conns[i]);
        if (p->conns[i].timer == NULL)
            goto oom;
    }
    for (int i = 0; i < p->size; i++)
        conn_connect(&p->conns[i]);
    return p;
oom:
    snprintf(err, errlen, "out of memory creating the database pool");
    db_pool_free(p);
    return NULL;
}

void db_pool_free(struct db_pool *p)
{
    if (p == NULL)
        return;
    /* Answer everything first: callers free their requests in the callback. */
    while (!TAILQ_EMPTY(&p->failed)) {
        struct db_job *j = TAILQ_FIRST(&p->failed);
        TAILQ_REMOVE(&p->failed, j, link);
        job_fail(j, "shutting down");
    }
    while (!TAILQ_EMPTY(&p->queue)) {
        struct db_job *j = TAILQ_FIRST(&p->queue);
        TAILQ_REMOVE(&p->queue, j, link);
        job_fail(j, "shutting down");
    }
    for (int i = 0; p->conns != NULL && i < p->size; i++) {
        struct db_conn *c = &p->conns[i];
        if (c->job != NULL) {
            struct db_job *j = c->job;
            c->job = NULL;
            job_fail(j, "shutting down");
        }
        conn_close(c);
        if (c->timer != NULL)
            event_free(c->timer);
    }
    if (p->dispatch_ev != NULL)
        event_free(p->dispatch_ev);
    free(p->conns);
    free(p->conninfo);
    free(p->app_name);
    free(p);
}
