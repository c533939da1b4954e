/* A small pool of PostgreSQL connections driven by libpq's asynchronous API on
 * the libevent loop, so a hung database stalls requests, never the server.
 * Connections that break are reopened in the background; a query that cannot
 * get an answer within the timeout fails instead of waiting forever. */
#ifndef LAB_DB_H
#define LAB_DB_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <libpq-fe.h>

enum db_outcome {
    DB_OK,          /* rows holds the result */
    DB_SQL_ERROR,   /* the server rejected the statement: sqlstate and message */
    DB_UNAVAILABLE, /* no connection, connection lost, or timed out: message */
};

struct db_result {
    enum db_outcome outcome;
    const PGresult *rows; /* DB_OK only; valid during the callback */
    const char *sqlstate; /* DB_SQL_ERROR: five characters, e.g. "42703" */
    const char *message;  /* errors: libpq's text without the "ERROR:  " prefix */
};

/* Called exactly once per db_query; from inside db_query only when out of
 * memory, so a caller does nothing with its request after calling db_query. */
typedef void db_done_fn(void *arg, const struct db_result *res);

struct db_pool_config {
    const char *conninfo; /* libpq connection string; "" for the PG* variables */
    const char *app_name; /* fallback_application_name: who is who in pg_stat_activity */
    int size;
    int64_t timeout_us; /* per query, from db_query to the answer; also per connect */
};

struct db_pool;

/* Starts connecting right away; never fails because the database is down. */
struct db_pool *db_pool_new(struct event_base *base, const struct db_pool_config *cfg, char *err,
                            size_t errlen);

/* Fails every pending query ("shutting down") through its callback, then frees. */
void db_pool_free(struct db_pool *pool);

/* Queues sql with text parameters ($1...) for the first free connection. */
void db_query(struct db_pool *pool, const char *sql, int nparams, const char *const *params,
              db_done_fn *done, void *arg);

/* psycopg2's exception class for a SQLSTATE, as PyBossa reports it. */
const char *db_exception_class(const char *sqlstate);

#endif
