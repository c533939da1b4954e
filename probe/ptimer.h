/* Precise timers for the schedules (a tick of requests, a database sample):
 * a timerfd armed at an absolute monotonic time, watched by the loop like a
 * socket. The loop's own timers are left coarse, since libevent's precise
 * mode re-arms a timerfd on every turn of the loop, two system calls per
 * request at high rates. */
#ifndef PB_PTIMER_H
#define PB_PTIMER_H

#include <event2/event.h>
#include <stdint.h>

struct ptimer;

/* NULL when out of memory or file descriptors; errno says which. */
struct ptimer *ptimer_new(struct event_base *base, event_callback_fn fn, void *arg);
/* Fires at mono_us on clock_mono_us()'s clock, at once when that is past.
 * Re-arming at the time already armed costs no system call. */
int ptimer_arm_at(struct ptimer *t, int64_t mono_us);
/* Fires on the loop's next turn. */
void ptimer_fire_now(struct ptimer *t);
void ptimer_cancel(struct ptimer *t);
/* The loop's priority of its callback (event_priority_set); before arming. */
int ptimer_priority_set(struct ptimer *t, int priority);
void ptimer_free(struct ptimer *t);

#endif
