/* Open-loop schedule arithmetic, as in wrk2: tick i of a target is due at
 * t0 + i/rate on the monotonic clock, whatever earlier ticks did. Computing
 * each time from i (not by adding intervals) keeps rounding from drifting.
 * The prober schedules by it; the report counts by it the ticks a log lacks
 * (a log's times are these, rounded to the microsecond). */
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

/* The schedule's interval, in microseconds (fractional). */
static inline double schedule_interval_us(double rate)
{
    return 1e6 / rate;
}

/* Ticks missing between two logged ticks gap_us apart: 0 up to 1.5
 * intervals, then the nearest whole count. */
static inline uint32_t schedule_missing_between(int64_t gap_us, double interval_us)
{
    double gap = (double)gap_us;
    return gap > 1.5 * interval_us ? (uint32_t)llround(gap / interval_us) - 1 : 0;
}

/* Ticks due in [from_us, until_us) when from_us is one: 2 us of slack for
 * the rounding of logged times, so that a tick at until_us is not counted. */
static inline uint64_t schedule_due_between(int64_t from_us, int64_t until_us, double interval_us)
{
    if (until_us - from_us <= 2)
        return 0;
    return (uint64_t)((double)(until_us - from_us - 2) / interval_us) + 1;
}

#endif
