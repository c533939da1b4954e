/* Options of pbprobe-report. The table below is the one source of --help; the
 * man page (docs/pbprobe-report.1) sits beside it and t/t4000 checks that both
 * name the same options with the same defaults. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_config.h"
#include "gate_file.h"
#include "gate_spec.h"
#include "about.h"
#include "options.h"
#include "units.h"

#define DEFAULT_OK_STATUS "200"
#define DEFAULT_BURST_GAP "1s"
#define DEFAULT_LIST "20"
/* The prober writes a req line when the request ends, so a line can follow
 * lines scheduled up to its latency later; 60 s covers any sane --timeout. */
#define DEFAULT_HORIZON "60s"

enum {
    OPT_PLOT = 256,
    OPT_BY_LOG,
    OPT_ONE_RUN,
    OPT_OK_STATUS,
    OPT_BURST_GAP,
    OPT_MAX_ERRORS,
    OPT_MAX_DOWNTIME,
    OPT_MAX_WINDOW,
    OPT_MAX_P99,
    OPT_MIN_REQUESTS,
    OPT_ALLOW_SKIPPED,
    OPT_LENIENT,
    OPT_LIST,
    OPT_HORIZON,
    OPT_COLOR,
    OPT_MAX_DB_DOWN,
    OPT_MAX_LOCK_WAIT,
    OPT_MAX_BLIND,
    OPT_MAX_LAG,
    OPT_MAX_BURST,
    OPT_MAX_ERROR_RATE,
    OPT_REQUIRE_COMMAND,
    OPT_GATE,
    OPT_BASELINE,
    OPT_MAX_REGRESSION,
    OPT_LABEL,
    OPT_MARKDOWN_SUMMARY,
    OPT_ATTACH,
};

struct opt_doc {
    struct option opt;
    int shortopt;
    const char *arg;
    const char *help; /* ends with the default, in parentheses */
};

static const struct opt_doc docs[] = {
    {{"format", required_argument, NULL, 'f'},
     'f',
     "FORMAT",
     "text, json, junit, markdown, html or openmetrics (default text)"},
    {{"output", required_argument, NULL, 'o'},
     'o',
     "FILE",
     "write the report to FILE (default -, standard output)"},
    {{"label", required_argument, NULL, OPT_LABEL},
     0,
     "KEY=VALUE",
     "a label on every OpenMetrics sample, e.g. release=2.8.0; repeatable (default none)"},
    {{"markdown-summary", no_argument, NULL, OPT_MARKDOWN_SUMMARY},
     0,
     NULL,
     "also append the Markdown report to the file $GITHUB_STEP_SUMMARY names, when it "
     "is set (default off)"},
    {{"attach", required_argument, NULL, OPT_ATTACH},
     0,
     "FILE",
     "name FILE (an HTML report, a screenshot) as an attachment of each target's JUnit test "
     "case, as GitLab and Jenkins show them; the plot is named without it; repeatable "
     "(default none)"},
    {{"plot", required_argument, NULL, OPT_PLOT},
     0,
     "FILE",
     "also draw FILE.png or FILE.svg with gnuplot (default none)"},
    {{"by-log", no_argument, NULL, OPT_BY_LOG},
     0,
     NULL,
     "keep each log's targets apart (default off: merge logs by target name)"},
    {{"one-run", no_argument, NULL, OPT_ONE_RUN},
     0,
     NULL,
     "merge logs that do not overlap in time into one run (default off: each is a run of "
     "its own, with its own verdict)"},
    {{"ok-status", required_argument, NULL, OPT_OK_STATUS},
     0,
     "LIST",
     "statuses that are successes, e.g. 200-299,304 or 2xx (default: the one the prober "
     "wrote in its log, else " DEFAULT_OK_STATUS ")"},
    {{"burst-gap", required_argument, NULL, OPT_BURST_GAP},
     0,
     "DURATION",
     "failures at most this far apart form one burst (default " DEFAULT_BURST_GAP ")"},
    {{"gate", required_argument, NULL, OPT_GATE},
     0,
     "FILE",
     "the gate's rules from FILE, per target, with warn levels (docs/gate-file.md); an "
     "option overrides a rule of the same reach (default none)"},
    {{"max-errors", required_argument, NULL, OPT_MAX_ERRORS},
     0,
     "[NAME:]N",
     "at most N failed requests, or N% of those sent (default 0: another rule adds to it, "
     "never replaces it)"},
    {{"max-downtime", required_argument, NULL, OPT_MAX_DOWNTIME},
     0,
     "[NAME:]DURATION",
     "at most this much downtime in all windows (default none)"},
    {{"max-window", required_argument, NULL, OPT_MAX_WINDOW},
     0,
     "[NAME:]DURATION",
     "no downtime window longer than this (default none)"},
    {{"max-burst", required_argument, NULL, OPT_MAX_BURST},
     0,
     "[NAME:]DURATION",
     "no error burst longer than this: failures at most --burst-gap apart, successes "
     "between them (default none)"},
    {{"max-error-rate", required_argument, NULL, OPT_MAX_ERROR_RATE},
     0,
     "[NAME:]PERCENT",
     "in no second did more than this share of the requests sent fail, e.g. 5% (default "
     "none)"},
    {{"max-p99", required_argument, NULL, OPT_MAX_P99},
     0,
     "[NAME:]DURATION",
     "99th percentile latency at most this (default none)"},
    {{"min-requests", required_argument, NULL, OPT_MIN_REQUESTS},
     0,
     "[NAME:]N",
     "at least N requests sent (default 1)"},
    {{"baseline", required_argument, NULL, OPT_BASELINE},
     0,
     "FILE",
     "compare each target with FILE, an earlier run's JSON report (-f json): failed "
     "requests, downtime, longest window, p99 (default none)"},
    {{"max-regression", required_argument, NULL, OPT_MAX_REGRESSION},
     0,
     "[NAME:]KIND:AMOUNT",
     "against --baseline: KIND (failed, downtime, window, p99) at most AMOUNT more than the "
     "baseline's, or a share of it, e.g. downtime:+500ms, p99:+20% (default none)"},
    {{"max-db-down", required_argument, NULL, OPT_MAX_DB_DOWN},
     0,
     "DURATION",
     "no database unreachable window longer than this, and the database reached at least "
     "once (default none)"},
    {{"max-lock-wait", required_argument, NULL, OPT_MAX_LOCK_WAIT},
     0,
     "DURATION",
     "no lock-wait interval (sessions waiting on a lock) longer than this (default none)"},
    {{"max-blind", required_argument, NULL, OPT_MAX_BLIND},
     0,
     "[NAME:]DURATION",
     "at most this much blind time (ticks skipped, missing, or not observed on time); "
     "beyond, the run is inconclusive (default 0)"},
    {{"max-lag", required_argument, NULL, OPT_MAX_LAG},
     0,
     "DURATION",
     "a request sent later than this after its scheduled time is blind (default: the "
     "prober's --max-lag, in its log; 100ms)"},
    {{"require-command-success", no_argument, NULL, OPT_REQUIRE_COMMAND},
     0,
     NULL,
     "a wrapped command that exited non-zero or was killed fails the gate (default off: a "
     "safely failed upgrade is a pass for its users)"},
    {{"allow-skipped", no_argument, NULL, OPT_ALLOW_SKIPPED},
     0,
     NULL,
     "any blind time is accepted: --max-blind without a limit (default off)"},
    {{"lenient", no_argument, NULL, OPT_LENIENT},
     0,
     NULL,
     "count and skip malformed lines instead of stopping (default off)"},
    {{"list", required_argument, NULL, OPT_LIST},
     0,
     "N",
     "windows and bursts listed per target, the longest (default " DEFAULT_LIST ")"},
    {{"reorder-horizon", required_argument, NULL, OPT_HORIZON},
     0,
     "DURATION",
     "how far a req line may trail later-scheduled ones (default " DEFAULT_HORIZON ")"},
    {{"color", required_argument, NULL, OPT_COLOR},
     0,
     "WHEN",
     "auto, always or never (default auto: on a terminal, unless NO_COLOR is set)"},
    {{"help", no_argument, NULL, 'h'}, 'h', NULL, "print this help and exit (default off)"},
    {{"version", no_argument, NULL, 'V'}, 'V', NULL, "print the version and exit (default off)"},
};
#define NDOCS (sizeof docs / sizeof *docs)

static void print_help(FILE *f)
{
    fputs("usage: pbprobe-report [OPTIONS] LOG...\n"
          "Reads pbprobe logs (\"-\" is standard input) and tells whether users saw\n"
          "downtime: when, how long, how bad; its exit status is the verdict, below.\n\n",
          f);
    for (size_t i = 0; i < NDOCS; i++) {
        char left[64];
        if (docs[i].shortopt)
            snprintf(left, sizeof left, "-%c, --%s%s%s", docs[i].shortopt, docs[i].opt.name,
                     docs[i].arg ? " " : "", docs[i].arg ? docs[i].arg : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", docs[i].opt.name, docs[i].arg ? " " : "",
                     docs[i].arg ? docs[i].arg : "");
        if (strlen(left) > 28)
            fprintf(f, "  %s\n%32s", left, "");
        else
            fprintf(f, "  %-28s  ", left);
        /* words wrapped at 79 columns, under the first one */
        int col = 32;
        for (const char *w = docs[i].help; *w;) {
            size_t len = strcspn(w, " ");
            if (col > 32 && col + 1 + (int)len > 79) {
                fprintf(f, "\n%32s", "");
                col = 32;
            } else if (col > 32) {
                fputc(' ', f);
                col++;
            }
            fwrite(w, 1, len, f);
            col += (int)len;
            w += len;
            w += strspn(w, " ");
        }
        fputc('\n', f);
    }
    fputs("\nDURATION: 250ms, 1.5s, 1m30s. N: 1000, 5k. NAME: a target's name: the rule\n"
          "applies to that target only and overrides the same rule without a name.\n"
          "\n"
          "Exit status:\n"
          "  0      PASS: every rule held over the whole run, observed on time\n"
          "  1      FAIL: a rule failed on what the prober observed (by default: any\n"
          "         failed request)\n"
          "  2      usage error: a bad option or value, a rule naming a target the logs\n"
          "         do not have, or one log given twice\n"
          "  3      a log (or the --baseline report) is unreadable or invalid, the logs\n"
          "         contradict each other (one name, two URLs; two definitions of\n"
          "         success), or the report could not be written\n"
          "  4      INCONCLUSIVE: nothing failed, but the prober did not observe all of\n"
          "         the run on time (blind time, a log cut short or stopped on an\n"
          "         error, a run interrupted during its command); never a pass\n"
          "See pbprobe-report(1).\n",
          f);
}

/* getopt_long's complaint, in one line: optopt holds the option's value when
 * it is known (a missing or unwanted value), 0 for an unknown long option. */
static void bad_option(const char *word, char *err, size_t errlen)
{
    for (size_t i = 0; optopt && i < NDOCS; i++) {
        if (docs[i].opt.val != optopt)
            continue;
        if (strncmp(word, "--", 2) != 0)
            snprintf(err, errlen, "-%c needs a value (see --help)", optopt);
        else if (docs[i].arg)
            snprintf(err, errlen, "--%s needs a value (see --help)", docs[i].opt.name);
        else
            snprintf(err, errlen, "--%s takes no value (see --help)", docs[i].opt.name);
        return;
    }
    if (optopt)
        snprintf(err, errlen, "unknown option -%c (see --help)", optopt);
    else
        snprintf(err, errlen, "unknown option \"%s\" (see --help)", word);
}

static int add_limit(struct rep_config *cfg, const char *arg, enum rep_rule rule, char *err,
                     size_t errlen)
{
    struct rep_limit *l = realloc(cfg->limits, (size_t)(cfg->nlimits + 1) * sizeof *l);
    if (l == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    cfg->limits = l;
    if (spec_parse_limit(arg, rule, &l[cfg->nlimits], err, errlen) < 0)
        return -1;
    cfg->nlimits++;
    return 0;
}

static int add_regression(struct rep_config *cfg, const char *arg, char *err, size_t errlen)
{
    struct rep_limit *l = realloc(cfg->limits, (size_t)(cfg->nlimits + 1) * sizeof *l);
    if (l == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    cfg->limits = l;
    if (spec_parse_regression(arg, &l[cfg->nlimits], err, errlen) < 0)
        return -1;
    cfg->nlimits++;
    return 0;
}

/* --label KEY=VALUE, with the label name rules of OpenMetrics; "target" is
 * the report's own label and names starting with "__" are reserved. */
static int add_label(struct rep_config *cfg, const char *arg, char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    size_t keylen = eq ? (size_t)(eq - arg) : 0;
    int ok = keylen > 0 && (isalpha((unsigned char)arg[0]) || arg[0] == '_');
    for (size_t i = 1; ok && i < keylen; i++)
        ok = isalnum((unsigned char)arg[i]) || arg[i] == '_';
    if (!ok) {
        snprintf(err, errlen,
                 "--label \"%s\": not KEY=VALUE with KEY of letters, digits and _ (not first a "
                 "digit)",
                 arg);
        return -1;
    }
    /* the report's own labels (out_openmetrics.c) */
    static const char *const reserved[] = {"target", "run",     "outcome", "quantile",
                                           "rule",   "verdict", "probe"};
    int taken = strncmp(arg, "__", 2) == 0;
    for (size_t i = 0; !taken && i < sizeof reserved / sizeof reserved[0]; i++)
        taken = strlen(reserved[i]) == keylen && strncmp(arg, reserved[i], keylen) == 0;
    if (taken) {
        snprintf(err, errlen, "--label \"%s\": the label name %.*s is reserved", arg, (int)keylen,
                 arg);
        return -1;
    }
    for (int i = 0; i < cfg->nlabels; i++)
        if (strlen(cfg->labels[i].key) == keylen && strncmp(cfg->labels[i].key, arg, keylen) == 0) {
            snprintf(err, errlen, "--label \"%s\": %.*s given twice", arg, (int)keylen, arg);
            return -1;
        }
    struct rep_label *l = realloc(cfg->labels, (size_t)(cfg->nlabels + 1) * sizeof *l);
    if (l == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    cfg->labels = l;
    char *owned = strdup(arg);
    if (owned == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    owned[keylen] = '\0';
    l[cfg->nlabels].owned = owned;
    l[cfg->nlabels].key = owned;
    l[cfg->nlabels].value = owned + keylen + 1;
    cfg->nlabels++;
    return 0;
}

static int parse_duration(const char *opt, const char *arg, int64_t *out, char *err, size_t errlen)
{
    char why[160];
    if (units_parse_duration_us(arg, out, why, sizeof why) < 0) {
        snprintf(err, errlen, "--%s: %s", opt, why);
        return -1;
    }
    return 0;
}

int options_parse(int argc, char **argv, struct rep_config *cfg, char *err, size_t errlen)
{
    struct option longopts[NDOCS + 1];
    char shortopts[32] = "";
    const char *color = "auto", *gate_file = NULL;
    int64_t n = 0;
    char why[160];

    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NDOCS; i++) {
        longopts[i] = docs[i].opt;
        if (docs[i].shortopt) {
            size_t len = strlen(shortopts);
            shortopts[len] = (char)docs[i].shortopt;
            shortopts[len + 1] = docs[i].arg ? ':' : '\0';
            shortopts[len + 2] = '\0';
        }
    }
    memset(&longopts[NDOCS], 0, sizeof longopts[NDOCS]);

    cfg->format = REP_FMT_TEXT;
    cfg->max_db_down_us = cfg->max_lock_wait_us = -1;
    cfg->max_lag_us = -1;
    cfg->ok_status_arg = DEFAULT_OK_STATUS;
    cfg->max_listed = atoi(DEFAULT_LIST);
    outcome_parse_ok_list(DEFAULT_OK_STATUS, cfg->ok_status, why, sizeof why);
    units_parse_duration_us(DEFAULT_BURST_GAP, &cfg->burst_gap_us, why, sizeof why);
    units_parse_duration_us(DEFAULT_HORIZON, &cfg->horizon_us, why, sizeof why);

    opterr = 0; /* our own one-line messages */
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                cfg->format = REP_FMT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                cfg->format = REP_FMT_JSON;
            else if (strcmp(optarg, "junit") == 0)
                cfg->format = REP_FMT_JUNIT;
            else if (strcmp(optarg, "markdown") == 0 || strcmp(optarg, "md") == 0)
                cfg->format = REP_FMT_MARKDOWN;
            else if (strcmp(optarg, "html") == 0)
                cfg->format = REP_FMT_HTML;
            else if (strcmp(optarg, "openmetrics") == 0)
                cfg->format = REP_FMT_OPENMETRICS;
            else {
                snprintf(err, errlen,
                         "--format: unknown format \"%s\" (text, json, junit, markdown, html or "
                         "openmetrics)",
                         optarg);
                rc = -1;
            }
            break;
        case 'o':
            cfg->output = strcmp(optarg, "-") == 0 ? NULL : optarg;
            break;
        case OPT_PLOT:
            cfg->plot = optarg;
            break;
        case OPT_LABEL:
            rc = add_label(cfg, optarg, err, errlen);
            break;
        case OPT_MARKDOWN_SUMMARY:
            cfg->markdown_summary = 1;
            break;
        case OPT_ATTACH: {
            const char **a = realloc(cfg->attach, (size_t)(cfg->nattach + 1) * sizeof *a);
            if (a == NULL) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
                break;
            }
            cfg->attach = a;
            if (*optarg == '\0' || strpbrk(optarg, "]|\n\r")) {
                /* it would end the [[ATTACHMENT|...]] marker early */
                snprintf(err, errlen, "--attach \"%s\": empty, or holds ], | or a line break",
                         optarg);
                rc = -1;
                break;
            }
            a[cfg->nattach++] = optarg;
            break;
        }
        case OPT_BY_LOG:
            cfg->by_log = 1;
            break;
        case OPT_ONE_RUN:
            cfg->one_run = 1;
            break;
        case OPT_OK_STATUS:
            cfg->ok_status_arg = optarg;
            cfg->ok_status_given = 1;
            rc = outcome_parse_ok_list(optarg, cfg->ok_status, err, errlen);
            break;
        case OPT_BURST_GAP:
            rc = parse_duration("burst-gap", optarg, &cfg->burst_gap_us, err, errlen);
            break;
        case OPT_GATE:
            if (gate_file) {
                snprintf(err, errlen, "--gate given twice: one file holds the gate");
                rc = -1;
            }
            gate_file = optarg;
            break;
        case OPT_MAX_ERRORS:
            rc = add_limit(cfg, optarg, REP_RULE_MAX_ERRORS, err, errlen);
            break;
        case OPT_MAX_DOWNTIME:
            rc = add_limit(cfg, optarg, REP_RULE_MAX_DOWNTIME, err, errlen);
            break;
        case OPT_MAX_WINDOW:
            rc = add_limit(cfg, optarg, REP_RULE_MAX_WINDOW, err, errlen);
            break;
        case OPT_MAX_P99:
            rc = add_limit(cfg, optarg, REP_RULE_MAX_P99, err, errlen);
            break;
        case OPT_MAX_BURST:
            rc = add_limit(cfg, optarg, REP_RULE_MAX_BURST, err, errlen);
            break;
        case OPT_MAX_ERROR_RATE:
            rc = add_limit(cfg, optarg, REP_RULE_MAX_ERROR_RATE, err, errlen);
            break;
        case OPT_MIN_REQUESTS:
            rc = add_limit(cfg, optarg, REP_RULE_MIN_REQUESTS, err, errlen);
            break;
        case OPT_BASELINE:
            if (cfg->baseline) {
                snprintf(err, errlen, "--baseline given twice: a run compares with one");
                rc = -1;
            }
            cfg->baseline = optarg;
            break;
        case OPT_MAX_REGRESSION:
            rc = add_regression(cfg, optarg, err, errlen);
            break;
        case OPT_MAX_DB_DOWN:
            cfg->max_db_down_arg = optarg;
            rc = parse_duration("max-db-down", optarg, &cfg->max_db_down_us, err, errlen);
            break;
        case OPT_MAX_LOCK_WAIT:
            cfg->max_lock_wait_arg = optarg;
            rc = parse_duration("max-lock-wait", optarg, &cfg->max_lock_wait_us, err, errlen);
            break;
        case OPT_MAX_BLIND:
            rc = add_limit(cfg, optarg, REP_RULE_MAX_BLIND, err, errlen);
            break;
        case OPT_MAX_LAG:
            rc = parse_duration("max-lag", optarg, &cfg->max_lag_us, err, errlen);
            break;
        case OPT_ALLOW_SKIPPED:
            cfg->allow_skipped = 1;
            break;
        case OPT_REQUIRE_COMMAND:
            cfg->require_command_success = 1;
            break;
        case OPT_LENIENT:
            cfg->lenient = 1;
            break;
        case OPT_LIST:
            if (units_parse_count(optarg, &n, why, sizeof why) < 0) {
                snprintf(err, errlen, "--list: %s", why);
                rc = -1;
            } else if (n > 100000) {
                snprintf(err, errlen, "--list: %s: at most 100000", optarg);
                rc = -1;
            } else {
                cfg->max_listed = (int)n;
            }
            break;
        case OPT_HORIZON:
            rc = parse_duration("reorder-horizon", optarg, &cfg->horizon_us, err, errlen);
            break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
                snprintf(err, errlen, "--color: \"%s\": use auto, always or never", optarg);
                rc = -1;
            }
            color = optarg;
            break;
        case 'h':
            print_help(stdout);
            return 1;
        case 'V':
            about_print(stdout);
            return 1;
        default:
            bad_option(argv[optind - 1], err, errlen);
            rc = -1;
        }
        if (rc < 0)
            return -1;
    }
    if (optind >= argc) {
        snprintf(err, errlen, "no log given (usage: pbprobe-report [OPTIONS] LOG...)");
        return -1;
    }
    /* the file's rules before the options', which override those of the
     * same reach (the last one given wins: gate.c) */
    if (gate_file) {
        struct rep_limit *file = NULL;
        int nfile = 0;
        if (gate_file_read(gate_file, &file, &nfile, err, errlen) < 0) {
            for (int i = 0; i < nfile; i++)
                gate_file_free_limit(&file[i]);
            free(file);
            return -1;
        }
        struct rep_limit *all = realloc(file, (size_t)(nfile + cfg->nlimits + 1) * sizeof *all);
        if (all == NULL) {
            for (int i = 0; i < nfile; i++)
                gate_file_free_limit(&file[i]);
            free(file);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (cfg->nlimits)
            memcpy(all + nfile, cfg->limits, (size_t)cfg->nlimits * sizeof *all);
        free(cfg->limits);
        cfg->limits = all;
        cfg->nlimits += nfile;
    }
    /* a regression rule without a baseline would compare with nothing */
    for (int i = 0; i < cfg->nlimits && cfg->baseline == NULL; i++)
        if (spec_rule_kind(cfg->limits[i].rule)) {
            if (cfg->limits[i].from)
                snprintf(err, errlen, "%s: max-regression needs --baseline FILE",
                         cfg->limits[i].from);
            else
                snprintf(err, errlen, "--max-regression needs --baseline FILE");
            return -1;
        }
    cfg->logs = argv + optind;
    cfg->nlogs = argc - optind;
    for (int i = 0; i < cfg->nlogs; i++)
        if (strcmp(cfg->logs[i], "-") == 0)
            for (int j = i + 1; j < cfg->nlogs; j++)
                if (strcmp(cfg->logs[j], "-") == 0) {
                    snprintf(err, errlen, "standard input (\"-\") given twice");
                    return -1;
                }
    /* the same file twice (by any name) would count every request twice */
    for (int i = 0; i < cfg->nlogs; i++) {
        struct stat a;
        if (strcmp(cfg->logs[i], "-") == 0 || stat(cfg->logs[i], &a) < 0)
            continue; /* reading it will say what is wrong */
        for (int j = i + 1; j < cfg->nlogs; j++) {
            struct stat b;
            if (strcmp(cfg->logs[j], "-") != 0 && stat(cfg->logs[j], &b) == 0 &&
                a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
                snprintf(err, errlen, "%s and %s are the same log: give each log once",
                         cfg->logs[i], cfg->logs[j]);
                return -1;
            }
        }
    }
    if (cfg->plot) {
        const char *dot = strrchr(cfg->plot, '.');
        if (dot == NULL || (strcmp(dot, ".png") && strcmp(dot, ".svg"))) {
            snprintf(err, errlen, "--plot %s: the name must end in .png or .svg", cfg->plot);
            return -1;
        }
        if (strpbrk(cfg->plot, "]|\n\r")) {
            /* JUnit names it as [[ATTACHMENT|FILE]] */
            snprintf(err, errlen, "--plot \"%s\": the name holds ], | or a line break", cfg->plot);
            return -1;
        }
    }
    if (strcmp(color, "always") == 0)
        cfg->color = 1;
    else if (strcmp(color, "auto") == 0) {
        const char *term = getenv("TERM");
        const char *no_color = getenv("NO_COLOR");
        cfg->color = cfg->output == NULL && isatty(STDOUT_FILENO) &&
                     (no_color == NULL || *no_color == '\0') &&
                     (term == NULL || strcmp(term, "dumb") != 0);
    }
    return 0;
}

void options_free(struct rep_config *cfg)
{
    for (int i = 0; i < cfg->nlimits; i++)
        gate_file_free_limit(&cfg->limits[i]);
    free(cfg->limits);
    cfg->limits = NULL;
    cfg->nlimits = 0;
    for (int i = 0; i < cfg->nlabels; i++)
        free(cfg->labels[i].owned);
    free(cfg->labels);
    cfg->labels = NULL;
    free(cfg->attach);
    cfg->attach = NULL;
    cfg->nattach = 0;
    cfg->nlabels = 0;
}
