/* Option parsing for pybossa-standin (opts.h). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "appver.h"
#include "opts.h"
#include "units.h"

#define OPTS_DEFAULT_LISTEN "127.0.0.1:5000" /* PyBossa's own development port */
#define OPTS_DEFAULT_STARTUP_DELAY "500ms"   /* real apps do not listen instantly */
#define OPTS_DEFAULT_POOL 4
#define OPTS_DEFAULT_DRAIN_TIMEOUT "10s"
#define OPTS_DEFAULT_QUERY_TIMEOUT "5s"
#define OPTS_POOL_MAX 64

void opts_usage(FILE *f)
{
    fprintf(
        f,
        "usage: pybossa-standin --app-version VERSION [options]\n"
        "A stand-in for PyBossa in the lab: serves / and /api/helpingmaterial from\n"
        "PostgreSQL with the query the chosen release makes. It is not PyBossa.\n"
        "\n"
        "  --app-version VERSION  release to imitate: %s (required)\n"
        "  --listen HOST:PORT     address to listen on; port 0 picks a free one\n"
        "                         (default " OPTS_DEFAULT_LISTEN ")\n"
        "  --db CONNINFO          libpq connection string (default \"\": PG* variables)\n"
        "  --startup-delay DUR    wait before binding the port (default " OPTS_DEFAULT_STARTUP_DELAY
        ")\n"
        "  --pool N               database connections, 1-%d (default %d)\n"
        "  --drain-timeout DUR    after SIGTERM, give in-flight requests this long\n"
        "                         (default " OPTS_DEFAULT_DRAIN_TIMEOUT ")\n"
        "  --query-timeout DUR    answer 503 when the database has not answered by then,\n"
        "                         queueing included (default " OPTS_DEFAULT_QUERY_TIMEOUT ")\n"
        "  --access-log FILE      one line per request, \"-\" for stderr (default: none)\n"
        "  --on-sigterm MODE      drain: close the listener, finish in-flight requests,\n"
        "                         exit; ignore: keep serving until SIGKILL (PyBossa 2.7 as\n"
        "                         a container's PID 1); exit: die at once (default drain)\n"
        "  -h, --help             this text\n"
        "\n"
        "Prints \"ready PORT\" on stdout once listening. SIGTERM: as --on-sigterm says.\n"
        "SIGINT: close the listener, finish in-flight requests, exit.\n"
        "Exit: 0 drained (or stopped before listening), 1 runtime error, 2 usage error,\n"
        "3 drain timeout reached with requests still in flight.\n",
        appver_names(), OPTS_POOL_MAX, OPTS_DEFAULT_POOL);
}

static int parse_listen(const char *s, struct opts *o, char *err, size_t errlen)
{
    const char *colon = strrchr(s, ':');
    char *end;
    if (colon == NULL || colon == s || (size_t)(colon - s) >= sizeof o->listen_host) {
        snprintf(err, errlen, "bad --listen \"%s\": expected HOST:PORT", s);
        return -1;
    }
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535) {
        snprintf(err, errlen, "bad --listen \"%s\": port must be 0-65535", s);
        return -1;
    }
    memcpy(o->listen_host, s, (size_t)(colon - s));
    o->listen_host[colon - s] = '\0';
    o->listen_port = (int)port;
    return 0;
}

static int parse_duration(const char *name, const char *s, int64_t *out, char *err, size_t errlen)
{
    char why[160];
    if (units_parse_duration_us(s, out, why, sizeof why) < 0) {
        snprintf(err, errlen, "bad --%s: %s", name, why);
        return -1;
    }
    return 0;
}

enum opts_result opts_parse(int argc, char **argv, struct opts *o, char *err, size_t errlen)
{
    enum {
        O_VERSION = 256,
        O_LISTEN,
        O_DB,
        O_DELAY,
        O_POOL,
        O_DRAIN,
        O_QTIMEOUT,
        O_ALOG,
        O_ONTERM
    };
    static const struct option longopts[] = {
        {"app-version", required_argument, NULL, O_VERSION},
        {"listen", required_argument, NULL, O_LISTEN},
        {"db", required_argument, NULL, O_DB},
        {"startup-delay", required_argument, NULL, O_DELAY},
        {"pool", required_argument, NULL, O_POOL},
        {"drain-timeout", required_argument, NULL, O_DRAIN},
        {"query-timeout", required_argument, NULL, O_QTIMEOUT},
        {"access-log", required_argument, NULL, O_ALOG},
        {"on-sigterm", required_argument, NULL, O_ONTERM},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char *end;
    long n;
    int c;

    memset(o, 0, sizeof *o);
    o->db_conninfo = "";
    o->pool_size = OPTS_DEFAULT_POOL;
    if (parse_listen(OPTS_DEFAULT_LISTEN, o, err, errlen) < 0 ||
        parse_duration("startup-delay", OPTS_DEFAULT_STARTUP_DELAY, &o->startup_delay_us, err,
                       errlen) < 0 ||
        parse_duration("drain-timeout", OPTS_DEFAULT_DRAIN_TIMEOUT, &o->drain_timeout_us, err,
                       errlen) < 0 ||
        parse_duration("query-timeout", OPTS_DEFAULT_QUERY_TIMEOUT, &o->query_timeout_us, err,
                       errlen) < 0)
        return OPTS_BAD;

    opterr = 0; /* our own one-line messages, not getopt's */
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case O_VERSION:
            o->ver = appver_find(optarg);
            if (o->ver == NULL) {
                snprintf(err, errlen, "unknown --app-version \"%s\" (known: %s)", optarg,
                         appver_names());
                return OPTS_BAD;
            }
            break;
        case O_LISTEN:
            if (parse_listen(optarg, o, err, errlen) < 0)
                return OPTS_BAD;
            break;
        case O_DB:
            o->db_conninfo = optarg;
            break;
        case O_DELAY:
            if (parse_duration("startup-delay", optarg, &o->startup_delay_us, err, errlen) < 0)
                return OPTS_BAD;
            break;
        case O_POOL:
            n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n < 1 || n > OPTS_POOL_MAX) {
                snprintf(err, errlen, "bad --pool \"%s\": expected 1-%d", optarg, OPTS_POOL_MAX);
                return OPTS_BAD;
            }
            o->pool_size = (int)n;
            break;
        case O_DRAIN:
            if (parse_duration("drain-timeout", optarg, &o->drain_timeout_us, err, errlen) < 0)
                return OPTS_BAD;
            break;
        case O_QTIMEOUT:
            if (parse_duration("query-timeout", optarg, &o->query_timeout_us, err, errlen) < 0)
                return OPTS_BAD;
            if (o->query_timeout_us <= 0) {
                snprintf(err, errlen, "bad --query-timeout \"%s\": must be above zero", optarg);
                return OPTS_BAD;
            }
            break;
        case O_ALOG:
            o->access_log = optarg;
            break;
        case O_ONTERM:
            if (strcmp(optarg, "drain") == 0)
                o->on_sigterm = OPTS_SIGTERM_DRAIN;
            else if (strcmp(optarg, "ignore") == 0)
                o->on_sigterm = OPTS_SIGTERM_IGNORE;
            else if (strcmp(optarg, "exit") == 0)
                o->on_sigterm = OPTS_SIGTERM_EXIT;
            else {
                snprintf(err, errlen, "bad --on-sigterm \"%s\": drain, ignore or exit", optarg);
                return OPTS_BAD;
            }
            break;
        case 'h':
            return OPTS_HELP;
        case ':':
            snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
            return OPTS_BAD;
        default:
            snprintf(err, errlen, "unknown option %s (see --help)", argv[optind - 1]);
            return OPTS_BAD;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument \"%s\" (see --help)", argv[optind]);
        return OPTS_BAD;
    }
    if (o->ver == NULL) {
        snprintf(err, errlen, "--app-version is required (one of %s)", appver_names());
        return OPTS_BAD;
    }
    return OPTS_RUN;
}
