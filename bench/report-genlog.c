/* report-genlog: writes a large, realistic pbprobe log for the report
 * benchmark (bench/report-bench.sh), through the one writer in lib/ so the
 * bytes are exactly what a prober would write. Deterministic: same
 * arguments, same file. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logwrite.h"
#include "outcome.h"
#include "units.h"

/* xorshift64*: reproducible without depending on libc's rand(). */
static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static void usage(FILE *f)
{
    fputs("usage: report-genlog [--requests N] [--targets K] [--rate R] -o FILE\n"
          "  --requests N   req lines in all (default 10M)\n"
          "  --targets K    targets probed side by side (default 2)\n"
          "  --rate R       requests per second per target (default 1000)\n"
          "  -o FILE        where to write (default -, standard output)\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"requests", required_argument, NULL, 'n'}, {"targets", required_argument, NULL, 'k'},
        {"rate", required_argument, NULL, 'r'},     {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    int64_t requests = 10000000, ntargets = 2;
    double rate = 1000;
    const char *out = "-";
    char err[256];
    int c;
    while ((c = getopt_long(argc, argv, "n:k:r:o:h", opts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'n':
            rc = units_parse_count(optarg, &requests, err, sizeof err);
            break;
        case 'k':
            rc = units_parse_count(optarg, &ntargets, err, sizeof err);
            break;
        case 'r':
            rc = units_parse_rate(optarg, &rate, err, sizeof err);
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
        if (rc < 0) {
            fprintf(stderr, "report-genlog: %s\n", err);
            return 2;
        }
    }
    if (ntargets < 1 || ntargets > 26) {
        fprintf(stderr, "report-genlog: --targets must be 1..26\n");
        return 2;
    }
    struct logw *w = logw_open(out, err, sizeof err);
    if (w == NULL) {
        fprintf(stderr, "report-genlog: %s\n", err);
        return 3;
    }
    const int64_t t0 = 1764165600000000; /* 2025-11-26 14:00:00 UTC */
    struct log_header h = {.version = 1,
                           .wall_start_us = t0,
                           .host = "bench",
                           .pid = 4242,
                           .prober_version = "0.1.0",
                           .cmd = "report-genlog"};
    logw_header(w, &h);
    char names[26][16];
    for (int i = 0; i < ntargets; i++) {
        snprintf(names[i], sizeof names[i], i == 0 ? "home" : "api%c", 'a' + i - 1);
        struct log_target t = {
            .name = names[i], .url = "http://127.0.0.1:8080/", .rate = rate, .flags = "keepalive"};
        logw_target(w, t0, &t);
    }
    int64_t ticks = requests / ntargets;
    int64_t step_us = (int64_t)(1e6 / rate);
    int64_t rid = 0;
    for (int64_t i = 0; i < ticks; i++) {
        int64_t sched = t0 + i * step_us;
        int64_t sec = i / (int64_t)rate;
        /* every 100 s: a 2 s outage of the first target, a 10 s burst of
         * 503s on one request in two for the others, and a version flip */
        if (i % ((int64_t)rate * 100) == 0 && i > 0)
            logw_text(w, "mark", sched, "rollout");
        for (int k = 0; k < ntargets; k++) {
            uint64_t r = rng_next();
            char rbuf[32];
            snprintf(rbuf, sizeof rbuf, "pb-4242-%" PRId64, rid++);
            struct log_req q = {.wall_sched_us = sched,
                                .target = names[k],
                                .outcome = 200,
                                .latency_us = 800 + (int64_t)(r % 4000),
                                .delay_us = 40,
                                .bytes = 5120,
                                .reused = 1,
                                .peer = "127.0.0.1:8080",
                                .version = (sec / 100) % 2 ? "v2" : "v1",
                                .request_id = rbuf};
            if (r % 100000 == 7)
                q.latency_us = 250000 + (int64_t)(r % 1000000); /* a slow tail */
            if (k == 0 && (sec % 100 == 50 || sec % 100 == 51)) {
                q.outcome = OUTCOME_CONNECT;
                q.latency_us = 150;
                q.bytes = 0;
                q.peer = NULL;
                q.version = NULL;
            } else if (k > 0 && sec % 100 >= 70 && sec % 100 < 80 && r % 2) {
                q.outcome = 503;
                q.version = NULL;
            }
            logw_req(w, &q);
        }
    }
    logw_text(w, "end", t0 + ticks * step_us, "duration");
    if (logw_close(w, err, sizeof err) < 0) {
        fprintf(stderr, "report-genlog: %s\n", err);
        return 3;
    }
    return 0;
}
