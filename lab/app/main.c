/* pybossa-standin: a lab stand-in for PyBossa 2.7.1, 2.7.2 and 2.8.0, not
 * PyBossa. It starts like an app server (listens only after a delay), serves
 * / and /api/helpingmaterial with each release's query, and drains on SIGTERM
 * the way a pod should during a rolling upgrade. Options: opts.c. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "app.h"
#include "appver.h"
#include "applog.h"
#include "db.h"
#include "http.h"
#include "opts.h"

/* Documented in --help and lab/README.md; a rollout driver relies on them. */
enum {
    MAIN_EXIT_OK = 0,            /* drained, or stopped before listening */
    MAIN_EXIT_RUNTIME = 1,       /* could not start: port taken, log not writable */
    MAIN_EXIT_USAGE = 2,         /* bad options */
    MAIN_EXIT_DRAIN_TIMEOUT = 3, /* --drain-timeout passed with requests in flight */
};

enum main_phase { PHASE_STARTING, PHASE_SERVING, PHASE_DRAINING };

struct main_state {
    struct app app;
    struct http_server *http;
    enum main_phase phase;
    int exit_code;
    struct event *ev_start;
    struct event *ev_drain;
};

static struct timeval tv_of(int64_t us)
{
    struct timeval tv = {(time_t)(us / 1000000), (suseconds_t)(us % 1000000)};
    return tv;
}

static void on_start(evutil_socket_t fd, short what, void *arg)
{
    struct main_state *m = arg;
    const struct opts *o = m->app.opts;
    char err[256];
    int port;
    (void)fd;
    (void)what;
    if (http_server_listen(m->http, o->listen_host, o->listen_port, &port, err, sizeof err) < 0) {
        applog_note("%s", err);
        m->exit_code = MAIN_EXIT_RUNTIME;
        event_base_loopbreak(m->app.base);
        return;
    }
    m->phase = PHASE_SERVING;
    applog_set_who(o->ver->name, port);
    applog_note("listening on %s:%d", o->listen_host, port);
    /* The driver's cue: one line, flushed, on stdout; everything else is stderr. */
    printf("ready %d\n", port);
    fflush(stdout);
}

static void on_drained(void *arg)
{
    struct main_state *m = arg;
    applog_note("drained, exiting");
    event_base_loopbreak(m->app.base);
}

static void on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct main_state *m = arg;
    (void)fd;
    (void)what;
    applog_note("drain timeout: %u requests still in flight, exiting",
                http_server_inflight(m->http));
    m->exit_code = MAIN_EXIT_DRAIN_TIMEOUT;
    event_base_loopbreak(m->app.base);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct main_state *m = arg;
    (void)what;
    if (sig == SIGTERM && m->app.opts->on_sigterm == OPTS_SIGTERM_IGNORE) {
        applog_note("%s ignored (--on-sigterm ignore): serving until SIGKILL", strsignal((int)sig));
        return;
    }
    if (sig == SIGTERM && m->app.opts->on_sigterm == OPTS_SIGTERM_EXIT) {
        /* as a process with no handler: gone at once, connections reset,
         * killed by the signal in its parent's eyes */
        applog_note("%s: exiting at once (--on-sigterm exit)", strsignal((int)sig));
        signal(SIGTERM, SIG_DFL);
        raise(SIGTERM);
        return;
    }
    switch (m->phase) {
    case PHASE_STARTING:
        applog_note("%s before listening, exiting", strsignal((int)sig));
        event_base_loopbreak(m->app.base);
        return;
    case PHASE_SERVING:
        m->phase = PHASE_DRAINING;
        applog_note("%s: closing the listener, draining %u requests in flight", strsignal((int)sig),
                    http_server_inflight(m->http));
        struct timeval tv = tv_of(m->app.opts->drain_timeout_us);
        evtimer_add(m->ev_drain, &tv);
        http_server_drain(m->http, on_drained, m);
        return;
    case PHASE_DRAINING:
        applog_note("%s while draining: still waiting for %u requests", strsignal((int)sig),
                    http_server_inflight(m->http));
        return;
    }
}

int main(int argc, char **argv)
{
    struct opts o;
    struct main_state m;
    struct event *ev_term = NULL, *ev_int = NULL;
    char err[512], app_name[64];

    switch (opts_parse(argc, argv, &o, err, sizeof err)) {
    case OPTS_HELP:
        opts_usage(stdout);
        return MAIN_EXIT_OK;
    case OPTS_BAD:
        fprintf(stderr, "pybossa-standin: %s\n", err);
        return MAIN_EXIT_USAGE;
    case OPTS_RUN:
        break;
    }
    applog_set_who(o.ver->name, 0);
    if (o.access_log != NULL && applog_access_open(o.access_log, err, sizeof err) < 0) {
        applog_note("%s", err);
        return MAIN_EXIT_RUNTIME;
    }
    /* A client that hangs up mid-reply must cost one connection, not the process. */
    signal(SIGPIPE, SIG_IGN);

    memset(&m, 0, sizeof m);
    m.app.opts = &o;
    m.exit_code = MAIN_EXIT_OK;
    m.app.base = event_base_new();
    if (m.app.base == NULL) {
        applog_note("cannot create the event loop");
        return MAIN_EXIT_RUNTIME;
    }
    snprintf(app_name, sizeof app_name, "pybossa-standin/%s", o.ver->name);
    struct db_pool_config dbc = {o.db_conninfo, app_name, o.pool_size, o.query_timeout_us};
    m.app.db = db_pool_new(m.app.base, &dbc, err, sizeof err);
    m.http = m.app.db ? http_server_new(&m.app, err, sizeof err) : NULL;
    m.ev_start = evtimer_new(m.app.base, on_start, &m);
    m.ev_drain = evtimer_new(m.app.base, on_drain_timeout, &m);
    ev_term = evsignal_new(m.app.base, SIGTERM, on_signal, &m);
    ev_int = evsignal_new(m.app.base, SIGINT, on_signal, &m);
    if (m.http == NULL || m.ev_start == NULL || m.ev_drain == NULL || ev_term == NULL ||
        ev_int == NULL || evsignal_add(ev_term, NULL) < 0 || evsignal_add(ev_int, NULL) < 0) {
        applog_note("%s", m.http == NULL ? err : "cannot set up events");
        m.exit_code = MAIN_EXIT_RUNTIME;
        goto out;
    }

    /* The port stays closed until the delay has passed, as with an app server
     * importing its code: a rollout that routes traffic too early sees refusals. */
    struct timeval tv = tv_of(o.startup_delay_us);
    evtimer_add(m.ev_start, &tv);
    applog_note("starting, listening in %lldms", (long long)(o.startup_delay_us / 1000));
    event_base_dispatch(m.app.base);

out:
    /* The pool first: it answers queries still pending, which needs the server. */
    db_pool_free(m.app.db);
    http_server_free(m.http);
    if (ev_term != NULL)
        event_free(ev_term);
    if (ev_int != NULL)
        event_free(ev_int);
    if (m.ev_start != NULL)
        event_free(m.ev_start);
    if (m.ev_drain != NULL)
        event_free(m.ev_drain);
    event_base_free(m.app.base);
    applog_access_close();
    return m.exit_code;
}
