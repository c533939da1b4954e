/* One PostgreSQL connection driven by libpq's asynchronous API on the
 * libevent loop: no thread, no blocking call (PQconnectPoll, PQsendQuery,
 * PQconsumeInput). Timeouts are the caller's: it drops the connection. */
#ifndef PB_PGCONN_H
#define PB_PGCONN_H

#include <event2/event.h>
#include <libpq-fe.h>

#include "logevent.h"

enum pgconn_state { PGCONN_DOWN, PGCONN_CONNECTING, PGCONN_READY, PGCONN_BUSY };

/* What an operation ended with. res is the query's result (NULL for a
 * connect, or on failure); it is freed after the callback returns. */
struct pgconn_result {
    enum log_db_outcome outcome;
    char sqlstate[6];  /* "" when none */
    char message[256]; /* "" when ok */
    PGresult *res;
};

struct pgconn;
typedef void (*pgconn_fn)(void *arg, struct pgconn *c, const struct pgconn_result *r);

struct pgconn *pgconn_new(struct event_base *base, pgconn_fn done, void *arg);
/* Starts connecting: keywords/values as PQconnectStartParams with
 * expand_dbname. The callback says how it ended. -1 when it cannot start. */
int pgconn_connect(struct pgconn *c, const char *const *keywords, const char *const *values);
/* Sends one query on a ready connection; the callback gets its result. */
int pgconn_query(struct pgconn *c, const char *sql);
enum pgconn_state pgconn_state(const struct pgconn *c);
/* Drops the connection at once, whatever it was doing; no callback. */
void pgconn_close(struct pgconn *c);
void pgconn_free(struct pgconn *c);

/* A libpq message reduced to one line, its SQLSTATE taken out when the
 * server gave one ("FATAL:  53300: sorry, too many clients already"). */
void pgconn_parse_error(const char *msg, char sqlstate[6], char *line, size_t len);

#endif
