/* Arming a libevent timer from a delay in microseconds, the unit every
 * clock in pbprobe uses. */
#ifndef PB_EVTIMER_H
#define PB_EVTIMER_H

#include <event2/event.h>
#include <stdint.h>

/* A negative delay fires at once: a deadline already past is still due. */
static inline void evtimer_arm_us(struct event *ev, int64_t delay_us)
{
    if (delay_us < 0)
        delay_us = 0;
    struct timeval tv = {(time_t)(delay_us / 1000000), (suseconds_t)(delay_us % 1000000)};
    event_add(ev, &tv);
}

#endif
