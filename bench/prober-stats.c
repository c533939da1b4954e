/* prober-stats: the numbers bench/prober.sh needs from one pbprobe log, read
 * with the project's one log reader (lib/logread.c) and histogram: counts,
 * the achieved rate, and percentiles of latency and send delay.
 * Prints one line of key=value pairs; exits 1 on an unreadable log. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "hist.h"
#include "logread.h"
#include "outcome.h"

#define HOUR_US (3600LL * 1000000)

static void print_hist(const char *name, const struct hist *h)
{
    printf(" %s_p50_us=%" PRId64 " %s_p99_us=%" PRId64 " %s_p999_us=%" PRId64 " %s_max_us=%" PRId64,
           name, hist_percentile(h, 50), name, hist_percentile(h, 99), name,
           hist_percentile(h, 99.9), name, h->count ? h->max : 0);
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc != 2) {
        fprintf(stderr, "usage: prober-stats LOG\n");
        return 2;
    }
    struct logr *r = logr_open(argv[1], err, sizeof err);
    if (r == NULL) {
        fprintf(stderr, "prober-stats: %s\n", err);
        return 1;
    }
    struct hist latency, delay;
    if (hist_init(&latency, 3, HOUR_US) < 0 || hist_init(&delay, 3, HOUR_US) < 0) {
        fprintf(stderr, "prober-stats: out of memory\n");
        return 1;
    }
    uint64_t reqs = 0, ok = 0, skipped = 0, failed = 0, new_conns = 0;
    long bad_lines = 0;
    int64_t first_sched_us = INT64_MAX, last_done_us = INT64_MIN;
    struct log_event ev;
    int rc;
    while ((rc = logr_next(r, &ev, err, sizeof err)) != 0) {
        if (rc < 0) {
            fprintf(stderr, "prober-stats: %s\n", err);
            bad_lines++;
            continue;
        }
        if (ev.kind != LOG_REQ)
            continue;
        const struct log_req *q = &ev.u.req;
        reqs++;
        if (q->wall_sched_us < first_sched_us)
            first_sched_us = q->wall_sched_us;
        if (q->outcome == OUTCOME_SKIPPED) {
            skipped++;
            continue;
        }
        if (q->outcome == 200)
            ok++;
        else
            failed++;
        new_conns += q->reused == 0;
        /* the end of the run is when the last answer came, not the last tick:
         * a prober that fell behind finishes late */
        if (q->latency_us >= 0) {
            hist_record(&latency, q->latency_us);
            if (q->wall_sched_us + q->latency_us > last_done_us)
                last_done_us = q->wall_sched_us + q->latency_us;
        }
        if (q->delay_us >= 0)
            hist_record(&delay, q->delay_us);
    }
    double span_s =
        last_done_us > first_sched_us ? (double)(last_done_us - first_sched_us) / 1e6 : 0;
    printf("requests=%" PRIu64 " ok=%" PRIu64 " failed=%" PRIu64 " skipped=%" PRIu64
           " new_conns=%" PRIu64 " span_s=%.3f bad_lines=%ld",
           reqs, ok, failed, skipped, new_conns, span_s, bad_lines);
    print_hist("latency", &latency);
    print_hist("delay", &delay);
    printf("\n");
    hist_free(&latency);
    hist_free(&delay);
    logr_close(r);
    return bad_lines ? 1 : 0;
}
