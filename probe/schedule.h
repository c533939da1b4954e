/* Open-loop schedule arithmetic, as in wrk2: tick i of a target is due at
 * t0 + i/rate on the monotonic clock, whatever earlier ticks did. Computing
 * each time from i (not by adding intervals) keeps rounding from drifting. */
#ifndef PB_SCHEDULE_H
#define PB_SCHEDULE_H

#include <math.h>
#include <stdint.h>

static inline int64_t schedule_tick_us(int64_t mono_t0_us, double rate, uint64_t i)
{
    return mono_t0_us + (int64_t)llround((double)i * 1e6 / rate);
}

/* How many ticks fall in [t0, t0 + duration): rate 200 for 5 s is 1000. */
static inline uint64_t schedule_ticks_in(int64_t duration_us, double rate)
{
    double n = (double)duration_us * rate / 1e6;
    return (uint64_t)ceil(n - 1e-9);
}

#endif
