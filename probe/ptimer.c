/* Precise timers on a timerfd (ptimer.h). */
#include <errno.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "clock.h"
#include "ptimer.h"

struct ptimer {
    int fd;
    struct event *ev;
    int64_t armed_us; /* the deadline the timerfd holds; 0 for none */
    event_callback_fn fn;
    void *arg;
};

static void on_expiry(evutil_socket_t fd, short what, void *arg)
{
    struct ptimer *t = arg;
    /* edge-triggered: each expiry wakes the loop once, and the count is
     * never read (a read would be one more system call per tick);
     * timerfd_settime clears it. An expiry the loop had already seen when a
     * callback before this one cancelled the timer or armed it later is
     * not a deadline reached. */
    if (t->armed_us == 0 || t->armed_us > clock_mono_us())
        return;
    t->armed_us = 0;
    t->fn(fd, what, t->arg);
}

struct ptimer *ptimer_new(struct event_base *base, event_callback_fn fn, void *arg)
{
    struct ptimer *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->fn = fn;
    t->arg = arg;
    t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (t->fd < 0) {
        free(t);
        return NULL;
    }
    t->ev = event_new(base, t->fd, EV_READ | EV_PERSIST | EV_ET, on_expiry, t);
    if (t->ev == NULL || event_add(t->ev, NULL) < 0) {
        int e = t->ev ? EINVAL : ENOMEM;
        ptimer_free(t);
        errno = e;
        return NULL;
    }
    return t;
}

static int settime(struct ptimer *t, int64_t mono_us)
{
    struct itimerspec its = {
        .it_value = {.tv_sec = (time_t)(mono_us / 1000000),
                     .tv_nsec = (long)(mono_us % 1000000) * 1000},
    };
    if (timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
        return -1;
    t->armed_us = mono_us;
    return 0;
}

int ptimer_arm_at(struct ptimer *t, int64_t mono_us)
{
    if (mono_us < 1)
        mono_us = 1; /* a zero it_value would disarm; 1 us is long past */
    if (mono_us == t->armed_us)
        return 0;
    return settime(t, mono_us);
}

void ptimer_fire_now(struct ptimer *t)
{
    /* through the timerfd, not event_active(): an expiry that came in the
     * same turn would be folded into this one, leaving armed_us stale */
    if (settime(t, 1) < 0)
        event_active(t->ev, EV_READ, 0);
}

void ptimer_cancel(struct ptimer *t)
{
    if (t->armed_us == 0)
        return;
    struct itimerspec off = {{0, 0}, {0, 0}};
    timerfd_settime(t->fd, 0, &off, NULL);
    t->armed_us = 0;
}

int ptimer_priority_set(struct ptimer *t, int priority)
{
    return event_priority_set(t->ev, priority);
}

void ptimer_free(struct ptimer *t)
{
    if (t == NULL)
        return;
    if (t->ev)
        event_free(t->ev);
    if (t->fd >= 0)
        close(t->fd);
    free(t);
}
