/* timer-floor: the send delay of a prober that does nothing. It runs
 * pbprobe's schedule (tick i due at t0 + i/rate, libevent with precise
 * timers) and only records how late each tick's callback ran. On a shared
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

struct floor_run {
    struct event *ev;
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
    if (f->next < f->n) {
        int64_t d = due_us(f, f->next) - now;
        struct timeval tv = {(time_t)(d / 1000000), (suseconds_t)(d % 1000000)};
        event_add(f->ev, &tv);
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
    struct event_config *ec = event_config_new();
    if (ec == NULL || hist_init(&f.late, 3, 3600LL * 1000000) < 0)
        return 1;
    /* as pbprobe (probe/run.c): timerfd, not epoll's millisecond timeouts */
    event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
    struct event_base *base = event_base_new_with_config(ec);
    event_config_free(ec);
    if (base == NULL || (f.ev = evtimer_new(base, on_tick, &f)) == NULL)
        return 1;
    f.mono_t0_us = clock_mono_us();
    event_active(f.ev, 0, 0);
    event_base_dispatch(base);
    printf("ticks=%" PRIu64 " delay_p50_us=%" PRId64 " delay_p99_us=%" PRId64
           " delay_p999_us=%" PRId64 " delay_max_us=%" PRId64 "\n",
           f.late.count, hist_percentile(&f.late, 50), hist_percentile(&f.late, 99),
           hist_percentile(&f.late, 99.9), f.late.max);
    event_free(f.ev);
    event_base_free(base);
    hist_free(&f.late);
    return 0;
}
