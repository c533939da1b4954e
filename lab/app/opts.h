/* Command-line options of pybossa-standin, parsed once into a read-only
 * config. The defaults here and in --help are the same table (opts.c). */
#ifndef LAB_OPTS_H
#define LAB_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct appver;

/* What SIGTERM does, as real apps differ: PyBossa 2.7's `python run.py` as a
 * container's PID 1 has no handler, and PID 1 ignores a signal it does not
 * handle, so only SIGKILL stops it. */
enum opts_on_sigterm {
    OPTS_SIGTERM_DRAIN,  /* close the listener, finish in-flight requests, exit */
    OPTS_SIGTERM_IGNORE, /* keep serving until SIGKILL */
    OPTS_SIGTERM_EXIT,   /* die at once, as a process without a handler */
};

struct opts {
    const struct appver *ver;
    char listen_host[256];
    int listen_port;         /* 0: the kernel picks one; "ready PORT" tells which */
    const char *db_conninfo; /* "" leaves everything to libpq's PG* variables */
    int64_t startup_delay_us;
    int pool_size;
    int64_t drain_timeout_us;
    int64_t query_timeout_us;
    const char *access_log; /* NULL: none */
    enum opts_on_sigterm on_sigterm;
};

enum opts_result { OPTS_RUN, OPTS_HELP, OPTS_BAD };

/* OPTS_BAD leaves a one-line reason in err. */
enum opts_result opts_parse(int argc, char **argv, struct opts *o, char *err, size_t errlen);

void opts_usage(FILE *f);

#endif
