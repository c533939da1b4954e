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

/* wall - mono, for wall times from monotonic ones. Read between two
 * monotonic reads, the narrowest bracket of three: a process preempted
 * between two plain reads (a busy machine, a CPU quota) would put every
 * wall time of its log off by the preemption, for the whole run. */
static inline int64_t clock_wall_offset_us(void)
{
    int64_t best_offset = 0, best_width = INT64_MAX;
    for (int i = 0; i < 3; i++) {
        int64_t before = clock_mono_us();
        int64_t wall = clock_wall_us();
        int64_t after = clock_mono_us();
        if (after - before < best_width) {
            best_width = after - before;
            best_offset = wall - (before + (after - before) / 2);
        }
    }
    return best_offset;
}

#endif
