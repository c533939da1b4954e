/* logcat: prints the events of pbprobe logs as the lib/ reader understands
 * them, one per line, so shell tests check logs through the one reader
 * instead of parsing lines by hand. Exit 3 on the first malformed line.
 *
 *   logcat LOG...                     every event, its fields in the order of
 *                                     docs/log-format.md (absent numbers -1)
 *   logcat -f KIND:FIELD,... LOG...   only events of KIND, only the fields
 *                                     named, in that order, TAB-separated:
 *                                     logcat -f req:target,outcome run.log
 * Exit 2 for a bad -f (an unknown kind or field). Values are printed
 * unescaped: a value holding a TAB (a mark's text could) shifts the fields
 * after it, so select such a field last. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logread.h"
#include "outcome.h"

static const char *opt(const char *s)
{
    return s ? s : "-";
}

/* The fields of each kind, by their names in docs/log-format.md. */
static const char *const field_names[][15] = {
    {"req", "time", "target", "outcome", "latency_us", "delay_us", "bytes", "reused", "peer",
     "version", "request_id", "lag_us", "stalled", "protocol"},
    {"target", "time", "name", "url", "rate", "flags"},
    {"cmd-start", "time", "pid", "command"},
    {"cmd-exit", "time", "status", "how"},
    {"end", "time", "reason", "stop"},
    {"mark", "time", "name"},
    {"warn", "time", "message"},
    {"db", "time", "probe", "outcome", "latency_us", "sqlstate", "message"},
    {"db-schema", "time", "value"},
    {"db-locks", "time", "waiting", "longest_us", "relation", "mode", "blocker"},
    {"stall", "time", "end", "length_us"},
    {"abort", "time", "target", "rule", "value", "limit"},
};

/* -f: the kind printed and the columns of its line, in order */
static const char *only_kind;
static int columns[16], ncolumns;

static int select_fields(const char *spec)
{
    const char *colon = strchr(spec, ':');
    if (colon == NULL)
        return -1;
    for (size_t k = 0; k < sizeof field_names / sizeof field_names[0]; k++) {
        const char *const *names = field_names[k];
        if (strlen(names[0]) != (size_t)(colon - spec) ||
            strncmp(names[0], spec, (size_t)(colon - spec)))
            continue;
        only_kind = names[0];
        for (const char *f = colon + 1; *f;) {
            size_t len = strcspn(f, ",");
            int found = -1;
            for (int i = 1; i < 14 && names[i]; i++)
                if (strlen(names[i]) == len && strncmp(names[i], f, len) == 0)
                    found = i;
            if (found < 0 || ncolumns == 16) {
                fprintf(stderr, "logcat: -f %s: %s has no field \"%.*s\"\n", spec, names[0],
                        (int)len, f);
                return -1;
            }
            columns[ncolumns++] = found;
            f += len + (f[len] == ',');
        }
        return ncolumns > 0 ? 0 : -1;
    }
    fprintf(stderr, "logcat: -f %s: no event kind \"%.*s\"\n", spec, (int)(colon - spec), spec);
    return -1;
}

/* One event's line: whole, or the columns -f asked for. */
__attribute__((format(printf, 1, 2))) static void emit(const char *format, ...)
{
    char line[8192];
    va_list ap;
    va_start(ap, format);
    vsnprintf(line, sizeof line, format, ap);
    va_end(ap);
    if (only_kind == NULL) {
        fputs(line, stdout);
        return;
    }
    line[strcspn(line, "\n")] = '\0';
    char *field[16];
    int n = 0;
    for (char *p = line; n < 16;) {
        field[n++] = p;
        char *tab = strchr(p, '\t');
        if (tab == NULL)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    if (strcmp(field[0], only_kind) != 0)
        return;
    for (int i = 0; i < ncolumns; i++)
        printf("%s%s", i ? "\t" : "", columns[i] < n ? field[columns[i]] : "-");
    putchar('\n');
}

static void print_event(const struct log_event *ev)
{
    char nbuf[12];
    const struct log_req *q = &ev->u.req;
    switch (ev->kind) {
    case LOG_REQ:
        emit("req\t%lld\t%s\t%s\t%lld\t%lld\t%lld\t%d\t%s\t%s\t%s\t%lld\t%d\t%s\n",
             (long long)ev->wall_us, q->target, outcome_name(q->outcome, nbuf),
             (long long)q->latency_us, (long long)q->delay_us, (long long)q->bytes, q->reused,
             opt(q->peer), opt(q->version), opt(q->request_id), (long long)q->lag_us, q->stalled,
             opt(q->protocol));
        break;
    case LOG_TARGET:
        emit("target\t%lld\t%s\t%s\t%g\t%s\n", (long long)ev->wall_us, ev->u.target.name,
             opt(ev->u.target.url), ev->u.target.rate, opt(ev->u.target.flags));
        break;
    case LOG_CMD_START:
        emit("cmd-start\t%lld\t%ld\t%s\n", (long long)ev->wall_us, ev->u.cmd_start.pid,
             opt(ev->u.cmd_start.command));
        break;
    case LOG_CMD_EXIT:
        emit("cmd-exit\t%lld\t%d\t%s\n", (long long)ev->wall_us, ev->u.cmd_exit.status,
             opt(ev->u.cmd_exit.how));
        break;
    case LOG_END:
        emit("end\t%lld\t%s\t%lld\n", (long long)ev->wall_us, ev->u.text, (long long)ev->stop_us);
        break;
    case LOG_MARK:
    case LOG_WARN:
        emit("%s\t%lld\t%s\n", ev->kind_name, (long long)ev->wall_us, ev->u.text);
        break;
    case LOG_DB:
        emit("db\t%lld\t%s\t%s\t%lld\t%s\t%s\n", (long long)ev->wall_us,
             log_db_probe_name(ev->u.db.probe), log_db_outcome_name(ev->u.db.outcome),
             (long long)ev->u.db.latency_us, opt(ev->u.db.sqlstate), opt(ev->u.db.message));
        break;
    case LOG_DB_SCHEMA:
        emit("db-schema\t%lld\t%s\n", (long long)ev->wall_us, opt(ev->u.text));
        break;
    case LOG_DB_LOCKS:
        emit("db-locks\t%lld\t%lld\t%lld\t%s\t%s\t%ld\n", (long long)ev->wall_us,
             (long long)ev->u.locks.waiting, (long long)ev->u.locks.longest_us,
             opt(ev->u.locks.relation), opt(ev->u.locks.mode), ev->u.locks.blocker_pid);
        break;
    case LOG_STALL:
        emit("stall\t%lld\t%lld\t%lld\n", (long long)ev->wall_us, (long long)ev->u.stall.end_us,
             (long long)ev->u.stall.length_us);
        break;
    case LOG_ABORT:
        emit("abort\t%lld\t%s\t%s\t%lld\t%lld\n", (long long)ev->wall_us, ev->u.abort.target,
             ev->u.abort.rule, (long long)ev->u.abort.value, (long long)ev->u.abort.limit);
        break;
    case LOG_UNKNOWN:
        emit("unknown\t%lld\t%s\n", (long long)ev->wall_us, ev->kind_name);
        break;
    }
}

int main(int argc, char **argv)
{
    char err[512];
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "-f") == 0) {
        if (select_fields(argv[2]) < 0)
            return 2;
        first = 3;
    }
    for (int i = first; i < argc; i++) {
        struct logr *r = logr_open(argv[i], err, sizeof err);
        if (r == NULL) {
            fprintf(stderr, "logcat: %s\n", err);
            return 3;
        }
        struct log_event ev;
        int rc;
        while ((rc = logr_next(r, &ev, err, sizeof err)) == 1)
            print_event(&ev);
        if (rc < 0) {
            fprintf(stderr, "logcat: %s\n", err);
            logr_close(r);
            return 3;
        }
        if (logr_truncated(r))
            fprintf(stderr, "logcat: %s:%ld: truncated last line\n", argv[i], logr_lineno(r));
        logr_close(r);
    }
    return 0;
}
