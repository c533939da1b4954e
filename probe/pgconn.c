/* Asynchronous libpq on libevent (pgconn.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgconn.h"

struct pgconn {
    struct event_base *base;
    PGconn *conn;
    struct event *ev;
    enum pgconn_state state;
    pgconn_fn done;
    void *arg;
    PGresult *first; /* the first result of the query in progress */
};

void pgconn_parse_error(const char *msg, char sqlstate[6], char *line, size_t len)
{
    sqlstate[0] = '\0';
    if (msg == NULL || *msg == '\0')
        msg = "unknown error";
    /* verbose messages read "SEVERITY:  CODE: text" */
    const char *p = strstr(msg, ":  ");
    if (p && strlen(p) > 9 && p[8] == ':') {
        int code = 1;
        for (int i = 3; i < 8; i++)
            if (!isalnum((unsigned char)p[i]))
                code = 0;
        if (code) {
            memcpy(sqlstate, p + 3, 5);
            sqlstate[5] = '\0';
            msg = p + 9;
            while (*msg == ' ')
                msg++;
        }
    }
    size_t n = strcspn(msg, "\n");
    if (n >= len)
        n = len - 1;
    memcpy(line, msg, n);
    line[n] = '\0';
}

static void finish(struct pgconn *c, enum log_db_outcome outcome, const char *msg, PGresult *res)
{
    struct pgconn_result r = {.outcome = outcome, .res = res};
    if (outcome != LOG_DB_OK) {
        if (res && PQresultErrorField(res, PG_DIAG_SQLSTATE)) {
            snprintf(r.sqlstate, sizeof r.sqlstate, "%s",
                     PQresultErrorField(res, PG_DIAG_SQLSTATE));
            const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
            snprintf(r.message, sizeof r.message, "%s", m ? m : "query failed");
        } else {
            pgconn_parse_error(msg, r.sqlstate, r.message, sizeof r.message);
        }
        /* the server cancelled the statement at statement_timeout: it
         * answered, so it is reachable; something (a lock, mostly) blocks
         * the query: an error with its SQLSTATE, not a timeout */
    }
    c->done(c->arg, c, &r);
}

/* The connection failed: libpq's message is read before the close frees it,
 * then the connection is closed and the probe answers "down". */
static void lost(struct pgconn *c)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s", PQerrorMessage(c->conn));
    pgconn_close(c);
    finish(c, LOG_DB_DOWN, msg, NULL);
}

static void watch(struct pgconn *c, short what);

static void on_socket(evutil_socket_t fd, short what, void *arg);

static void poll_connect(struct pgconn *c)
{
    switch (PQconnectPoll(c->conn)) {
    case PGRES_POLLING_READING:
        watch(c, EV_READ);
        return;
    case PGRES_POLLING_WRITING:
        watch(c, EV_WRITE);
        return;
    case PGRES_POLLING_OK:
        if (PQsetnonblocking(c->conn, 1) != 0) {
            lost(c);
            return;
        }
        c->state = PGCONN_READY;
        if (c->ev)
            event_del(c->ev);
        finish(c, LOG_DB_OK, NULL, NULL);
        return;
    default:
        lost(c);
        return;
    }
}

static void read_results(struct pgconn *c)
{
    if (PQconsumeInput(c->conn) == 0) {
        lost(c);
        return;
    }
    while (!PQisBusy(c->conn)) {
        PGresult *res = PQgetResult(c->conn);
        if (res == NULL) {
            /* the query is complete */
            PGresult *first = c->first;
            c->first = NULL;
            c->state = PGCONN_READY;
            event_del(c->ev);
            if (PQstatus(c->conn) == CONNECTION_BAD) {
                lost(c);
            } else if (first == NULL) {
                finish(c, LOG_DB_ERROR, "no result", NULL);
            } else {
                ExecStatusType st = PQresultStatus(first);
                int ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
                finish(c, ok ? LOG_DB_OK : LOG_DB_ERROR, PQresultErrorMessage(first), first);
            }
            PQclear(first);
            return;
        }
        if (c->first == NULL)
            c->first = res;
        else
            PQclear(res);
    }
    watch(c, EV_READ);
}

static void on_socket(evutil_socket_t fd, short what, void *arg)
{
    struct pgconn *c = arg;
    (void)fd;
    if (c->state == PGCONN_CONNECTING) {
        poll_connect(c);
        return;
    }
    if (c->state != PGCONN_BUSY)
        return;
    if (what & EV_WRITE) {
        int f = PQflush(c->conn);
        if (f < 0) {
            lost(c);
            return;
        }
        if (f == 1) {
            watch(c, EV_READ | EV_WRITE);
            return;
        }
    }
    read_results(c);
}

/* The socket can change while connecting (another host or address), so
 * the event is made anew each time. */
static void watch(struct pgconn *c, short what)
{
    int fd = PQsocket(c->conn);
    if (c->ev)
        event_free(c->ev);
    c->ev = event_new(c->base, fd, what, on_socket, c);
    if (c->ev)
        event_add(c->ev, NULL);
}

struct pgconn *pgconn_new(struct event_base *base, pgconn_fn done, void *arg)
{
    struct pgconn *c = calloc(1, sizeof *c);
    if (c) {
        c->base = base;
        c->done = done;
        c->arg = arg;
    }
    return c;
}

int pgconn_connect(struct pgconn *c, const char *const *keywords, const char *const *values)
{
    pgconn_close(c);
    c->conn = PQconnectStartParams(keywords, values, 1);
    if (c->conn == NULL)
        return -1;
    /* SQLSTATEs of connection failures only show in verbose messages */
    PQsetErrorVerbosity(c->conn, PQERRORS_VERBOSE);
    if (PQstatus(c->conn) == CONNECTION_BAD) {
        lost(c);
        return 0;
    }
    c->state = PGCONN_CONNECTING;
    watch(c, EV_WRITE);
    return 0;
}

int pgconn_query(struct pgconn *c, const char *sql)
{
    if (c->state != PGCONN_READY)
        return -1;
    if (!PQsendQuery(c->conn, sql)) {
        lost(c);
        return 0;
    }
    c->state = PGCONN_BUSY;
    int f = PQflush(c->conn);
    watch(c, f == 1 ? EV_READ | EV_WRITE : EV_READ);
    return 0;
}

enum pgconn_state pgconn_state(const struct pgconn *c)
{
    return c->state;
}

void pgconn_close(struct pgconn *c)
{
    if (c->ev) {
        event_free(c->ev);
        c->ev = NULL;
    }
    if (c->conn) {
        PQfinish(c->conn);
        c->conn = NULL;
    }
    PQclear(c->first);
    c->first = NULL;
    c->state = PGCONN_DOWN;
}

void pgconn_free(struct pgconn *c)
{
    if (c) {
        pgconn_close(c);
        free(c);
    }
}
