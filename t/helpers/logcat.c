/* logcat: prints the events of pbprobe logs as the lib/ reader understands
 * them, one per line, so shell tests check logs through the one reader
 * instead of parsing lines by hand. Exit 3 on the first malformed line. */
#include <stdio.h>
#include <string.h>

#include "logread.h"
#include "outcome.h"

static const char *opt(const char *s)
{
    return s ? s : "-";
}

static void print_event(const struct log_event *ev)
{
    char nbuf[12];
    const struct log_req *q = &ev->u.req;
    switch (ev->kind) {
    case LOG_REQ:
        printf("req\t%lld\t%s\t%s\t%lld\t%lld\t%lld\t%d\t%s\t%s\t%s\t%lld\t%d\n",
               (long long)ev->wall_us, q->target, outcome_name(q->outcome, nbuf),
               (long long)q->latency_us, (long long)q->delay_us, (long long)q->bytes, q->reused,
               opt(q->peer), opt(q->version), opt(q->request_id), (long long)q->lag_us, q->stalled);
        break;
    case LOG_TARGET:
        printf("target\t%lld\t%s\t%s\t%g\t%s\n", (long long)ev->wall_us, ev->u.target.name,
               opt(ev->u.target.url), ev->u.target.rate, opt(ev->u.target.flags));
        break;
    case LOG_CMD_START:
        printf("cmd-start\t%lld\t%ld\t%s\n", (long long)ev->wall_us, ev->u.cmd_start.pid,
               opt(ev->u.cmd_start.command));
        break;
    case LOG_CMD_EXIT:
        printf("cmd-exit\t%lld\t%d\t%s\n", (long long)ev->wall_us, ev->u.cmd_exit.status,
               opt(ev->u.cmd_exit.how));
        break;
    case LOG_END:
        printf("end\t%lld\t%s\t%lld\n", (long long)ev->wall_us, ev->u.text, (long long)ev->stop_us);
        break;
    case LOG_MARK:
    case LOG_WARN:
        printf("%s\t%lld\t%s\n", ev->kind_name, (long long)ev->wall_us, ev->u.text);
        break;
    case LOG_DB:
        printf("db\t%lld\t%s\t%s\t%lld\t%s\t%s\n", (long long)ev->wall_us,
               log_db_probe_name(ev->u.db.probe), log_db_outcome_name(ev->u.db.outcome),
               (long long)ev->u.db.latency_us, opt(ev->u.db.sqlstate), opt(ev->u.db.message));
        break;
    case LOG_DB_SCHEMA:
        printf("db-schema\t%lld\t%s\n", (long long)ev->wall_us, opt(ev->u.text));
        break;
    case LOG_DB_LOCKS:
        printf("db-locks\t%lld\t%lld\t%lld\t%s\t%s\t%ld\n", (long long)ev->wall_us,
               (long long)ev->u.locks.waiting, (long long)ev->u.locks.longest_us,
               opt(ev->u.locks.relation), opt(ev->u.locks.mode), ev->u.locks.blocker_pid);
        break;
    case LOG_STALL:
        printf("stall\t%lld\t%lld\t%lld\n", (long long)ev->wall_us, (long long)ev->u.stall.end_us,
               (long long)ev->u.stall.length_us);
        break;
    case LOG_UNKNOWN:
        printf("unknown\t%lld\t%s\n", (long long)ev->wall_us, ev->kind_name);
        break;
    }
}

int main(int argc, char **argv)
{
    char err[512];
    for (int i = 1; i < argc; i++) {
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
