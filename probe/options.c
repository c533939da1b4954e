/* Parsing of pbprobe's command line (options.h). The --help text here and
 * docs/pbprobe.1 are kept side by side; t/t1000 checks that they name the
 * same options. */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "about.h"
#include "options.h"
#include "redact.h"
#include "targets_file.h"
#include "units.h"

#define DEFAULT_RATE 50.0
#define DEFAULT_TIMEOUT_US 2000000
#define DEFAULT_MAX_INFLIGHT 1000
/* Lateness past which a tick does not count as observed at its scheduled
 * time. 100 ms: far above the sub-millisecond lag of a prober that keeps up
 * (and a CFS quota's usual throttling slice), far below the seconds a stalled
 * or starved prober falls behind. */
#define DEFAULT_MAX_LAG_US 100000
/* a wakeup of the loop costs about as much as a request: at 10k/s, 500 us
 * sends five requests per wakeup and halves pbprobe's CPU (bench/README.md) */
#define DEFAULT_BATCH_WINDOW_US 500
#define MAX_BATCH_WINDOW_US 10000 /* wider saves little more CPU and blurs latency more */
#define DEFAULT_OK_STATUS "200"
#define DEFAULT_LEAD_US 1000000
#define DEFAULT_TAIL_US 5000000
#define DEFAULT_ON_ABORT_TIMEOUT_US (600LL * 1000000) /* a rollout undo takes minutes */
#define DEFAULT_EXPECT_BYTES 65536
#define BODY_MAX (1 << 20) /* --data @FILE: a probe, not an upload */
#define DEFAULT_DB_INTERVAL_US 100000
#define DEFAULT_DB_TIMEOUT_US 1000000
#define DEFAULT_DB_CONNECT_INTERVAL_US 1000000
#define DEFAULT_DB_SCHEMA_QUERY "SELECT version_num FROM alembic_version"

static const char usage_text[] =
    "Usage: pbprobe [OPTIONS] [NAME=]URL... [-- COMMAND [ARG...]]\n"
    "       pbprobe mark TEXT\n"
    "\n"
    "Probes each URL at a fixed rate, open loop: requests are sent on schedule\n"
    "whatever the responses do, and latency counts from the scheduled time.\n"
    "One log line per request (docs/log-format.md); read it with pbprobe-report.\n"
    "With a COMMAND (an upgrade), probes from before it starts until it exits,\n"
    "and exits with its status. Inside it, `pbprobe mark TEXT` adds a marker.\n"
    "\n"
    "Probing:\n"
    "  -r, --rate [NAME:]RATE      requests per second per URL (default 50);\n"
    "                              NAME: sets one target's rate. 10k, 600/m work\n"
    "  -d, --duration DURATION     stop after this long (default: until interrupted);\n"
    "                              not with a COMMAND\n"
    "  -t, -m, --timeout, --max-time [NAME:]DURATION\n"
    "                              a request not done by then is a timeout (default\n"
    "                              2s); -m and --max-time as in curl\n"
    "      --max-inflight N        requests in flight per URL; beyond, ticks are\n"
    "                              logged as skipped (default 1000)\n"
    "      --connections [NAME:]KIND\n"
    "                              keepalive: reuse connections (default); new: a\n"
    "                              TCP connection per request; both: NAME on reused\n"
    "                              and NAME~new on new connections, each at the\n"
    "                              full rate. NAME: sets one target's kind\n"
    "      --new-connection        the same as --connections new\n"
    "  -H, --header [NAME:]'HEADER: VALUE'\n"
    "                              add a request header (repeatable)\n"
    "  -X, --request [NAME:]METHOD the request method (default GET, or POST with\n"
    "                              --data)\n"
    "      --data [NAME:]DATA      send DATA as the request body; @FILE: FILE's\n"
    "                              bytes (at most 1 MiB)\n"
    "      --expect-body [NAME:]REGEX\n"
    "                              a success whose body does not match REGEX\n"
    "                              (POSIX extended) is logged \"body\": a 200\n"
    "                              maintenance page is downtime\n"
    "      --expect-bytes N        search the first N bytes of a body (default 64k)\n"
    "                              NAME: in -H, -X, --data, --expect-body applies\n"
    "                              the value to that target when one has the name\n"
    "      --targets FILE          targets, and their rate, headers, method, body\n"
    "                              and expectation, from FILE (docs/targets-file.md;\n"
    "                              repeatable); the command line's URLs add to them\n"
    "                              and its NAME: options override them\n"
    "      --version-header NAME   log this response header (e.g. X-App-Version)\n"
    "      --ok-status LIST        the statuses that are successes, e.g. 200,204 or\n"
    "                              2xx,304: counted live, and written in the log for\n"
    "                              the report (default 200)\n"
    "  -k, --insecure              do not verify the server's certificate\n"
    "      --cacert [NAME:]FILE    verify servers with these CA certificates (PEM)\n"
    "      --capath [NAME:]DIR     verify servers with the CA certificates in DIR\n"
    "      --cert [NAME:]FILE[:PASS]\n"
    "                              a client certificate (PEM), for mutual TLS; PASS,\n"
    "                              its key's password, is never logged\n"
    "      --key [NAME:]FILE       the client certificate's key, when not in FILE\n"
    "      --tls-min [NAME:]VERSION\n"
    "                              the lowest TLS version: 1.0, 1.1, 1.2 or 1.3\n"
    "      --http1.1               HTTP/1.1 only\n"
    "      --http2                 HTTP/2 over TLS where the server offers it (ALPN),\n"
    "                              else HTTP/1.1: the default\n"
    "      --http2-prior-knowledge HTTP/2 without TLS (h2c), no upgrade\n"
    "      --resolve HOST:PORT:ADDR[,ADDR]...\n"
    "                              connect to ADDR for HOST:PORT, no resolver\n"
    "      --connect-to HOST1:PORT1:HOST2:PORT2\n"
    "                              connect to HOST2:PORT2 for HOST1:PORT1 (an empty\n"
    "                              field matches any); both repeatable\n"
    "      --dns-ttl DURATION      how long a name's address is reused (default 60s;\n"
    "                              0: resolve for every new connection)\n"
    "      --max-conn-age DURATION a connection older than this is not reused, in\n"
    "                              whole seconds (default: no limit)\n"
    "                              NAME: in --timeout and the TLS options sets one\n"
    "                              target's value; a path's colon is a name only\n"
    "                              when a target has it\n"
    "      --follow-redirects      follow redirects (at most 10), the final status is\n"
    "                              logged (default: a redirect is the answer itself)\n"
    "      --max-lag DURATION      a request sent later than this after its scheduled\n"
    "                              time was not observed on time: the report counts\n"
    "                              it as blind; a loop stall longer than this is\n"
    "                              logged (default 100ms)\n"
    "      --batch-window DURATION ticks due within this of the next one are sent\n"
    "                              with the last of them, in one wakeup: none\n"
    "                              early, the first up to this late (default\n"
    "                              500us; 0: each tick on its own)\n"
    "\n"
    "Database (PostgreSQL, on the same loop):\n"
    "      --db CONNINFO           probe this database (libpq key=value or URI;\n"
    "                              the password never reaches the log)\n"
    "      --db-interval DURATION  schema query and lock look (default 100ms)\n"
    "      --db-connect-interval DURATION\n"
    "                              a fresh connection (default 1s)\n"
    "      --db-timeout DURATION   a probe not answered by then is a timeout (default 1s)\n"
    "      --db-schema-query SQL   its first value is the schema version\n"
    "                              (default: SELECT version_num FROM alembic_version)\n"
    "\n"
    "Command:\n"
    "      --lead DURATION         probe this long before starting COMMAND (default 1s)\n"
    "      --tail DURATION         probe this long after COMMAND exits (default 5s)\n"
    "\n"
    "Live gate:\n"
    "      --abort-on [NAME:]RULE=LIMIT\n"
    "                              abort when a rule breaks while probing: max-errors=N,\n"
    "                              max-window=DURATION, max-downtime=DURATION,\n"
    "                              max-blind=DURATION (pbprobe-report's rules, so far);\n"
    "                              logs an abort line, runs --on-abort, stops COMMAND\n"
    "                              (SIGTERM, SIGKILL 5s later), probes on until both\n"
    "                              have ended, then --tail; repeatable\n"
    "      --on-abort CMD          shell command run at the abort (e.g. kubectl rollout\n"
    "                              undo deployment/app); its output goes to stderr\n"
    "      --on-abort-timeout DURATION\n"
    "                              then stop it (SIGTERM, SIGKILL 5s later): a failed\n"
    "                              rollback (default 10m)\n"
    "\n"
    "Output:\n"
    "  -o, --output FILE           the log (default: standard output; required\n"
    "                              with a COMMAND); not the body, as in curl:\n"
    "                              pbprobe keeps no body\n"
    "  -q, --quiet                 no status line or summary on standard error\n"
    "      --redact-header LIST    more headers whose values never reach the log,\n"
    "                              comma-separated (always: Authorization, Cookie,\n"
    "                              Proxy-Authorization, X-Api-Key, X-Auth-Token)\n"
    "      --redact-query LIST     more URL query parameters whose values never\n"
    "                              reach the log or a message (always: token, key,\n"
    "                              password, secret, sig, signature and more:\n"
    "                              pbprobe(1)); a URL's password never does\n"
    "  -h, --help                  this text\n"
    "      --version               print the version\n"
    "\n"
    "Durations: 500us, 250ms, 2s, 1m30s, 1h. A URL's default NAME is its path.\n"
    "Every request carries an X-Request-ID header, logged, to find it in server logs.\n"
    "\n"
    "Exit status:\n"
    "  0      done: the duration was reached, or probing was stopped by one signal\n"
    "  2      usage error: a bad option, URL, duration or rate\n"
    "  3      the log could not be opened or written: probing stops, a running\n"
    "         COMMAND is never killed for it\n"
    "  4      internal error: libevent or libcurl could not be set up, or memory\n"
    "         ran out\n"
    "  5      aborted: an --abort-on rule broke (the --on-abort command, if any,\n"
    "         succeeded)\n"
    "  6      aborted, and the --on-abort command failed or could not be started\n"
    "  127    COMMAND could not be started\n"
    "  128+N  stopped by a second signal N, after COMMAND, if any, was stopped\n"
    "With a COMMAND: the command's own exit status (128+N when it was killed by\n"
    "signal N), unless pbprobe failed, aborted or was stopped as above.\n";

enum {
    OPT_VERSION_HEADER = 256,
    OPT_LEAD,
    OPT_TAIL,
    OPT_VERSION,
    OPT_DB,
    OPT_DB_INTERVAL,
    OPT_DB_CONNECT_INTERVAL,
    OPT_DB_TIMEOUT,
    OPT_DB_SCHEMA_QUERY,
    OPT_MAX_LAG,
    OPT_BATCH_WINDOW,
    OPT_OK_STATUS,
    OPT_FOLLOW_REDIRECTS,
    OPT_CONNECTIONS,
    OPT_REDACT_HEADER,
    OPT_REDACT_QUERY,
    OPT_MAX_INFLIGHT,
    OPT_NEW_CONNECTION,
    OPT_CACERT,
    OPT_CAPATH,
    OPT_CERT,
    OPT_KEY,
    OPT_TLS_MIN,
    OPT_HTTP1_1,
    OPT_HTTP2,
    OPT_HTTP2_PRIOR_KNOWLEDGE,
    OPT_DATA,
    OPT_EXPECT_BODY,
    OPT_EXPECT_BYTES,
    OPT_RESOLVE,
    OPT_CONNECT_TO,
    OPT_DNS_TTL,
    OPT_MAX_CONN_AGE,
    OPT_TARGETS,
    OPT_ABORT_ON,
    OPT_ON_ABORT,
    OPT_ON_ABORT_TIMEOUT,
};

static const struct option long_options[] = {
    {"rate", required_argument, NULL, 'r'},
    {"duration", required_argument, NULL, 'd'},
    {"timeout", required_argument, NULL, 't'},
    {"max-time", required_argument, NULL, 't'},
    {"max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT},
    {"new-connection", no_argument, NULL, OPT_NEW_CONNECTION},
    {"connections", required_argument, NULL, OPT_CONNECTIONS},
    {"header", required_argument, NULL, 'H'},
    {"request", required_argument, NULL, 'X'},
    {"data", required_argument, NULL, OPT_DATA},
    {"expect-body", required_argument, NULL, OPT_EXPECT_BODY},
    {"expect-bytes", required_argument, NULL, OPT_EXPECT_BYTES},
    {"resolve", required_argument, NULL, OPT_RESOLVE},
    {"connect-to", required_argument, NULL, OPT_CONNECT_TO},
    {"dns-ttl", required_argument, NULL, OPT_DNS_TTL},
    {"max-conn-age", required_argument, NULL, OPT_MAX_CONN_AGE},
    {"targets", required_argument, NULL, OPT_TARGETS},
    {"version-header", required_argument, NULL, OPT_VERSION_HEADER},
    {"lead", required_argument, NULL, OPT_LEAD},
    {"tail", required_argument, NULL, OPT_TAIL},
    {"abort-on", required_argument, NULL, OPT_ABORT_ON},
    {"on-abort", required_argument, NULL, OPT_ON_ABORT},
    {"on-abort-timeout", required_argument, NULL, OPT_ON_ABORT_TIMEOUT},
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"db", required_argument, NULL, OPT_DB},
    {"db-interval", required_argument, NULL, OPT_DB_INTERVAL},
    {"db-connect-interval", required_argument, NULL, OPT_DB_CONNECT_INTERVAL},
    {"db-timeout", required_argument, NULL, OPT_DB_TIMEOUT},
    {"db-schema-query", required_argument, NULL, OPT_DB_SCHEMA_QUERY},
    {"max-lag", required_argument, NULL, OPT_MAX_LAG},
    {"batch-window", required_argument, NULL, OPT_BATCH_WINDOW},
    {"ok-status", required_argument, NULL, OPT_OK_STATUS},
    {"follow-redirects", no_argument, NULL, OPT_FOLLOW_REDIRECTS},
    {"insecure", no_argument, NULL, 'k'},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"capath", required_argument, NULL, OPT_CAPATH},
    {"cert", required_argument, NULL, OPT_CERT},
    {"key", required_argument, NULL, OPT_KEY},
    {"tls-min", required_argument, NULL, OPT_TLS_MIN},
    {"http1.1", no_argument, NULL, OPT_HTTP1_1},
    {"http2", no_argument, NULL, OPT_HTTP2},
    {"http2-prior-knowledge", no_argument, NULL, OPT_HTTP2_PRIOR_KNOWLEDGE},
    {"redact-header", required_argument, NULL, OPT_REDACT_HEADER},
    {"redact-query", required_argument, NULL, OPT_REDACT_QUERY},
    {NULL, 0, NULL, 0},
};

enum connections { CONNECTIONS_KEEPALIVE, CONNECTIONS_NEW, CONNECTIONS_BOTH };

/* The options that take a target's NAME: (targets_file.h); loose ones (a
 * header, a body, a regex have colons of their own) only when a target has
 * that name. */
static const struct {
    const char *option;
    bool loose;
} settings_of[] = {
    [SET_RATE] = {"--rate", false},
    [SET_CONNECTIONS] = {"--connections", false},
    [SET_HEADER] = {"--header", true},
    [SET_REQUEST] = {"--request", false},
    [SET_DATA] = {"--data", true},
    [SET_EXPECT_BODY] = {"--expect-body", true},
    [SET_TIMEOUT] = {"--timeout", false},
    /* a path may hold a colon; --cert's FILE:PASS does */
    [SET_CACERT] = {"--cacert", true},
    [SET_CAPATH] = {"--capath", true},
    [SET_CERT] = {"--cert", true},
    [SET_KEY] = {"--key", true},
    [SET_TLS_MIN] = {"--tls-min", false},
    [SET_DNS_TTL] = {"--dns-ttl", false},
    [SET_MAX_CONN_AGE] = {"--max-conn-age", false},
    [SET_ABORT_ON] = {"--abort-on", false},
};

/* A per-target setting, "[NAME:]VALUE": applied once every target is known.
 * Without NAME it is every target's default, whatever its place among the
 * named ones. */
struct target_setting {
    enum setting kind;
    const char *option; /* "--rate" */
    const char *arg;    /* [NAME:]VALUE as given */
    bool named, loose;
    const char *name; /* the target's name when named: arg's start, or a file's block */
    size_t name_len;
    const char *value; /* after NAME: */
    double rate;
    enum connections connections;
    int64_t us;   /* --timeout */
    long seconds; /* --dns-ttl, --max-conn-age: libcurl counts whole seconds */
    long tls_min;
    enum guard_rule abort_rule; /* --abort-on RULE=LIMIT */
    int64_t abort_limit;
};

static int parse_connections(const char *s, enum connections *out)
{
    static const char *const kinds[] = {"keepalive", "new", "both"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, kinds[i]) == 0) {
            *out = (enum connections)i;
            return 0;
        }
    return -1;
}

/* A URL's path as its default name: "/" for the home page. */
static char *default_name(const char *url)
{
    CURLU *u = curl_url();
    char *path = NULL, *name;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && path[0])
        name = strdup(path);
    else
        name = strdup("/");
    curl_free(path);
    curl_url_cleanup(u);
    return name;
}

static int add_target(struct probe_config *cfg, const char *arg, char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    const char *scheme = strstr(arg, "://");
    const char *url = arg;
    char *name = NULL;
    if (eq && (scheme == NULL || eq < scheme)) {
        if (!target_name_valid(arg, (size_t)(eq - arg))) {
            snprintf(err, errlen, "bad target name \"%.*s\": no spaces, ':' or '='",
                     (int)(eq - arg), arg);
            return -1;
        }
        name = strndup(arg, (size_t)(eq - arg));
        url = eq + 1;
    }
    /* what a message or the log may show of it */
    char *shown = redact_text(url, &cfg->redact);
    if (shown == NULL)
        goto oom;
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        snprintf(err, errlen, "bad URL \"%s\": must start with http:// or https://", shown);
        goto fail;
    }
    CURLU *u = curl_url();
    CURLUcode uc = u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
    curl_url_cleanup(u);
    if (uc != CURLUE_OK) {
        snprintf(err, errlen, "bad URL \"%s\": %s", shown, curl_url_strerror(uc));
        goto fail;
    }
    if (name == NULL)
        name = default_name(url);
    if (name == NULL)
        goto oom;
    for (int i = 0; i < cfg->ntargets; i++) {
        if (strcmp(cfg->targets[i].name, name) == 0) {
            snprintf(err, errlen, "two targets named \"%s\": name them, e.g. a=%s", name, shown);
            goto fail;
        }
    }
    struct probe_target *t = realloc(cfg->targets, (size_t)(cfg->ntargets + 1) * sizeof *t);
    if (t == NULL)
        goto oom;
    cfg->targets = t;
    memset(&t[cfg->ntargets], 0, sizeof *t);
    t[cfg->ntargets].name = name;
    t[cfg->ntargets].url = strdup(url);
    t[cfg->ntargets].url_shown = shown;
    t[cfg->ntargets].rate = DEFAULT_RATE;
    cfg->ntargets++;
    if (t[cfg->ntargets - 1].url == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1; /* options_free frees what the target holds */
    }
    return 0;
fail:
    free(name);
    free(shown);
    return -1;
oom:
    free(name);
    free(shown);
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* The one splitter of "[NAME:]VALUE": records the setting and points *value
 * at the part after the name, for the option to parse into it. */
static struct target_setting *add_setting(struct target_setting **settings, int *n,
                                          enum setting kind, const char *arg, const char **value,
                                          char *err, size_t errlen)
{
    const char *option = settings_of[kind].option, *colon = strchr(arg, ':');
    bool loose = settings_of[kind].loose;
    if (loose && colon && !target_name_valid(arg, (size_t)(colon - arg)))
        colon = NULL; /* no target's name: all value */
    size_t name_len = colon ? (size_t)(colon - arg) : 0;
    if (colon && !target_name_valid(arg, name_len)) {
        snprintf(err, errlen, "%s %s: bad target name before ':'", option, arg);
        return NULL;
    }
    struct target_setting *ns = realloc(*settings, (size_t)(*n + 1) * sizeof *ns);
    if (ns == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    *settings = ns;
    ns += (*n)++;
    memset(ns, 0, sizeof *ns);
    ns->kind = kind;
    ns->option = option;
    ns->arg = arg;
    ns->named = colon != NULL;
    ns->loose = loose;
    ns->name = arg;
    ns->name_len = name_len;
    ns->value = *value = colon ? colon + 1 : arg;
    return ns;
}

/* Adds NAME~new after target i, a copy on new connections. */
static int add_new_connection_twin(struct probe_config *cfg, int i, char *err, size_t errlen)
{
    const struct probe_target *t = &cfg->targets[i];
    size_t len = strlen(t->name) + sizeof CONNECTIONS_NEW_SUFFIX;
    char *name = malloc(len);
    if (name == NULL)
        goto oom;
    snprintf(name, len, "%s%s", t->name, CONNECTIONS_NEW_SUFFIX);
    for (int j = 0; j < cfg->ntargets; j++)
        if (strcmp(cfg->targets[j].name, name) == 0) {
            snprintf(err, errlen,
                     "--connections both: target \"%s\" would be probed on new connections "
                     "as \"%s\", which names another target",
                     t->name, name);
            free(name);
            return -1;
        }
    struct probe_target *nt = realloc(cfg->targets, (size_t)(cfg->ntargets + 1) * sizeof *nt);
    if (nt == NULL)
        goto oom;
    cfg->targets = nt;
    memmove(&nt[i + 2], &nt[i + 1], (size_t)(cfg->ntargets - i - 1) * sizeof *nt);
    nt[i + 1] = nt[i];
    nt[i + 1].name = name;
    nt[i + 1].url = strdup(nt[i].url);
    nt[i + 1].url_shown = strdup(nt[i].url_shown);
    /* its own array of the same headers: each target frees its own */
    nt[i + 1].headers =
        nt[i].nheaders ? malloc((size_t)nt[i].nheaders * sizeof *nt[i].headers) : NULL;
    if (nt[i + 1].headers)
        memcpy(nt[i + 1].headers, nt[i].headers, (size_t)nt[i].nheaders * sizeof *nt[i].headers);
    nt[i + 1].new_connection = true;
    nt[i].new_connection = false;
    cfg->ntargets++;
    if (nt[i + 1].url == NULL || nt[i + 1].url_shown == NULL ||
        (nt[i].nheaders && nt[i + 1].headers == NULL)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
oom:
    free(name);
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* Adds "Name: value" to t's headers; one of its own (named) replaces the
 * one of that name for every target. */
static int add_header(struct probe_target *t, const char *header, bool named)
{
    size_t name = strcspn(header, ":");
    for (int j = 0; named && j < t->nheaders; j++)
        if (strncasecmp(t->headers[j], header, name) == 0 && t->headers[j][name] == ':') {
            memmove(&t->headers[j], &t->headers[j + 1],
                    (size_t)(t->nheaders - j - 1) * sizeof *t->headers);
            t->nheaders--;
            j--;
        }
    const char **h = realloc(t->headers, (size_t)(t->nheaders + 1) * sizeof *h);
    if (h == NULL)
        return -1;
    t->headers = h;
    h[t->nheaders++] = header;
    return 0;
}

/* s, kept by cfg until options_free (targets point to it); NULL when memory
 * is short (s freed). */
static char *keep(struct probe_config *cfg, char *s)
{
    char **owned = s ? realloc(cfg->owned, (size_t)(cfg->nowned + 1) * sizeof *owned) : NULL;
    if (owned == NULL) {
        free(s);
        return NULL;
    }
    cfg->owned = owned;
    return owned[cfg->nowned++] = s;
}

/* --cert FILE[:PASS], as curl splits it: at the first colon not escaped by a
 * backslash ("a\\:b.pem:pw" is the file a:b.pem). Returns FILE, unescaped,
 * malloc'd (NULL when out of memory); *pass is PASS, NULL when none. */
static char *cert_file(const char *v, const char **pass)
{
    char *file = malloc(strlen(v) + 1), *o = file;
    *pass = NULL;
    if (file == NULL)
        return NULL;
    for (; *v; v++) {
        if (v[0] == '\\' && v[1] == ':') {
            *o++ = ':';
            v++;
        } else if (*v == ':') {
            *pass = v + 1;
            break;
        } else {
            *o++ = *v;
        }
    }
    *o = '\0';
    return file;
}

/* A TLS file that cannot be read would fail every request as "tls": an
 * outage that is a typo. */
static int readable(const char *option, const char *path, char *err, size_t errlen)
{
    if (access(path, R_OK) == 0)
        return 0;
    snprintf(err, errlen, "%s %s: %s", option, path, strerror(errno));
    return -1;
}

/* Gives target i the setting ts. Returns 0, or -1 with err. */
static int apply_setting(struct probe_config *cfg, enum connections *kind, int i,
                         const struct target_setting *ts, char *err, size_t errlen)
{
    struct probe_target *t = &cfg->targets[i];
    struct probe_transfer *x = &t->transfer;
    switch (ts->kind) {
    case SET_RATE:
        t->rate = ts->rate;
        return 0;
    case SET_CONNECTIONS:
        kind[i] = ts->connections;
        return 0;
    case SET_REQUEST:
        t->method = ts->value;
        return 0;
    case SET_DATA:
        t->data_arg = ts->value; /* read by finish_targets() */
        return 0;
    case SET_EXPECT_BODY:
        t->expect_src = ts->value;
        return 0;
    case SET_HEADER:
        if (add_header(t, ts->value, ts->named) < 0)
            goto oom;
        return 0;
    case SET_TIMEOUT:
        x->timeout_us = ts->us;
        return 0;
    case SET_TLS_MIN:
        x->tls_min = ts->tls_min;
        return 0;
    case SET_DNS_TTL:
        x->dns_ttl_s = ts->seconds;
        return 0;
    case SET_MAX_CONN_AGE:
        x->max_conn_age_s = ts->seconds;
        return 0;
    case SET_ABORT_ON:
        t->abort_limit[ts->abort_rule] = ts->abort_limit;
        cfg->guarded = true;
        return 0;
    case SET_CACERT:
    case SET_CAPATH:
    case SET_KEY:
        if (readable(ts->option, ts->value, err, errlen) < 0)
            return -1;
        *(ts->kind == SET_CACERT   ? &x->cacert
          : ts->kind == SET_CAPATH ? &x->capath
                                   : &x->key) = ts->value;
        return 0;
    case SET_CERT: {
        const char *pass;
        x->cert = keep(cfg, cert_file(ts->value, &pass));
        x->cert_password = pass ? keep(cfg, strdup(pass)) : NULL;
        if (x->cert == NULL || (pass && x->cert_password == NULL))
            goto oom;
        return readable("--cert", x->cert, err, errlen);
    }
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

static bool names_target(const struct probe_config *cfg, const struct target_setting *ts, int i)
{
    return strlen(cfg->targets[i].name) == ts->name_len &&
           strncmp(cfg->targets[i].name, ts->name, ts->name_len) == 0;
}

/* A file's bytes (--data @FILE), at most BODY_MAX; NULL with err set. */
static char *read_body(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(BODY_MAX + 1) : NULL;
    if (f == NULL || buf == NULL) {
        snprintf(err, errlen, "--data @%s: %s", path, f ? "out of memory" : strerror(errno));
        if (f)
            fclose(f);
        return NULL;
    }
    *len = fread(buf, 1, BODY_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || *len > BODY_MAX) {
        snprintf(err, errlen, "--data @%s: %s", path,
                 bad ? "read error" : "larger than 1 MiB: a probe sends a request, not an upload");
        free(buf);
        return NULL;
    }
    return buf;
}

/* Each target's own body and compiled --expect-body, made after
 * --connections both has made its twins. */
static int finish_targets(struct probe_config *cfg, char *err, size_t errlen)
{
    for (int i = 0; i < cfg->ntargets; i++) {
        struct probe_target *t = &cfg->targets[i];
        const char *data = t->data_arg;
        if (data && data[0] == '@') {
            if ((t->body = read_body(data + 1, &t->body_len, err, errlen)) == NULL)
                return -1;
        } else if (data) {
            t->body_len = strlen(data);
            if ((t->body = strdup(data)) == NULL)
                goto oom;
        }
        if (t->expect_src && t->method && strcasecmp(t->method, "HEAD") == 0) {
            snprintf(err, errlen, "--expect-body: target %s is probed with HEAD, which has no body",
                     t->name);
            return -1;
        }
        if (t->expect_src) {
            if ((t->expect = malloc(sizeof *t->expect)) == NULL)
                goto oom;
            int rc = regcomp(t->expect, t->expect_src, REG_EXTENDED | REG_NOSUB);
            if (rc != 0) {
                char why[128];
                regerror(rc, t->expect, why, sizeof why);
                free(t->expect);
                t->expect = NULL;
                snprintf(err, errlen, "--expect-body \"%s\": %s", t->expect_src, why);
                return -1;
            }
        }
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* Every target gets the defaults, then its own NAME: settings; last,
 * --connections both doubles the targets that asked for it. */
static int apply_settings(struct probe_config *cfg, struct target_setting *settings, int nsettings,
                          char *err, size_t errlen)
{
    enum connections *kind = calloc((size_t)cfg->ntargets + 1, sizeof *kind);
    if (kind == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < cfg->ntargets; i++) {
        cfg->targets[i].rate = DEFAULT_RATE;
        cfg->targets[i].transfer =
            (struct probe_transfer){.timeout_us = DEFAULT_TIMEOUT_US, .dns_ttl_s = -1};
        for (int r = 0; r < GUARD_NRULES; r++)
            cfg->targets[i].abort_limit[r] = -1;
        kind[i] = CONNECTIONS_KEEPALIVE;
    }
    /* a loose NAME: that names no target is part of the value */
    for (int s = 0; s < nsettings; s++) {
        struct target_setting *ts = &settings[s];
        int found = 0;
        for (int i = 0; ts->loose && ts->named && i < cfg->ntargets; i++)
            found |= names_target(cfg, ts, i);
        /* "-H home: x" with a target home is the header home */
        if (found && ts->kind == SET_HEADER &&
            (!strchr(ts->value, ':') || ts->value[0] == ' ' || ts->value[0] == '\t'))
            found = 0;
        if (ts->loose && ts->named && !found) {
            ts->named = false;
            ts->value = ts->arg;
        }
    }
    for (int s = 0; s < nsettings; s++)
        for (int i = 0; !settings[s].named && i < cfg->ntargets; i++)
            if (apply_setting(cfg, kind, i, &settings[s], err, errlen) < 0)
                goto fail;
    for (int s = 0; s < nsettings; s++) {
        const struct target_setting *ts = &settings[s];
        int found = 0;
        for (int i = 0; ts->named && i < cfg->ntargets; i++) {
            if (!names_target(cfg, ts, i))
                continue;
            found = 1;
            if (apply_setting(cfg, kind, i, ts, err, errlen) < 0)
                goto fail;
        }
        if (ts->named && !found) {
            snprintf(err, errlen, "%s %s: no target named \"%.*s\"", ts->option, ts->arg,
                     (int)ts->name_len, ts->arg);
            free(kind);
            return -1;
        }
    }
    int n = cfg->ntargets;
    for (int i = 0, t = 0; i < n; i++, t++) {
        cfg->targets[t].new_connection = kind[i] == CONNECTIONS_NEW;
        if (kind[i] == CONNECTIONS_BOTH) {
            if (add_new_connection_twin(cfg, t, err, errlen) < 0) {
                free(kind);
                return -1;
            }
            t++;
        }
    }
    free(kind);
    cfg->timeout_max_us = DEFAULT_TIMEOUT_US;
    for (int i = 0; i < cfg->ntargets; i++)
        if (i == 0 || cfg->targets[i].transfer.timeout_us > cfg->timeout_max_us)
            cfg->timeout_max_us = cfg->targets[i].transfer.timeout_us;
    return finish_targets(cfg, err, errlen);
fail:
    free(kind);
    return -1;
}

/* Checks a setting's value, and parses what it holds (a rate, a connection
 * kind), by one rule for the command line and a targets file. The command
 * line checks a header, a body and a regex elsewhere: a loose NAME: may turn
 * out to be part of their value. Returns 0, or -1 with why. */
static int parse_setting(struct target_setting *ns, bool final, char *why, size_t len)
{
    const char *v = ns->value;
    switch (ns->kind) {
    case SET_TIMEOUT:
        if (units_parse_duration_us(v, &ns->us, why, len) < 0)
            return -1;
        if (ns->us < 1000) {
            snprintf(why, len, "%s is below libcurl's 1ms resolution", v);
            return -1;
        }
        return 0;
    case SET_DNS_TTL:
    case SET_MAX_CONN_AGE: {
        /* libcurl trims its one DNS cache and connection pool by the value of
         * whichever transfer runs: one target's value would be every
         * target's */
        if (ns->named) {
            snprintf(why, len,
                     "one value for every target (libcurl shares its DNS cache and "
                     "connection pool): no NAME:");
            return -1;
        }
        int64_t us;
        if (units_parse_duration_us(v, &us, why, len) < 0)
            return -1;
        /* libcurl counts whole seconds: a part of one is one */
        ns->seconds = (long)((us + 999999) / 1000000);
        if (ns->kind == SET_MAX_CONN_AGE && ns->seconds < 1) {
            snprintf(why, len, "must be above zero");
            return -1;
        }
        return 0;
    }
    case SET_ABORT_ON:
        return guard_parse(v, &ns->abort_rule, &ns->abort_limit, why, len);
    case SET_TLS_MIN: {
        static const char *const names[] = {"1.0", "1.1", "1.2", "1.3"};
        static const long versions[] = {CURL_SSLVERSION_TLSv1_0, CURL_SSLVERSION_TLSv1_1,
                                        CURL_SSLVERSION_TLSv1_2, CURL_SSLVERSION_TLSv1_3};
        for (int i = 0; i < 4; i++)
            if (strcmp(v, names[i]) == 0) {
                ns->tls_min = versions[i];
                return 0;
            }
        snprintf(why, len, "\"%s\" is not 1.0, 1.1, 1.2 or 1.3", v);
        return -1;
    }
    case SET_CACERT:
    case SET_CAPATH:
    case SET_CERT:
    case SET_KEY: {
        /* checked once the value is final (apply_setting); --cert's FILE
         * alone, its PASS never shown */
        if (!final)
            return 0;
        const char *pass;
        char *path = ns->kind == SET_CERT ? cert_file(v, &pass) : strdup(v);
        int rc = 0;
        if (path == NULL) {
            snprintf(why, len, "out of memory");
            rc = -1;
        } else if (access(path, R_OK) != 0) {
            snprintf(why, len, "%.300s: %s", path, strerror(errno));
            rc = -1;
        }
        free(path);
        return rc;
    }
    case SET_RATE:
        if (units_parse_rate(v, &ns->rate, why, len) < 0)
            return -1;
        if (ns->rate > 1e6) {
            snprintf(why, len, "%s is above 1M requests/s", v);
            return -1;
        }
        return 0;
    case SET_CONNECTIONS:
        if (parse_connections(v, &ns->connections) < 0) {
            snprintf(why, len, "\"%s\" is not keepalive, new or both", v);
            return -1;
        }
        return 0;
    case SET_REQUEST:
        if (!v[0] || strpbrk(v, " \t\r\n")) {
            snprintf(why, len, "\"%s\" is not a method", v);
            return -1;
        }
        return 0;
    case SET_HEADER:
        if (strchr(v, ':') == NULL || v[0] == ':') {
            /* not shown: a header is where secrets go */
            snprintf(why, len, "not \"Name: value\"");
            return -1;
        }
        return 0;
    case SET_DATA: {
        struct stat st;
        if (v[0] != '@')
            return 0;
        if (access(v + 1, R_OK) < 0 || stat(v + 1, &st) < 0) {
            snprintf(why, len, "@%s: %s", v + 1, strerror(errno));
            return -1;
        }
        if (!S_ISREG(st.st_mode) || st.st_size > BODY_MAX) {
            snprintf(why, len, "@%s: %s", v + 1,
                     S_ISREG(st.st_mode)
                         ? "larger than 1 MiB: a probe sends a request, not an upload"
                         : "not a file");
            return -1;
        }
        return 0;
    }
    case SET_EXPECT_BODY: {
        regex_t re;
        int rc = regcomp(&re, v, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char what[128];
            regerror(rc, &re, what, sizeof what);
            snprintf(why, len, "\"%s\": %s", v, what);
            return -1;
        }
        regfree(&re);
        return 0;
    }
    }
    return 0;
}

/* --targets FILE, once every option is known (the redaction of what its
 * URLs show among them): its targets, and its blocks' settings as NAME:
 * options that come before those of the command line, which override
 * them. */
static int add_targets_file(struct probe_config *cfg, const char *path,
                            struct target_setting **settings, int *nsettings, char *err,
                            size_t errlen)
{
    char why[512];
    struct targets_file *files =
        realloc(cfg->target_files, (size_t)(cfg->ntarget_files + 1) * sizeof *files);
    if (files == NULL)
        goto oom;
    cfg->target_files = files;
    struct targets_file *tf = &files[cfg->ntarget_files++];
    if (targets_file_read(path, tf, err, errlen) < 0)
        return -1;
    for (int i = 0; i < tf->n; i++) {
        const struct tf_entry *e = &tf->e[i];
        if (e->is_target) {
            if (add_target(cfg, e->target, why, sizeof why) < 0) {
                snprintf(err, errlen, "%s:%ld: %s", path, e->line, why);
                return -1;
            }
            continue;
        }
        struct target_setting *ns = realloc(*settings, (size_t)(*nsettings + 1) * sizeof *ns);
        if (ns == NULL)
            goto oom;
        *settings = ns;
        ns += (*nsettings)++;
        *ns = (struct target_setting){.kind = e->kind,
                                      .option = settings_of[e->kind].option,
                                      .arg = e->value,
                                      .named = true,
                                      .name = e->name,
                                      .name_len = strlen(e->name),
                                      .value = e->value};
        if (parse_setting(ns, true, why, sizeof why) < 0) {
            snprintf(err, errlen, "%s:%ld: %s: %s", path, e->line, ns->option + 2, why);
            return -1;
        }
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* libcurl 7.88 fails every request after the first on a reused h2c
 * connection ("Error in the HTTP2 framing layer": curl issue 10634, fixed in
 * 8.0.0): each would be logged "protocol", an outage the server never had. */
static const char *h2c_reuse_broken(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    return v->version_num >= 0x075800 && v->version_num < 0x080000 ? v->version : NULL;
}

static int parse_duration_opt(const char *opt, const char *arg, int64_t *out, char *err,
                              size_t errlen)
{
    char why[200];
    if (units_parse_duration_us(arg, out, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s: %s", opt, why);
        return -1;
    }
    return 0;
}

int options_parse(int argc, char **argv, struct probe_config *cfg, char *err, size_t errlen)
{
    char why[200];
    struct target_setting *settings = NULL;
    int nsettings = 0;
    const char **files = NULL; /* --targets, read once every option is known */
    int nfiles = 0;
    struct target_setting *ns;
    const char *value;
    int opt_argc = argc;
    bool duration_set = false, on_abort_timeout_set = false;

    memset(cfg, 0, sizeof *cfg);
    cfg->timeout_max_us = DEFAULT_TIMEOUT_US;
    cfg->max_inflight = DEFAULT_MAX_INFLIGHT;
    cfg->max_lag_us = DEFAULT_MAX_LAG_US;
    cfg->batch_window_us = DEFAULT_BATCH_WINDOW_US;
    cfg->lead_us = DEFAULT_LEAD_US;
    cfg->tail_us = DEFAULT_TAIL_US;
    cfg->on_abort_timeout_us = DEFAULT_ON_ABORT_TIMEOUT_US;
    cfg->output = "-";
    cfg->db_interval_us = DEFAULT_DB_INTERVAL_US;
    cfg->db_timeout_us = DEFAULT_DB_TIMEOUT_US;
    cfg->db_connect_interval_us = DEFAULT_DB_CONNECT_INTERVAL_US;
    cfg->db_schema_query = DEFAULT_DB_SCHEMA_QUERY;
    cfg->ok_status = DEFAULT_OK_STATUS;
    cfg->expect_bytes = DEFAULT_EXPECT_BYTES;
    outcome_parse_ok_list(DEFAULT_OK_STATUS, cfg->ok, why, sizeof why);

    /* "--" ends pbprobe's own arguments: everything after it is COMMAND,
     * whatever it looks like, so getopt never sees it. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            opt_argc = i;
            if (i + 1 < argc)
                cfg->command = &argv[i + 1];
            else {
                snprintf(err, errlen, "\"--\" must be followed by a COMMAND");
                return -1;
            }
            break;
        }
    }
    /* getopt_long permutes argv: the command line as typed, for the log */
    char **typed = malloc((size_t)argc * sizeof *typed);
    if (typed == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(typed, argv, (size_t)argc * sizeof *typed);

    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(opt_argc, argv, ":r:d:t:m:H:X:o:qhk", long_options, NULL)) != -1) {
        switch (c) {
        case 'r':
        case OPT_CONNECTIONS:
        case 'X':
            ns = add_setting(&settings, &nsettings,
                             c == 'r'   ? SET_RATE
                             : c == 'X' ? SET_REQUEST
                                        : SET_CONNECTIONS,
                             optarg, &value, err, errlen);
            if (ns == NULL)
                goto fail;
            if (parse_setting(ns, false, why, sizeof why) < 0) {
                snprintf(err, errlen, "%s: %s", ns->option, why);
                goto fail;
            }
            break;
        case 'd':
            if (parse_duration_opt("--duration", optarg, &cfg->duration_us, err, errlen) < 0)
                goto fail;
            if (cfg->duration_us <= 0) {
                snprintf(err, errlen, "--duration: must be above zero");
                goto fail;
            }
            duration_set = true;
            break;
        case 'm': /* curl's -m, --max-time: the time a whole request may take */
        case 't':
        case OPT_TLS_MIN:
        case OPT_DNS_TTL:
        case OPT_MAX_CONN_AGE:
        case OPT_ABORT_ON:
            ns = add_setting(&settings, &nsettings,
                             c == OPT_TLS_MIN        ? SET_TLS_MIN
                             : c == OPT_DNS_TTL      ? SET_DNS_TTL
                             : c == OPT_MAX_CONN_AGE ? SET_MAX_CONN_AGE
                             : c == OPT_ABORT_ON     ? SET_ABORT_ON
                                                     : SET_TIMEOUT,
                             optarg, &value, err, errlen);
            if (ns == NULL)
                goto fail;
            if (parse_setting(ns, false, why, sizeof why) < 0) {
                snprintf(err, errlen, "%s: %s", ns->option, why);
                goto fail;
            }
            break;
        case OPT_MAX_INFLIGHT: {
            int64_t n;
            if (units_parse_count(optarg, &n, why, sizeof why) < 0 || n < 1 || n > 100000) {
                snprintf(err, errlen, "--max-inflight: \"%s\" must be 1..100000", optarg);
                goto fail;
            }
            cfg->max_inflight = (int)n;
            break;
        }
        case OPT_NEW_CONNECTION:
            ns = add_setting(&settings, &nsettings, SET_CONNECTIONS, "new", &value, err, errlen);
            if (ns == NULL)
                goto fail;
            ns->connections = CONNECTIONS_NEW;
            break;
        case OPT_TARGETS: {
            const char **l = realloc(files, (size_t)(nfiles + 1) * sizeof *l);
            if (l == NULL)
                goto oom;
            files = l;
            files[nfiles++] = optarg;
            break;
        }
        case 'H': {
            const char *colon = strchr(optarg, ':');
            if (colon == NULL || colon == optarg) {
                /* not shown: a header is where secrets go */
                snprintf(err, errlen, "--header: an argument not \"Name: value\"");
                goto fail;
            }
            if (add_setting(&settings, &nsettings, SET_HEADER, optarg, &value, err, errlen) == NULL)
                goto fail;
            break;
        }
        case OPT_DATA:
            if (add_setting(&settings, &nsettings, SET_DATA, optarg, &value, err, errlen) == NULL)
                goto fail;
            break;
        case OPT_EXPECT_BODY:
            if (add_setting(&settings, &nsettings, SET_EXPECT_BODY, optarg, &value, err, errlen) ==
                NULL)
                goto fail;
            break;
        case OPT_RESOLVE:
        case OPT_CONNECT_TO: {
            /* libcurl ignores an entry it cannot parse: say so here */
            int want = c == OPT_RESOLVE ? 2 : 3, colons = 0;
            for (const char *p = optarg; *p; p++)
                colons += *p == ':';
            /* --connect-to's fields may be empty ("::127.0.0.1:9"), not
             * --resolve's host and address */
            if (colons < want ||
                (c == OPT_RESOLVE && (optarg[0] == ':' || optarg[strlen(optarg) - 1] == ':'))) {
                snprintf(err, errlen, "%s: \"%s\" is not %s",
                         c == OPT_RESOLVE ? "--resolve" : "--connect-to", optarg,
                         c == OPT_RESOLVE ? "HOST:PORT:ADDR" : "HOST1:PORT1:HOST2:PORT2");
                goto fail;
            }
            const char ***list = c == OPT_RESOLVE ? &cfg->resolve : &cfg->connect_to;
            int *n = c == OPT_RESOLVE ? &cfg->nresolve : &cfg->nconnect_to;
            const char **l = realloc(*list, (size_t)(*n + 1) * sizeof *l);
            if (l == NULL)
                goto oom;
            *list = l;
            l[(*n)++] = optarg;
            break;
        }
        case OPT_EXPECT_BYTES: {
            int64_t n;
            if (units_parse_count(optarg, &n, why, sizeof why) < 0 || n < 1 || n > 16 << 20) {
                snprintf(err, errlen, "--expect-bytes: \"%s\" must be 1..16M", optarg);
                goto fail;
            }
            cfg->expect_bytes = (size_t)n;
            break;
        }
        case OPT_VERSION_HEADER:
            if (!target_name_valid(optarg, strlen(optarg))) {
                snprintf(err, errlen, "--version-header: \"%s\" is not a header name", optarg);
                goto fail;
            }
            cfg->version_header = optarg;
            break;
        case OPT_LEAD:
            if (parse_duration_opt("--lead", optarg, &cfg->lead_us, err, errlen) < 0)
                goto fail;
            break;
        case OPT_TAIL:
            if (parse_duration_opt("--tail", optarg, &cfg->tail_us, err, errlen) < 0)
                goto fail;
            break;
        case OPT_ON_ABORT:
            if (optarg[strspn(optarg, " \t")] == '\0') {
                snprintf(err, errlen, "--on-abort: an empty command");
                goto fail;
            }
            cfg->on_abort = optarg;
            break;
        case OPT_ON_ABORT_TIMEOUT:
            if (parse_duration_opt("--on-abort-timeout", optarg, &cfg->on_abort_timeout_us, err,
                                   errlen) < 0)
                goto fail;
            if (cfg->on_abort_timeout_us <= 0) {
                snprintf(err, errlen, "--on-abort-timeout: must be above zero");
                goto fail;
            }
            on_abort_timeout_set = true;
            break;
        case OPT_OK_STATUS:
            cfg->ok_status = optarg;
            if (outcome_parse_ok_list(optarg, cfg->ok, err, errlen) < 0)
                goto fail;
            break;
        case 'k':
            cfg->insecure = true;
            break;
        case OPT_CACERT:
        case OPT_CAPATH:
        case OPT_KEY:
        case OPT_CERT:
            /* files: checked once the value is final (apply_setting) */
            if (add_setting(&settings, &nsettings,
                            c == OPT_CACERT   ? SET_CACERT
                            : c == OPT_CAPATH ? SET_CAPATH
                            : c == OPT_KEY    ? SET_KEY
                                              : SET_CERT,
                            optarg, &value, err, errlen) == NULL)
                goto fail;
            break;
        case OPT_HTTP1_1:
            cfg->http_version = CURL_HTTP_VERSION_1_1;
            break;
        case OPT_HTTP2:
            cfg->http_version = CURL_HTTP_VERSION_2TLS;
            break;
        case OPT_HTTP2_PRIOR_KNOWLEDGE:
            cfg->http_version = CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
            break;
        case OPT_FOLLOW_REDIRECTS:
            cfg->follow_redirects = true;
            break;
        case OPT_MAX_LAG:
            if (parse_duration_opt("--max-lag", optarg, &cfg->max_lag_us, err, errlen) < 0)
                goto fail;
            if (cfg->max_lag_us < 1000) {
                snprintf(err, errlen, "--max-lag: %s is below 1ms", optarg);
                goto fail;
            }
            break;
        case OPT_BATCH_WINDOW:
            if (parse_duration_opt("--batch-window", optarg, &cfg->batch_window_us, err, errlen) <
                0)
                goto fail;
            if (cfg->batch_window_us > MAX_BATCH_WINDOW_US) {
                snprintf(err, errlen, "--batch-window: %s is above 10ms", optarg);
                goto fail;
            }
            break;
        case OPT_DB:
            cfg->db_conninfo = optarg;
            break;
        case OPT_DB_INTERVAL:
        case OPT_DB_CONNECT_INTERVAL:
        case OPT_DB_TIMEOUT: {
            int64_t *dst = c == OPT_DB_INTERVAL  ? &cfg->db_interval_us
                           : c == OPT_DB_TIMEOUT ? &cfg->db_timeout_us
                                                 : &cfg->db_connect_interval_us;
            const char *name = c == OPT_DB_INTERVAL  ? "--db-interval"
                               : c == OPT_DB_TIMEOUT ? "--db-timeout"
                                                     : "--db-connect-interval";
            if (parse_duration_opt(name, optarg, dst, err, errlen) < 0)
                goto fail;
            if (*dst < 1000) {
                snprintf(err, errlen, "%s: %s is below 1ms", name, optarg);
                goto fail;
            }
            break;
        }
        case OPT_DB_SCHEMA_QUERY:
            cfg->db_schema_query = optarg;
            break;
        case 'o':
            cfg->output = optarg;
            break;
        case 'q':
            cfg->quiet = true;
            break;
        case OPT_REDACT_HEADER:
            cfg->redact.headers = optarg;
            break;
        case OPT_REDACT_QUERY:
            cfg->redact.params = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            free(settings);
            free(typed);
            free(files);
            options_free(cfg);
            return 1;
        case OPT_VERSION:
            about_print(stdout);
            free(settings);
            free(typed);
            free(files);
            options_free(cfg);
            return 1;
        case ':':
            snprintf(err, errlen, "%s needs a value", argv[optind - 1]);
            goto fail;
        default:
            if (optopt == 'N')
                /* pbprobe's -N until 0.1: curl's is --no-buffer */
                snprintf(err, errlen,
                         "unknown option -N: for a new connection per request, "
                         "--connections new (see --help)");
            else if (optopt)
                snprintf(err, errlen, "unknown option -%c (see --help)", optopt);
            else
                snprintf(err, errlen, "unknown option %s (see --help)", argv[optind - 1]);
            goto fail;
        }
    }
    /* the files' targets before the command line's, their settings too */
    if (nfiles) {
        struct target_setting *all = NULL;
        int nall = 0;
        for (int i = 0; i < nfiles; i++)
            if (add_targets_file(cfg, files[i], &all, &nall, err, errlen) < 0) {
                free(all);
                goto fail;
            }
        struct target_setting *grown = realloc(all, (size_t)(nall + nsettings + 1) * sizeof *all);
        if (grown == NULL) {
            free(all);
            goto oom;
        }
        if (nsettings)
            memcpy(grown + nall, settings, (size_t)nsettings * sizeof *settings);
        free(settings);
        settings = grown;
        nsettings += nall;
    }
    for (int i = optind; i < opt_argc; i++)
        if (add_target(cfg, argv[i], err, errlen) < 0)
            goto fail;
    if (cfg->ntargets == 0 && cfg->db_conninfo == NULL) {
        snprintf(err, errlen, "no URL to probe (see --help)");
        goto fail;
    }
    for (int s = 0; cfg->ntargets == 0 && s < nsettings; s++)
        if (settings[s].kind == SET_ABORT_ON) {
            /* the live gate judges URLs; the database has no live rule */
            snprintf(err, errlen, "--abort-on %s: no URL to judge", settings[s].arg);
            goto fail;
        }
    if (apply_settings(cfg, settings, nsettings, err, errlen) < 0)
        goto fail;
    const char *broken = h2c_reuse_broken();
    for (int i = 0; broken && i < cfg->ntargets; i++)
        if (cfg->http_version == CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE &&
            !cfg->targets[i].new_connection) {
            snprintf(err, errlen,
                     "--http2-prior-knowledge: libcurl %s fails every request on a reused h2c "
                     "connection (curl issue 10634, fixed in 8.0.0): add --connections new, or "
                     "probe over TLS with --http2",
                     broken);
            goto fail;
        }
    if (cfg->batch_window_us >= cfg->max_lag_us) {
        snprintf(err, errlen,
                 "--batch-window must be below --max-lag: a batch's first tick would be blind");
        goto fail;
    }
    if (on_abort_timeout_set && !cfg->on_abort) {
        snprintf(err, errlen, "--on-abort-timeout: no --on-abort command to time");
        goto fail;
    }
    if (cfg->on_abort && !cfg->guarded) {
        snprintf(err, errlen, "--on-abort: no --abort-on rule could ever run it");
        goto fail;
    }
    if (cfg->command && duration_set) {
        snprintf(err, errlen,
                 "--duration and a COMMAND do not mix: the command decides how long probing "
                 "lasts (see --tail)");
        goto fail;
    }
    if (cfg->command && strcmp(cfg->output, "-") == 0) {
        snprintf(err, errlen,
                 "with a COMMAND, give -o FILE: the command's own output would mix into the "
                 "log on standard output");
        goto fail;
    }
    /* with the user's --redact-* names, known only now */
    cfg->cmdline_redacted = redact_argv(argc, typed, &cfg->redact);
    if (cfg->command)
        cfg->command_redacted = redact_argv(argc - opt_argc - 1, cfg->command, &cfg->redact);
    if (cfg->cmdline_redacted == NULL || (cfg->command && cfg->command_redacted == NULL))
        goto oom;
    free(typed);
    free(settings);
    free(files);
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    free(settings);
    free(typed);
    free(files);
    options_free(cfg);
    return -1;
}

void options_free(struct probe_config *cfg)
{
    for (int i = 0; i < cfg->ntargets; i++) {
        free(cfg->targets[i].name);
        free(cfg->targets[i].url);
        free(cfg->targets[i].url_shown);
        free(cfg->targets[i].body);
        free(cfg->targets[i].headers);
        if (cfg->targets[i].expect) {
            regfree(cfg->targets[i].expect);
            free(cfg->targets[i].expect);
        }
    }
    free(cfg->targets);
    free(cfg->cmdline_redacted);
    free(cfg->command_redacted);
    for (int i = 0; i < cfg->nowned; i++)
        free(cfg->owned[i]);
    free(cfg->owned);
    free(cfg->resolve);
    free(cfg->connect_to);
    for (int i = 0; i < cfg->ntarget_files; i++)
        targets_file_free(&cfg->target_files[i]);
    free(cfg->target_files);
    memset(cfg, 0, sizeof *cfg);
}
