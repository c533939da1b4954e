/* Readiness probes with libevent's HTTP client (rprobe.h). evhttp's own
 * timeout is per read or write, the kubelet's covers the whole probe: a timer
 * gives the verdict at the deadline and closes the connection. A probe is
 * freed before its verdict is handed over, so the callback may start the
 * next one. */
#include <stdlib.h>
#include <sys/time.h>

#include <event2/event.h>
#include <event2/http.h>

#include "rprobe.h"

struct rprobe {
    struct event_base *base;
    struct evhttp_connection *conn;
    struct event *deadline;
    rprobe_done_fn done;
    void *arg;
};

/* Frees the probe and its connection with the request still pending:
 * evhttp_connection_free drops pending requests without calling them back. */
static void probe_free(struct rprobe *p)
{
    evhttp_connection_free(p->conn);
    event_free(p->deadline);
    free(p);
}

/* Connections answered, freed on the loop's next turn (on_response): listed
 * so that rprobe_shutdown frees those whose turn never came (the driver
 * stopped first). */
struct done_conn {
    struct evhttp_connection *conn;
    struct event *ev;
    struct done_conn *next, **prev;
};
static struct done_conn *done_conns;

static void done_conn_free(struct done_conn *c)
{
    *c->prev = c->next;
    if (c->next)
        c->next->prev = c->prev;
    evhttp_connection_free(c->conn);
    event_free(c->ev);
    free(c);
}

static void free_conn(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    done_conn_free(arg);
}

void rprobe_shutdown(void)
{
    while (done_conns)
        done_conn_free(done_conns);
}

static void on_response(struct evhttp_request *req, void *arg)
{
    struct rprobe *p = arg;
    rprobe_done_fn done = p->done;
    void *done_arg = p->arg;
    /* NULL or code 0: refused, reset or evhttp's own timeout */
    int code = req != NULL ? evhttp_request_get_response_code(req) : 0;
    /* evhttp still uses the connection when this returns, and frees it by
     * itself only after a success (free_on_completion): freed on the next
     * turn, once it is done with it, whatever the outcome (out of memory, it
     * leaks rather than be freed in use) */
    struct timeval now = {0, 0};
    struct done_conn *c = calloc(1, sizeof *c);
    if (c != NULL && (c->ev = evtimer_new(p->base, free_conn, c)) != NULL) {
        c->conn = p->conn;
        c->next = done_conns;
        c->prev = &done_conns;
        if (done_conns)
            done_conns->prev = &c->next;
        done_conns = c;
        evtimer_add(c->ev, &now);
    } else {
        free(c);
    }
    event_free(p->deadline);
    free(p);
    done(code, done_arg);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct rprobe *p = arg;
    rprobe_done_fn done = p->done;
    void *done_arg = p->arg;
    (void)fd;
    (void)what;
    probe_free(p);
    done(0, done_arg);
}

struct rprobe *rprobe_start(struct event_base *base, int port, const char *path, int64_t timeout_us,
                            rprobe_done_fn done, void *arg)
{
    struct rprobe *p = calloc(1, sizeof *p);
    struct evhttp_request *req;
    struct timeval tv = {.tv_sec = timeout_us / 1000000, .tv_usec = timeout_us % 1000000};
    if (p == NULL)
        return NULL;
    p->base = base;
    p->done = done;
    p->arg = arg;
    p->deadline = evtimer_new(base, on_deadline, p);
    p->conn = evhttp_connection_base_new(base, NULL, "127.0.0.1", (unsigned short)port);
    req = evhttp_request_new(on_response, p);
    if (p->deadline == NULL || p->conn == NULL || req == NULL) {
        if (req != NULL)
            evhttp_request_free(req);
        goto fail;
    }
    evhttp_connection_set_timeout_tv(p->conn, &tv);
    evhttp_connection_set_retries(p->conn, 0);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Host", "127.0.0.1");
    evhttp_add_header(evhttp_request_get_output_headers(req), "User-Agent", "kube-probe/lab");
    evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
    if (evhttp_make_request(p->conn, req, EVHTTP_REQ_GET, path) != 0)
        goto fail; /* evhttp_make_request frees req when it fails */
    evtimer_add(p->deadline, &tv);
    return p;
fail:
    if (p->conn != NULL)
        evhttp_connection_free(p->conn);
    if (p->deadline != NULL)
        event_free(p->deadline);
    free(p);
    return NULL;
}

void rprobe_detach(struct rprobe *p)
{
    probe_free(p);
}

int rprobe_success(int code)
{
    return code >= 200 && code < 400;
}
