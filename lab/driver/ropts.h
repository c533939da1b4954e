/* The rollout driver's command line (the bash driver's, which it replaced, plus the
 * Deployment fields decide() supports): parsed once into a read-only config. */
#ifndef PB_ROPTS_H
#define PB_ROPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "decide.h"

/* haproxy's backend declares s1..s8 (lab/platform-lab.sh). A rolling update
 * needs replicas + maxSurge slots, and terminating pods keep theirs until
 * gone: a pod to create waits for a free slot (ctl.c). */
#define ROPTS_MAX_SLOTS 8

/* The longest version accepted: it names ids and files, in fixed buffers. */
#define ROPTS_MAX_VERSION 16

enum ropts_readiness {
    ROPTS_READINESS_HTTP,
    ROPTS_READINESS_NONE,
};

struct ropts {
    const char *state_dir;
    const char *version;
    int replicas;
    enum decide_strategy strategy;
    enum ropts_readiness readiness;
    int max_surge, max_surge_is_percent;
    int max_unavailable, max_unavailable_is_percent;
    int64_t min_ready_us;
    int64_t deadline_us;
    int64_t period_us;
    int failure_threshold;
    int success_threshold;
    int64_t probe_timeout_us;
    int64_t prestop_us;
    const char *on_sigterm; /* drain, ignore or exit: passed to the app */
    int64_t lag_min_us, lag_max_us;
    int64_t grace_us;
    const char *startup_delay; /* passed to the app as given, checked here */
    const char *drain_timeout;
    const char *events; /* NULL: DIR/events.tsv */
    /* the arguments as given, for messages that quote them */
    const char *strategy_arg, *readiness_arg, *deadline_arg, *grace_arg;
};

enum ropts_result {
    ROPTS_OK,
    ROPTS_HELP,
    ROPTS_ERROR,
};

/* Fills o from argv; on ROPTS_ERROR, err holds one line (no program name). */
enum ropts_result ropts_parse(int argc, char **argv, struct ropts *o, char *err, size_t errlen);

void ropts_usage(FILE *f);

/* "MIN[-MAX]" seconds or durations, MIN <= MAX. */
int ropts_parse_lag(const char *s, int64_t *min_us, int64_t *max_us, char *err, size_t errlen);

/* "N" or "N%" (maxSurge, maxUnavailable). */
int ropts_parse_count_or_percent(const char *s, int *value, int *is_percent);

#endif
