/* Option parsing for the rollout driver (ropts.h). One table holds every
 * option with its default and help text: --help is generated from it, and the
 * defaults go through the same parser as the user's values. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ropts.h"
#include "units.h"

enum {
    OPT_STATE = 256,
    OPT_VERSION,
    OPT_REPLICAS,
    OPT_STRATEGY,
    OPT_READINESS,
    OPT_MAX_SURGE,
    OPT_MAX_UNAVAILABLE,
    OPT_MIN_READY,
    OPT_DEADLINE,
    OPT_PERIOD,
    OPT_FAILURE_THRESHOLD,
    OPT_SUCCESS_THRESHOLD,
    OPT_PROBE_TIMEOUT,
    OPT_PRESTOP,
    OPT_ON_SIGTERM,
    OPT_ENDPOINT_LAG,
    OPT_GRACE,
    OPT_STARTUP_DELAY,
    OPT_DRAIN_TIMEOUT,
    OPT_EVENTS,
};

struct ropt_entry {
    const char *name;
    int key;
    const char *metavar;
    const char *def; /* NULL: required or none */
    const char *help;
};

/* The defaults are manifests/base/web.yaml's with times scaled down so that a
 * rollout takes seconds, and the lab's 2 replicas (lab/README.md's table). */
static const struct ropt_entry ropt_table[] = {
    {"state", OPT_STATE, "DIR", NULL, "the lab's state directory (required)"},
    {"version", OPT_VERSION, "VERSION", NULL, "2.7.1, 2.7.2 or 2.8.0 (required)"},
    {"replicas", OPT_REPLICAS, "N", "2", "replicas"},
    {"strategy", OPT_STRATEGY, "S", "RollingUpdate", "RollingUpdate or Recreate"},
    {"readiness", OPT_READINESS, "http|none", "http",
     "readiness probe on /api/helpingmaterial, or none"},
    {"max-surge", OPT_MAX_SURGE, "N|N%", "1", "maxSurge: pods above replicas while rolling"},
    {"max-unavailable", OPT_MAX_UNAVAILABLE, "N|N%", "0",
     "maxUnavailable: pods below replicas while rolling"},
    {"min-ready", OPT_MIN_READY, "SECS", "0", "minReadySeconds"},
    {"progress-deadline", OPT_DEADLINE, "SECS", "45", "progressDeadlineSeconds"},
    {"period", OPT_PERIOD, "SECS", "0.5", "probe periodSeconds"},
    {"failure-threshold", OPT_FAILURE_THRESHOLD, "N", "2", "probe failureThreshold"},
    {"success-threshold", OPT_SUCCESS_THRESHOLD, "N", "1", "probe successThreshold"},
    {"probe-timeout", OPT_PROBE_TIMEOUT, "SECS", "0.4", "probe timeoutSeconds"},
    {"prestop", OPT_PRESTOP, "SECS", "0.5", "preStop pause of the template"},
    {"on-sigterm", OPT_ON_SIGTERM, "MODE", "drain",
     "what the template's app does on SIGTERM: drain, ignore (until SIGKILL) or exit (at once)"},
    {"endpoint-lag", OPT_ENDPOINT_LAG, "MIN[-MAX]", "0.05-0.25",
     "seconds from a pod's deletion to its endpoint leaving the Service, drawn per pod"},
    {"grace", OPT_GRACE, "SECS", "5", "terminationGracePeriodSeconds"},
    {"startup-delay", OPT_STARTUP_DELAY, "DUR", "500ms", "the app's --startup-delay"},
    {"drain-timeout", OPT_DRAIN_TIMEOUT, "DUR", "3s", "the app's --drain-timeout"},
    {"events", OPT_EVENTS, "FILE", NULL, "event log (default DIR/events.tsv)"},
};

#define ROPT_N (sizeof ropt_table / sizeof ropt_table[0])

/* One option's help: its name in a column of 28, the text wrapped at 78. */
static void wrap(FILE *f, const char *left, const char *text)
{
    const int indent = 30, width = 78;
    int col = fprintf(f, "  %-26s  ", left);
    while (*text) {
        size_t word = strcspn(text, " ");
        if (col > indent && col + 1 + (int)word > width) {
            col = fprintf(f, "\n%*s", indent, "") - 1;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        col += fprintf(f, "%.*s", (int)word, text);
        text += word;
        while (*text == ' ')
            text++;
    }
    fputc('\n', f);
}

void ropts_usage(FILE *f)
{
    fprintf(f, "usage: rollout-driver --state DIR --version VERSION [OPTION...]\n"
               "Rolls the lab's app instances to VERSION like a Kubernetes Deployment.\n"
               "Durations: a bare number is seconds; \"500ms\", \"1m30s\" work too.\n\n");
    for (size_t i = 0; i < ROPT_N; i++) {
        const struct ropt_entry *e = &ropt_table[i];
        char left[64];
        snprintf(left, sizeof left, "--%s %s", e->name, e->metavar);
        char text[256];
        snprintf(text, sizeof text, "%s%s%s%s", e->help, e->def ? " (default " : "",
                 e->def ? e->def : "", e->def ? ")" : "");
        wrap(f, left, text);
    }
    fprintf(f, "  %-26s  this text\n\n", "-h, --help");
    fprintf(f, "Events go to the event log, one TAB-separated line each (lab/README.md\n"
               "documents them). Exit: 0 the rollout completed; 1 the progress deadline\n"
               "passed; 2 usage; 3 the lab failed; 143 stopped by SIGINT or SIGTERM, state\n"
               "saved, every instance left as it was.\n");
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

int ropts_parse_count_or_percent(const char *s, int *value, int *is_percent)
{
    char buf[16];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n + 1);
    *is_percent = buf[n - 1] == '%';
    if (*is_percent)
        buf[n - 1] = '\0';
    /* a count beyond the slots could never be used, and would overflow
     * decide()'s sums */
    return parse_int(buf, 0, *is_percent ? 100 : ROPTS_MAX_SLOTS, value);
}

static int parse_dur(const char *name, const char *s, int64_t *out, char *err, size_t errlen)
{
    char why[160];
    if (units_parse_duration_us(s, out, why, sizeof why) < 0) {
        snprintf(err, errlen, "bad --%s: %s", name, why);
        return -1;
    }
    return 0;
}

int ropts_parse_lag(const char *s, int64_t *min_us, int64_t *max_us, char *err, size_t errlen)
{
    char lo[64], why[160];
    const char *dash = strchr(s, '-');
    size_t n = dash ? (size_t)(dash - s) : strlen(s);
    if (n >= sizeof lo)
        n = sizeof lo - 1;
    memcpy(lo, s, n);
    lo[n] = '\0';
    if (units_parse_duration_us(lo, min_us, why, sizeof why) < 0 ||
        units_parse_duration_us(dash ? dash + 1 : lo, max_us, why, sizeof why) < 0 ||
        *max_us < *min_us) {
        snprintf(err, errlen, "bad --endpoint-lag \"%s\" (want SECS or MIN-MAX, MIN <= MAX)", s);
        return -1;
    }
    return 0;
}

static int valid_version(const char *s)
{
    /* N.N.N: it names files and ids ("2.8.0#1"), in fixed buffers */
    int dots = 0, digits = 0;
    if (strlen(s) > ROPTS_MAX_VERSION)
        return 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            digits++;
        } else if (*s == '.' && digits > 0 && dots < 2) {
            dots++;
            digits = 0;
        } else {
            return 0;
        }
    }
    return dots == 2 && digits > 0;
}

/* One option's value into o; returns -1 with err filled. */
static int apply(struct ropts *o, int key, const char *v, char *err, size_t errlen)
{
    switch (key) {
    case OPT_STATE:
        o->state_dir = v;
        return 0;
    case OPT_VERSION:
        if (!valid_version(v)) {
            snprintf(err, errlen, "bad --version \"%s\"", v);
            return -1;
        }
        o->version = v;
        return 0;
    case OPT_REPLICAS:
        if (parse_int(v, 1, ROPTS_MAX_SLOTS - 1, &o->replicas) < 0) {
            snprintf(err, errlen, "--replicas must be 1..%d (haproxy has %d server slots)",
                     ROPTS_MAX_SLOTS - 1, ROPTS_MAX_SLOTS);
            return -1;
        }
        return 0;
    case OPT_STRATEGY:
        if (strcmp(v, "RollingUpdate") == 0) {
            o->strategy = DECIDE_ROLLING_UPDATE;
        } else if (strcmp(v, "Recreate") == 0) {
            o->strategy = DECIDE_RECREATE;
        } else {
            snprintf(err, errlen, "--strategy is RollingUpdate or Recreate");
            return -1;
        }
        o->strategy_arg = v;
        return 0;
    case OPT_READINESS:
        if (strcmp(v, "http") == 0) {
            o->readiness = ROPTS_READINESS_HTTP;
        } else if (strcmp(v, "none") == 0) {
            o->readiness = ROPTS_READINESS_NONE;
        } else {
            snprintf(err, errlen, "--readiness is http or none");
            return -1;
        }
        o->readiness_arg = v;
        return 0;
    case OPT_MAX_SURGE:
        if (ropts_parse_count_or_percent(v, &o->max_surge, &o->max_surge_is_percent) < 0) {
            snprintf(err, errlen, "bad --max-surge \"%s\" (want N or N%%)", v);
            return -1;
        }
        return 0;
    case OPT_MAX_UNAVAILABLE:
        if (ropts_parse_count_or_percent(v, &o->max_unavailable, &o->max_unavailable_is_percent) <
            0) {
            snprintf(err, errlen, "bad --max-unavailable \"%s\" (want N or N%%)", v);
            return -1;
        }
        return 0;
    case OPT_MIN_READY:
        return parse_dur("min-ready", v, &o->min_ready_us, err, errlen);
    case OPT_DEADLINE:
        o->deadline_arg = v;
        return parse_dur("progress-deadline", v, &o->deadline_us, err, errlen);
    case OPT_PERIOD:
        if (parse_dur("period", v, &o->period_us, err, errlen) < 0)
            return -1;
        if (o->period_us <= 0) {
            snprintf(err, errlen, "--period must be more than 0");
            return -1;
        }
        return 0;
    case OPT_FAILURE_THRESHOLD:
    case OPT_SUCCESS_THRESHOLD: {
        int *t = key == OPT_FAILURE_THRESHOLD ? &o->failure_threshold : &o->success_threshold;
        if (parse_int(v, 1, INT_MAX, t) < 0) {
            snprintf(err, errlen, "--%s must be a positive integer",
                     key == OPT_FAILURE_THRESHOLD ? "failure-threshold" : "success-threshold");
            return -1;
        }
        return 0;
    }
    case OPT_PROBE_TIMEOUT:
        if (parse_dur("probe-timeout", v, &o->probe_timeout_us, err, errlen) < 0)
            return -1;
        if (o->probe_timeout_us <= 0) {
            snprintf(err, errlen, "--probe-timeout must be more than 0");
            return -1;
        }
        return 0;
    case OPT_PRESTOP:
        return parse_dur("prestop", v, &o->prestop_us, err, errlen);
    case OPT_ON_SIGTERM:
        if (strcmp(v, "drain") != 0 && strcmp(v, "ignore") != 0 && strcmp(v, "exit") != 0) {
            snprintf(err, errlen, "--on-sigterm is drain, ignore or exit");
            return -1;
        }
        o->on_sigterm = v;
        return 0;
    case OPT_ENDPOINT_LAG:
        return ropts_parse_lag(v, &o->lag_min_us, &o->lag_max_us, err, errlen);
    case OPT_GRACE:
        o->grace_arg = v;
        return parse_dur("grace", v, &o->grace_us, err, errlen);
    case OPT_STARTUP_DELAY:
    case OPT_DRAIN_TIMEOUT: {
        int64_t us;
        const char *name = key == OPT_STARTUP_DELAY ? "startup-delay" : "drain-timeout";
        if (parse_dur(name, v, &us, err, errlen) < 0)
            return -1;
        *(key == OPT_STARTUP_DELAY ? &o->startup_delay : &o->drain_timeout) = v;
        return 0;
    }
    case OPT_EVENTS:
        o->events = v;
        return 0;
    }
    snprintf(err, errlen, "internal error: option %d", key);
    return -1;
}

enum ropts_result ropts_parse(int argc, char **argv, struct ropts *o, char *err, size_t errlen)
{
    struct option longopts[ROPT_N + 2];
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < ROPT_N; i++) {
        longopts[i] =
            (struct option){ropt_table[i].name, required_argument, NULL, ropt_table[i].key};
        if (ropt_table[i].def != NULL &&
            apply(o, ropt_table[i].key, ropt_table[i].def, err, errlen) < 0)
            return ROPTS_ERROR; /* a bad default: caught by any run */
    }
    longopts[ROPT_N] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[ROPT_N + 1] = (struct option){NULL, 0, NULL, 0};

    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (c == 'h')
            return ROPTS_HELP;
        if (c == ':') {
            snprintf(err, errlen, "%s needs a value", argv[optind - 1]);
            return ROPTS_ERROR;
        }
        if (c == '?') {
            snprintf(err, errlen, "unknown argument \"%s\"", argv[optind - 1]);
            return ROPTS_ERROR;
        }
        if (apply(o, c, optarg, err, errlen) < 0)
            return ROPTS_ERROR;
    }
    if (optind < argc) {
        snprintf(err, errlen, "unknown argument \"%s\"", argv[optind]);
        return ROPTS_ERROR;
    }
    if (o->state_dir == NULL) {
        snprintf(err, errlen, "--state is required");
        return ROPTS_ERROR;
    }
    if (o->version == NULL) {
        snprintf(err, errlen, "--version is required");
        return ROPTS_ERROR;
    }
    return ROPTS_OK;
}
