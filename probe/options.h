/* pbprobe's command line, parsed once into a config that nothing changes
 * afterwards. */
#ifndef PB_OPTIONS_H
#define PB_OPTIONS_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guard.h"
#include "outcome.h"
#include "redact.h"
#include "targets_file.h"

/* How a target's requests are carried: the time limit, TLS files and
 * version, name and connection lifetimes. Each option sets every target
 * or, with NAME:, one. */
struct probe_transfer {
    int64_t timeout_us;
    const char *cacert, *capath, *key;
    const char *cert;          /* the FILE of --cert FILE[:PASS] */
    const char *cert_password; /* its PASS, NULL when none: never logged */
    long tls_min;              /* a CURL_SSLVERSION_TLSv1_x, 0 for libcurl's default */
    long dns_ttl_s;            /* -1: libcurl's default (60 s); 0: resolve every time */
    long max_conn_age_s;       /* 0: no limit */
};

struct probe_target {
    char *name;
    char *url;
    /* what each request sends and expects (-X, --data, -H, --expect-body;
     * each for every target or, with NAME:, for one) */
    const char *method;   /* NULL: GET, or POST with a body */
    const char *data_arg; /* --data as given: DATA or @FILE */
    char *body;           /* its bytes; NULL when none */
    size_t body_len;
    const char **headers; /* "Name: value", nheaders of them */
    int nheaders;
    const char *expect_src; /* the --expect-body regex as given, NULL when none */
    regex_t *expect;        /* compiled from it */
    char *url_shown;        /* url with its secrets redacted: for the log and messages */
    double rate;            /* scheduled requests per second */
    bool new_connection;    /* a new TCP connection per request, none reused */
    struct probe_transfer transfer;
    int64_t abort_limit[GUARD_NRULES]; /* --abort-on: the live gate's limits, -1 none */
};

/* --connections both probes a target twice, as NAME on kept-alive
 * connections and as NAME CONNECTIONS_NEW_SUFFIX on new ones. */
#define CONNECTIONS_NEW_SUFFIX "~new"

struct probe_config {
    struct probe_target *targets;
    int ntargets;
    int64_t duration_us;      /* 0: until interrupted, or until the command ends */
    int64_t timeout_max_us;   /* the longest of the targets' --timeout: how long a
                                 request may still be in flight at the end */
    int64_t lead_us, tail_us; /* probing before and after COMMAND */
    int max_inflight;         /* per target */
    int64_t max_lag_us;       /* a tick handed to libcurl later than this was not
                                 observed on time; also the loop stall threshold */
    int64_t batch_window_us;  /* ticks due this close after the next one go with it */
    const char *version_header;
    /* the definition of success, written in the log header for the report */
    const char *ok_status;         /* as given */
    unsigned char ok[OUTCOME_MAX]; /* 1 for a status that is a success */
    bool follow_redirects;
    size_t expect_bytes; /* --expect-body searches this much of a body */
    /* names and connections, as curl's options of the same names */
    const char **resolve; /* "HOST:PORT:ADDR[,ADDR]..." */
    int nresolve;
    const char **connect_to; /* "HOST1:PORT1:HOST2:PORT2" */
    int nconnect_to;
    /* TLS checks and the HTTP version, for every target, as curl's options of
     * the same names (the TLS files are per target: struct probe_transfer) */
    bool insecure;
    long http_version;  /* a CURL_HTTP_VERSION_x, 0 for libcurl's default
                           (HTTP/2 where TLS offers it, else HTTP/1.1) */
    const char *output; /* "-" is standard output */
    bool quiet;
    /* the database probe; db_conninfo NULL when off */
    const char *db_conninfo;
    int64_t db_interval_us;
    int64_t db_timeout_us;
    int64_t db_connect_interval_us;
    const char *db_schema_query;
    /* the live gate: a rule breaks, the run aborts (run.c) */
    bool guarded;                      /* some target has an --abort-on rule */
    const char *on_abort;              /* --on-abort: a shell command run then, NULL when none */
    int64_t on_abort_timeout_us;       /* then it is stopped: SIGTERM, SIGKILL 5 s later */
    char **command;                    /* argv after "--", NULL when none */
    char *cmdline_redacted;            /* for the log header */
    char *command_redacted;            /* COMMAND alone, from its argv, for cmd-start */
    struct redact_names redact;        /* --redact-header, --redact-query */
    struct targets_file *target_files; /* --targets: the text its targets' settings point into */
    int ntarget_files;
    char **owned; /* strings made from options (--cert's FILE and PASS) that targets point to */
    int nowned;
};

/* Fills cfg. Returns 0 to go on; 1 after --help or --version (printed: exit
 * 0); -1 for a usage error, with a one-line reason in err. The same contract
 * as pbprobe-report's options_parse: options_free(cfg) afterwards in every
 * case. */
int options_parse(int argc, char **argv, struct probe_config *cfg, char *err, size_t errlen);
void options_free(struct probe_config *cfg);

#endif
