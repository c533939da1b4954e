/* The two clocks pbprobe uses: monotonic for scheduling and intervals, wall
 * for the log. Names carry the clock and the unit (mono_..._us, wall_..._us). */
#ifndef PB_CLOCK_H
#define PB_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline int64_t clock_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#endif
