/* The HTTP server (http.h) on libevent's evhttp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "app.h"
#include "appver.h"
#include "applog.h"
#include "clock.h"
#include "hmapi.h"
#include "home.h"
#include "http.h"
#include "opts.h"
#include "pberr.h"

struct http_server {
    struct app *app;
    struct evhttp *evh;
    struct evhttp_bound_socket *bound;
    char self_host[300]; /* "127.0.0.1:5000", for requests without a Host header */
    unsigned inflight;
    int draining;
    void (*drained)(void *);
    void *drained_arg;
};

struct http_exchange {
    struct http_server *srv;
    struct evhttp_request *req;
    int64_t wall_start_us;
    int64_t mono_start_us;
};

struct app *http_exchange_app(const struct http_exchange *x)
{
    return x->srv->app;
}

struct evhttp_request *http_exchange_req(const struct http_exchange *x)
{
    return x->req;
}

int http_exchange_wants_json(const struct http_exchange *x)
{
    const char *ct = evhttp_find_header(evhttp_request_get_input_headers(x->req), "Content-Type");
    return ct != NULL && strncasecmp(ct, "application/json", 16) == 0;
}

const char *http_exchange_host(const struct http_exchange *x)
{
    const char *h = evhttp_find_header(evhttp_request_get_input_headers(x->req), "Host");
    return h != NULL && *h ? h : x->srv->self_host;
}

static const char *method_name(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_HEAD:
        return "HEAD";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_PUT:
        return "PUT";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_OPTIONS:
        return "OPTIONS";
    case EVHTTP_REQ_TRACE:
        return "TRACE";
    case EVHTTP_REQ_CONNECT:
        return "CONNECT";
    case EVHTTP_REQ_PATCH:
        return "PATCH";
    }
    return "OTHER";
}

/* An exchange ends when its reply is fully written, or when the connection
 * dies first: only then may a draining server exit without cutting a reply. */
static void exchange_ended(struct http_server *s)
{
    s->inflight--;
    if (s->draining && s->inflight == 0 && s->drained != NULL) {
        void (*drained)(void *) = s->drained;
        s->drained = NULL;
        drained(s->drained_arg);
    }
}

static void on_reply_written(struct evhttp_request *req, void *arg)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    if (evcon != NULL)
        evhttp_connection_set_closecb(evcon, NULL, NULL);
    exchange_ended(arg);
}

static void on_conn_closed_mid_reply(struct evhttp_connection *evcon, void *arg)
{
    (void)evcon;
    exchange_ended(arg);
}

void http_reply(struct http_exchange *x, int status, const char *content_type,
                struct evbuffer *body)
{
    struct http_server *s = x->srv;
    struct evhttp_request *req = x->req;
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);

    if (content_type != NULL)
        evhttp_add_header(out, "Content-Type", content_type);
    evhttp_add_header(out, "X-App-Version", s->app->opts->ver->name);
    if (s->draining)
        evhttp_add_header(out, "Connection", "close");

    struct applog_access a = {
        .wall_start_us = x->wall_start_us,
        .dur_us = clock_mono_us() - x->mono_start_us,
        .status = status,
        .method = method_name(evhttp_request_get_command(req)),
        .uri = evhttp_request_get_uri(req),
        .request_id = evhttp_find_header(evhttp_request_get_input_headers(req), "X-Request-ID"),
    };
    applog_access(&a);

    if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD)
        body = NULL;
    if (evcon != NULL) {
        /* One of the two fires, never both: a written reply clears the close
         * callback; a connection that dies first never writes the reply. */
        evhttp_request_set_on_complete_cb(req, on_reply_written, s);
        evhttp_connection_set_closecb(evcon, on_conn_closed_mid_reply, s);
    }
    evhttp_send_reply(req, status, NULL, body);
    if (evcon == NULL) /* the client left while we waited; evhttp just frees req */
        exchange_ended(s);
    free(x);
}

void http_reply_error(struct http_exchange *x, const char *target, const struct pberr *e)
{
    struct evbuffer *b = evbuffer_new();
    if (b != NULL)
        pberr_body(b, method_name(evhttp_request_get_command(x->req)), target, e);
    http_reply(x, e->status, "application/json", b);
    if (b != NULL)
        evbuffer_free(b);
}

void http_reply_db_error(struct http_exchange *x, const char *target, const struct db_result *res)
{
    struct pberr e;
    pberr_from_db(res, &e);
    http_reply_error(x, target, &e);
}

static void reply_plain_error(struct http_exchange *x, int status, const char *cls, const char *msg)
{
    struct pberr e = {.status = status, .cls = cls};
    snprintf(e.msg, sizeof e.msg, "%s", msg);
    http_reply_error(x, NULL, &e);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct http_server *s = arg;
    struct http_exchange *x = calloc(1, sizeof *x);
    if (x == NULL) {
        evhttp_send_error(req, 503, "out of memory");
        return;
    }
    x->srv = s;
    x->req = req;
    x->wall_start_us = clock_wall_us();
    x->mono_start_us = clock_mono_us();
    s->inflight++;

    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    int is_home = path != NULL && strcmp(path, "/") == 0;
    int is_hm = path != NULL && strcmp(path, "/api/helpingmaterial") == 0;

    if (!is_home && !is_hm) {
        reply_plain_error(x, 404, "NotFound", "404 Not Found");
        return;
    }
    if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
        reply_plain_error(x, 405, "MethodNotAllowed", "405 Method Not Allowed");
        return;
    }
    if (is_home)
        home_get(x);
    else
        hmapi_list(x);
}

struct http_server *http_server_new(struct app *app, char *err, size_t errlen)
{
    struct http_server *s = calloc(1, sizeof *s);
    if (s == NULL || (s->evh = evhttp_new(app->base)) == NULL) {
        snprintf(err, errlen, "cannot create the HTTP server");
        free(s);
        return NULL;
    }
    s->app = app;
    evhttp_set_allowed_methods(s->evh, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                           EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                           EVHTTP_REQ_PATCH);
    evhttp_set_gencb(s->evh, on_request, s);
    return s;
}

int http_server_listen(struct http_server *s, const char *host, int port, int *bound_port,
                       char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;

    s->bound = evhttp_bind_socket_with_handle(s->evh, host, (ev_uint16_t)port);
    if (s->bound == NULL) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port,
                 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return -1;
    }
    *bound_port = port;
    evutil_socket_t fd = evhttp_bound_socket_get_fd(s->bound);
    if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0) {
        if (ss.ss_family == AF_INET)
            *bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            *bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    snprintf(s->self_host, sizeof s->self_host, "%s:%d", host, *bound_port);
    return 0;
}

void http_server_drain(struct http_server *s, void (*drained)(void *), void *arg)
{
    if (s->bound != NULL) {
        evhttp_del_accept_socket(s->evh, s->bound); /* closes the socket: refused from now */
        s->bound = NULL;
    }
    s->draining = 1;
    s->drained = drained;
    s->drained_arg = arg;
    if (s->inflight == 0) {
        s->drained = NULL;
        drained(arg);
    }
}

unsigned http_server_inflight(const struct http_server *s)
{
    return s->inflight;
}

void http_server_free(struct http_server *s)
{
    if (s == NULL)
        return;
    s->drained = NULL; /* connections closed below must not call back into main */
    evhttp_free(s->evh);
    free(s);
}
