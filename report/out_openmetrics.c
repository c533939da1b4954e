/* The OpenMetrics report (docs/openmetrics.md): the analysis's figures as gauges
 * labelled by target, for a Pushgateway, a GitLab metrics report or a dashboard.
 * A report is a snapshot of a finished run: gauges only, and no timestamps (a
 * Pushgateway rejects a push that has any). */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "gate_spec.h"
#include "logevent.h"
#include "output.h"

static const char *const verdicts[] = {"pass", "fail", "inconclusive"};

/* The label names this formatter writes itself. A --label of one of them
 * would put two labels of one name on a sample, which every parser refuses:
 * the report is refused instead (options.c rejects "target" already). */
static const char *const own_labels[] = {"run",  "target",  "outcome", "quantile",
                                         "rule", "verdict", "probe"};

struct om {
    FILE *f;
    const struct rep_label *labels; /* --label: on every sample */
    int nlabels;
    int run;                 /* 1-based with several runs; 0: one run, no run label */
    const char *target;      /* the target label's value; NULL: a figure of the run */
    enum an_verdict verdict; /* the report's, as the exit status gives it */
    char *buf;               /* holds target */
    size_t cap;
    int nomem;
    /* per target of dup_an: how many earlier targets are written with the
     * same name (two names that differ only in bytes that are not UTF-8
     * both become U+FFFD, and one series twice is no valid exposition) */
    const struct analysis *dup_an;
    int *dup;
};

struct om_label {
    const char *key, *value;
};

/* A label value. OpenMetrics has three escapes (\\ \" \n) and takes any other
 * character as it is, but only as UTF-8: bytes of a log that are not (a target
 * name is whatever the log held) become U+FFFD, as in the JSON report, so a
 * name reads the same in both. */
static void put_value(FILE *f, const char *s)
{
    while (*s) {
        int len = fmt_utf8_len(s);
        if (len == 0) {
            fputs("\xef\xbf\xbd", f);
            s++;
            continue;
        }
        if (len > 1) {
            fwrite(s, 1, (size_t)len, f);
            s += len;
            continue;
        }
        if (*s == '\\' || *s == '"')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
        s++;
    }
}

static void label(FILE *f, const char **sep, const char *key, const char *value)
{
    fprintf(f, "%s%s=\"", *sep, key);
    put_value(f, value);
    fputc('"', f);
    *sep = ",";
}

/* name{run,target,own labels,--label labels} value */
static void sample(struct om *o, const char *name, const struct om_label *own, int nown,
                   const char *value)
{
    const char *sep = "{";
    char run[16];
    fputs(name, o->f);
    if (o->run) {
        snprintf(run, sizeof run, "%d", o->run);
        label(o->f, &sep, "run", run);
    }
    if (o->target)
        label(o->f, &sep, "target", o->target);
    for (int i = 0; i < nown; i++)
        label(o->f, &sep, own[i].key, own[i].value);
    for (int i = 0; i < o->nlabels; i++)
        label(o->f, &sep, o->labels[i].key, o->labels[i].value);
    fprintf(o->f, "%s %s\n", *sep == ',' ? "}" : "", value);
}

/* Numbers are printed from integers, as the JSON report prints them, so both
 * read as the same double: durations in seconds with six decimals. */
static void count(struct om *o, const char *name, const struct om_label *own, int nown, uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    sample(o, name, own, nown, buf);
}

static void seconds(struct om *o, const char *name, const struct om_label *own, int nown,
                    int64_t us)
{
    char buf[FMT_BUF];
    sample(o, name, own, nown, fmt_seconds(us, buf, sizeof buf));
}

enum om_scope {
    OM_REPORT, /* one sample for the whole report */
    OM_RUNS,   /* with several runs only: one per run */
    OM_RUN,    /* per run */
    OM_TARGET, /* per target of each run */
    OM_DB      /* per run that probed a database; the family only when one did */
};

enum om_kind { OM_COUNT, OM_USEC };

struct om_family {
    const char *name;
    const char *unit; /* "seconds": the name ends in _seconds and a # UNIT line says so */
    const char *help; /* no backslash, no newline: written as it is */
    enum om_scope scope;
    void (*put)(struct om *o, const struct om_family *fam, const struct analysis *an,
                const struct an_target *t);
    size_t field; /* put_field: a member of struct an_target */
    enum om_kind kind;
};

static void put_field(struct om *o, const struct om_family *fam, const struct analysis *an,
                      const struct an_target *t)
{
    (void)an;
    const char *p = (const char *)t + fam->field;
    if (fam->kind == OM_COUNT)
        count(o, fam->name, NULL, 0, *(const uint64_t *)(const void *)p);
    else
        seconds(o, fam->name, NULL, 0, *(const int64_t *)(const void *)p);
}

/* A member of struct an_target for put_field; _Generic makes a member of
 * another type than its kind says a compile error, not a misread. */
#define COUNT(m)                                                                                   \
    .put = put_field, .field = offsetof(struct an_target, m),                                      \
    .kind = _Generic(((struct an_target *)0)->m, uint64_t                                          \
                     : OM_COUNT)
#define USEC(m)                                                                                    \
    .put = put_field, .field = offsetof(struct an_target, m),                                      \
    .kind = _Generic(((struct an_target *)0)->m, int64_t                                           \
                     : OM_USEC)

static void gate_passed(struct om *o, const struct om_family *fam, const struct analysis *an,
                        const struct an_target *t)
{
    (void)t;
    enum an_verdict v = an ? an->gate.verdict : o->verdict;
    count(o, fam->name, NULL, 0, v == AN_PASS);
}

/* One sample per verdict, 1 for the one given: a stateset's shape as a
 * gauge, which the Prometheus text parser of a Pushgateway also takes. */
static void verdict(struct om *o, const struct om_family *fam, const struct analysis *an,
                    const struct an_target *t)
{
    (void)t;
    enum an_verdict v = an ? an->gate.verdict : o->verdict;
    for (int i = AN_PASS; i <= AN_INCONCLUSIVE; i++)
        count(o, fam->name, &(struct om_label){"verdict", verdicts[i]}, 1, v == (enum an_verdict)i);
}

/* A target's name as put_value writes it: a copy with each byte that is not
 * UTF-8 as U+FFFD (malloc'd; NULL when memory is short). */
static char *written_name(const struct analysis *an, const struct an_target *t)
{
    size_t len = strlen(t->name) + (t->log >= 0 ? strlen(an->logs[t->log].path) + 3 : 0) + 1;
    char *name = malloc(len), *out = malloc(3 * len);
    char *p = out;
    if (name == NULL || out == NULL) {
        free(name);
        free(out);
        return NULL;
    }
    fmt_target(an, t, name, len);
    for (const char *s = name; *s;) {
        int n = fmt_utf8_len(s);
        if (n == 0) {
            memcpy(p, "\xef\xbf\xbd", 3);
            p += 3;
            s++;
        } else {
            memcpy(p, s, (size_t)n);
            p += n;
            s += n;
        }
    }
    *p = '\0';
    free(name);
    return out;
}

struct written {
    char *name;
    int index;
};

static int by_written(const void *a, const void *b)
{
    const struct written *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : x->index - y->index;
}

/* o->dup for the targets of an: names written alike numbered in order. */
static int count_alike(struct om *o, const struct analysis *an)
{
    struct written *w = calloc((size_t)an->ntargets + 1, sizeof *w);
    int *dup = calloc((size_t)an->ntargets + 1, sizeof *dup);
    int rc = w && dup ? 0 : -1;
    for (int i = 0; i < an->ntargets && rc == 0; i++) {
        w[i].index = i;
        if ((w[i].name = written_name(an, &an->targets[i])) == NULL)
            rc = -1;
    }
    if (rc == 0) {
        qsort(w, (size_t)an->ntargets, sizeof *w, by_written);
        for (int i = 1; i < an->ntargets; i++)
            if (strcmp(w[i].name, w[i - 1].name) == 0)
                dup[w[i].index] = dup[w[i - 1].index] + 1;
    }
    for (int i = 0; w && i < an->ntargets; i++)
        free(w[i].name);
    free(w);
    free(o->dup);
    o->dup = rc == 0 ? dup : NULL;
    o->dup_an = rc == 0 ? an : NULL;
    if (rc < 0) {
        free(dup);
        o->nomem = 1;
    }
    return rc;
}

static int set_target(struct om *o, const struct analysis *an, const struct an_target *t)
{
    if (o->dup_an != an && count_alike(o, an) < 0)
        return -1;
    /* fmt_target's form ("home (a.log)" with --by-log), never truncated */
    size_t need = strlen(t->name) + 1 + (t->log >= 0 ? strlen(an->logs[t->log].path) + 3 : 0) +
                  16 /* " (N)" */;
    if (need > o->cap) {
        char *n = realloc(o->buf, need);
        if (n == NULL) {
            o->nomem = 1;
            return -1;
        }
        o->buf = n;
        o->cap = need;
    }
    o->target = fmt_target(an, t, o->buf, o->cap);
    int alike = o->dup[t - an->targets];
    if (alike > 0) /* written like an earlier one's: told apart by its rank */
        snprintf(o->buf + strlen(o->buf), o->cap - strlen(o->buf), " (%d)", alike + 1);
    return 0;
}

/* Every rule applied to every target, as the JSON's gate.checks; a
 * --max-regression rule's kind joins its name: "max-regression:p99". */
static void checks(struct om *o, const struct om_family *fam, const struct analysis *an,
                   const struct an_target *t)
{
    (void)t;
    for (int i = 0; i < an->gate.nchecks; i++) {
        const struct an_check *c = &an->gate.checks[i];
        char rule[64];
        const char *kind = spec_rule_kind(c->rule);
        snprintf(rule, sizeof rule, "%s%s%s", spec_rule_name(c->rule), kind ? ":" : "",
                 kind ? kind : "");
        if (set_target(o, an, &an->targets[c->target]) < 0)
            return;
        count(o, fam->name, &(struct om_label){"rule", rule}, 1, c->passed != 0);
    }
    o->target = NULL;
}

static void start_time(struct om *o, const struct om_family *fam, const struct analysis *an,
                       const struct an_target *t)
{
    char buf[FMT_BUF];
    (void)t;
    if (an->first_us >= 0)
        sample(o, fam->name, NULL, 0, fmt_unix(an->first_us, buf, sizeof buf));
}

static void end_time(struct om *o, const struct om_family *fam, const struct analysis *an,
                     const struct an_target *t)
{
    char buf[FMT_BUF];
    (void)t;
    if (an->last_us >= 0)
        sample(o, fam->name, NULL, 0, fmt_unix(an->last_us, buf, sizeof buf));
}

/* The outcomes that are failures, as the text report lists them: a status
 * outside the success list, or an error class; skipped ticks are not sent. */
static void failures(struct om *o, const struct om_family *fam, const struct analysis *an,
                     const struct an_target *t)
{
    for (int oc = 1; oc < OUTCOME_MAX; oc++) {
        char nb[12];
        if (t->outcomes[oc] == 0 || oc == OUTCOME_SKIPPED || an->ok_status[oc])
            continue;
        count(o, fam->name, &(struct om_label){"outcome", outcome_name(oc, nb)}, 1,
              t->outcomes[oc]);
    }
}

static void latency(struct om *o, const struct om_family *fam, const struct analysis *an,
                    const struct an_target *t)
{
    (void)an;
    const struct {
        const char *q;
        int64_t us;
    } at[] = {
        {"0.5", t->lat.p50}, {"0.9", t->lat.p90}, {"0.99", t->lat.p99}, {"0.999", t->lat.p999}};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
        seconds(o, fam->name, &(struct om_label){"quantile", at[i].q}, 1, at[i].us);
}

static void latency_max(struct om *o, const struct om_family *fam, const struct analysis *an,
                        const struct an_target *t)
{
    (void)an;
    seconds(o, fam->name, NULL, 0, t->lat.max);
}

static void db_probes(struct om *o, const struct om_family *fam, const struct analysis *an,
                      const struct an_target *t)
{
    (void)t;
    for (int p = LOG_DB_QUERY; p <= LOG_DB_CONNECT; p++)
        for (int oc = LOG_DB_OK; oc <= LOG_DB_ERROR; oc++) {
            struct om_label l[] = {{"probe", log_db_probe_name((enum log_db_probe)p)},
                                   {"outcome", log_db_outcome_name((enum log_db_outcome)oc)}};
            count(o, fam->name, l, 2, an->db.probes[p][oc]);
        }
}

static void db_reachable(struct om *o, const struct om_family *fam, const struct analysis *an,
                         const struct an_target *t)
{
    (void)t;
    count(o, fam->name, NULL, 0, an->db.reachable != 0);
}

static void db_unreachable(struct om *o, const struct om_family *fam, const struct analysis *an,
                           const struct an_target *t)
{
    (void)t;
    seconds(o, fam->name, NULL, 0, an->db.unreachable_total_us);
}

static void db_unreachable_windows(struct om *o, const struct om_family *fam,
                                   const struct analysis *an, const struct an_target *t)
{
    (void)t;
    count(o, fam->name, NULL, 0, (uint64_t)an->db.nunreachable);
}

/* 0 when none, like the targets' longest window (the JSON says null) */
static void db_longest_unreachable(struct om *o, const struct om_family *fam,
                                   const struct analysis *an, const struct an_target *t)
{
    (void)t;
    seconds(o, fam->name, NULL, 0, an->db.longest_unreachable_us);
}

static void db_refused_windows(struct om *o, const struct om_family *fam, const struct analysis *an,
                               const struct an_target *t)
{
    (void)t;
    count(o, fam->name, NULL, 0, (uint64_t)an->db.nrefused);
}

static void db_lock_waits(struct om *o, const struct om_family *fam, const struct analysis *an,
                          const struct an_target *t)
{
    (void)t;
    count(o, fam->name, NULL, 0, (uint64_t)an->db.nlocks);
}

static void db_longest_lock_wait(struct om *o, const struct om_family *fam,
                                 const struct analysis *an, const struct an_target *t)
{
    (void)t;
    seconds(o, fam->name, NULL, 0, an->db.longest_lock_us);
}

static void db_longest_single_wait(struct om *o, const struct om_family *fam,
                                   const struct analysis *an, const struct an_target *t)
{
    (void)t;
    seconds(o, fam->name, NULL, 0, an->db.longest_single_wait_us);
}

static void db_checks(struct om *o, const struct om_family *fam, const struct analysis *an,
                      const struct an_target *t)
{
    (void)t;
    if (an->db.max_down.active)
        count(o, fam->name, &(struct om_label){"rule", "max-db-down"}, 1,
              an->db.max_down.passed != 0);
    if (an->db.max_lock_wait.active)
        count(o, fam->name, &(struct om_label){"rule", "max-lock-wait"}, 1,
              an->db.max_lock_wait.passed != 0);
}

/* Every family, in the order written; docs/openmetrics.md lists the same. */
static const struct om_family families[] = {
    {"pbprobe_gate_passed", NULL, "1 when the verdict is pass (exit status 0), else 0", OM_REPORT,
     .put = gate_passed},
    {"pbprobe_verdict", NULL, "the verdict: 1 for the one given (pass, fail, inconclusive)",
     OM_REPORT, .put = verdict},
    {"pbprobe_run_gate_passed", NULL, "1 when this run's verdict is pass, else 0", OM_RUNS,
     .put = gate_passed},
    {"pbprobe_run_verdict", NULL, "this run's verdict: 1 for the one given", OM_RUNS,
     .put = verdict},
    {"pbprobe_check_passed", NULL, "1 when the target passed the rule, else 0", OM_RUN,
     .put = checks},
    {"pbprobe_start_timestamp_seconds", "seconds",
     "scheduled time of the first request, Unix seconds", OM_RUN, .put = start_time},
    {"pbprobe_end_timestamp_seconds", "seconds", "scheduled time of the last request, Unix seconds",
     OM_RUN, .put = end_time},
    {"pbprobe_requests", NULL, "scheduled requests: ok, failed, skipped and late", OM_TARGET,
     COUNT(requests)},
    {"pbprobe_requests_ok", NULL, "successes: a status of --ok-status", OM_TARGET, COUNT(ok)},
    {"pbprobe_requests_failed", NULL, "failures: any other status, or a transport error", OM_TARGET,
     COUNT(failed)},
    {"pbprobe_requests_skipped", NULL, "ticks not sent: the prober's --max-inflight was reached",
     OM_TARGET, COUNT(skipped)},
    {"pbprobe_requests_late", NULL, "requests sent but not observed on time: neither ok nor failed",
     OM_TARGET, COUNT(late)},
    {"pbprobe_requests_missing", NULL, "ticks the schedule implies but no log line records",
     OM_TARGET, COUNT(missing)},
    {"pbprobe_failures", NULL, "failed requests by outcome (a status or an error class)", OM_TARGET,
     .put = failures},
    {"pbprobe_latency_seconds", "seconds",
     "latency of the sent requests from their scheduled time, at a quantile", OM_TARGET,
     .put = latency},
    {"pbprobe_latency_max_seconds", "seconds", "the highest latency of the sent requests",
     OM_TARGET, .put = latency_max},
    {"pbprobe_downtime_seconds", "seconds", "downtime: the sum of the downtime windows", OM_TARGET,
     USEC(windows.total_us)},
    {"pbprobe_downtime_windows", NULL, "downtime windows", OM_TARGET, COUNT(windows.count)},
    {"pbprobe_longest_window_seconds", "seconds", "the longest downtime window, 0 when none",
     OM_TARGET, USEC(windows.longest_us)},
    {"pbprobe_error_bursts", NULL, "error bursts", OM_TARGET, COUNT(bursts.count)},
    {"pbprobe_longest_burst_seconds", "seconds", "the longest error burst, 0 when none", OM_TARGET,
     USEC(bursts.longest_us)},
    {"pbprobe_blind_seconds", "seconds",
     "blind time: skipped, late and missing ticks, not observed on time", OM_TARGET,
     USEC(blind.total_us)},
    {"pbprobe_blind_intervals", NULL, "blind intervals", OM_TARGET, COUNT(blind.count)},
    {"pbprobe_longest_blind_seconds", "seconds", "the longest blind interval, 0 when none",
     OM_TARGET, USEC(blind.longest_us)},
    {"pbprobe_db_probes", NULL, "database probes by kind and outcome", OM_DB, .put = db_probes},
    {"pbprobe_db_reachable", NULL, "1 when a query probe was ever answered, else 0", OM_DB,
     .put = db_reachable},
    {"pbprobe_db_unreachable_seconds", "seconds",
     "the database unreachable: query probes down or timed out, summed", OM_DB,
     .put = db_unreachable},
    {"pbprobe_db_unreachable_windows", NULL, "windows of the database unreachable", OM_DB,
     .put = db_unreachable_windows},
    {"pbprobe_db_longest_unreachable_seconds", "seconds",
     "the longest window of the database unreachable (--max-db-down), 0 when none", OM_DB,
     .put = db_longest_unreachable},
    {"pbprobe_db_refused_windows", NULL,
     "windows of fresh connections refused while queries were answered", OM_DB,
     .put = db_refused_windows},
    {"pbprobe_db_lock_waits", NULL, "intervals with sessions waiting on a lock", OM_DB,
     .put = db_lock_waits},
    {"pbprobe_db_longest_lock_wait_seconds", "seconds",
     "the longest interval with sessions waiting on a lock (--max-lock-wait), 0 when none", OM_DB,
     .put = db_longest_lock_wait},
    {"pbprobe_db_longest_single_wait_seconds", "seconds",
     "the longest one session waited on a lock, as sampled", OM_DB, .put = db_longest_single_wait},
    {"pbprobe_db_check_passed", NULL, "1 when the database passed the rule, else 0", OM_DB,
     .put = db_checks},
};

static void family(struct om *o, const struct om_family *fam, const struct analysis *an, int nruns)
{
    fprintf(o->f, "# HELP %s %s\n# TYPE %s gauge\n", fam->name, fam->help, fam->name);
    if (fam->unit)
        fprintf(o->f, "# UNIT %s %s\n", fam->name, fam->unit);
    if (fam->scope == OM_REPORT) {
        o->run = 0;
        fam->put(o, fam, NULL, NULL);
        return;
    }
    /* a family's samples are contiguous: every run's, in order of time */
    for (int r = 0; r < nruns && !o->nomem; r++) {
        o->run = nruns > 1 ? r + 1 : 0;
        if (fam->scope == OM_DB && !an[r].db.present)
            continue;
        if (fam->scope != OM_TARGET) {
            fam->put(o, fam, &an[r], NULL);
            continue;
        }
        for (int i = 0; i < an[r].ntargets && set_target(o, &an[r], &an[r].targets[i]) == 0; i++)
            fam->put(o, fam, &an[r], &an[r].targets[i]);
        o->target = NULL;
    }
}

static int write_all(FILE *f, const struct analysis *an, int nruns, enum an_verdict verdict)
{
    const struct rep_config *cfg = an[0].cfg;
    struct om o = {.f = f, .labels = cfg->labels, .nlabels = cfg->nlabels, .verdict = verdict};
    for (int i = 0; i < cfg->nlabels; i++)
        for (size_t j = 0; j < sizeof own_labels / sizeof own_labels[0]; j++)
            if (strcmp(cfg->labels[i].key, own_labels[j]) == 0) {
                errno = EINVAL;
                return -1;
            }
    int db = 0;
    for (int r = 0; r < nruns; r++)
        db |= an[r].db.present;
    for (size_t i = 0; i < sizeof families / sizeof families[0] && !o.nomem; i++) {
        if ((families[i].scope == OM_DB && !db) || (families[i].scope == OM_RUNS && nruns < 2))
            continue;
        family(&o, &families[i], an, nruns);
    }
    free(o.buf);
    free(o.dup);
    if (o.nomem) {
        errno = ENOMEM;
        return -1;
    }
    fputs("# EOF\n", f);
    return ferror(f) ? -1 : 0;
}

int out_openmetrics(FILE *f, const struct analysis *an)
{
    return write_all(f, an, 1, an->gate.verdict);
}

int out_openmetrics_runs(FILE *f, const struct rep_runs *rs)
{
    return write_all(f, rs->an, rs->n, rs->verdict);
}
