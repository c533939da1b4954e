/* timer-floor: the send delay of a prober that does nothing. It runs
 * pbprobe's schedule (tick i due at t0 + i/rate, on pbprobe's timerfd,
 * probe/ptimer.c, each tick on its own as with --batch-window 0) and only
 * records how late each tick's callback ran. On a shared
 * machine this is the floor pbprobe's send delay is compared with: what is
 * left above it is pbprobe's own.
 * Usage: timer-floor RATE SECONDS; prints one line of key=value pairs. */
#include <event2/event.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "hist.h"
#include "ptimer.h"

struct floor_run {
    struct ptimer *timer;
    double rate;
    uint64_t next, n;
    int64_t mono_t0_us;
    struct hist late;
};

static int64_t due_us(const struct floor_run *f, uint64_t i)
{
    return f->mono_t0_us + (int64_t)llround((double)i * 1e6 / f->rate);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct floor_run *f = arg;
    int64_t now = clock_mono_us();
    (void)fd;
    (void)what;
    while (f->next < f->n && due_us(f, f->next) <= now) {
        hist_record(&f->late, now - due_us(f, f->next));
        f->next++;
    }
    if (f->next < f->n)
        ptimer_arm_at(f->timer, due_us(f, f->next));
    else {
        ptimer_free(f->timer); /* the loop ends with no event left */
        f->timer = NULL;
    }
}

int main(int argc, char **argv)
{
    if (argc != 3 || atof(argv[1]) <= 0 || atof(argv[2]) <= 0) {
        fprintf(stderr, "usage: timer-floor RATE SECONDS\n");
        return 2;
    }
    struct floor_run f = {.rate = atof(argv[1])};
    f.n = (uint64_t)(f.rate * atof(argv[2]));
    if (hist_init(&f.late, 3, 3600LL * 1000000) < 0)
        return 1;
    struct event_base *base = event_base_new();
    if (base == NULL || (f.timer = ptimer_new(base, on_tick, &f)) == NULL)
        return 1;
    f.mono_t0_us = clock_mono_us();
    ptimer_fire_now(f.timer);
    event_base_dispatch(base);
    printf("ticks=%" PRIu64 " delay_p50_us=%" PRId64 " delay_p99_us=%" PRId64
           " delay_p999_us=%" PRId64 " delay_max_us=%" PRId64 "\n",
           f.late.count, hist_percentile(&f.late, 50), hist_percentile(&f.late, 99),
           hist_percentile(&f.late, 99.9), f.late.max);
    event_base_free(base);
    hist_free(&f.late);
    return 0;
}
