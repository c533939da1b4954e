/* The HTTP side: listening, routing, replying with the headers every response
 * carries, and the SIGTERM drain (stop accepting, wait for in-flight requests).
 * An exchange is one request from arrival until its reply is handed over. */
#ifndef LAB_HTTP_H
#define LAB_HTTP_H

#include <stddef.h>

#include <event2/buffer.h>
#include <event2/http.h>

struct app;
struct db_result;
struct pberr;

struct http_server;
struct http_exchange;

struct http_server *http_server_new(struct app *app, char *err, size_t errlen);

/* Binds and listens; port 0 picks a free port, returned in bound_port. */
int http_server_listen(struct http_server *s, const char *host, int port, int *bound_port,
                       char *err, size_t errlen);

/* Closes the listener, so new connections are refused; answers still to come
 * say "Connection: close". Calls drained once nothing is in flight, at once
 * when nothing is. */
void http_server_drain(struct http_server *s, void (*drained)(void *), void *arg);

/* Requests arrived whose reply is not yet fully written. */
unsigned http_server_inflight(const struct http_server *s);

void http_server_free(struct http_server *s);

/* For handlers. */
struct app *http_exchange_app(const struct http_exchange *x);
struct evhttp_request *http_exchange_req(const struct http_exchange *x);
/* PyBossa answers JSON instead of HTML when the request says
 * "Content-Type: application/json". */
int http_exchange_wants_json(const struct http_exchange *x);
/* The Host header as sent (with its port), as Flask's external URLs use it. */
const char *http_exchange_host(const struct http_exchange *x);

/* Sends the reply and ends the exchange: x is freed. body may be NULL. */
void http_reply(struct http_exchange *x, int status, const char *content_type,
                struct evbuffer *body);
/* A PyBossa-style JSON error body (pberr.h). */
void http_reply_error(struct http_exchange *x, const char *target, const struct pberr *e);
void http_reply_db_error(struct http_exchange *x, const char *target, const struct db_result *res);

#endif
