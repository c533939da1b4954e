/* The kubelet's httpGet readiness probe, on the loop: one GET, its result
 * (a status code, or 0 when it failed or timed out) handed to a callback
 * within the timeout. A probe never blocks the loop. */
#ifndef PB_RPROBE_H
#define PB_RPROBE_H

#include <stdint.h>

struct event_base;
struct rprobe;

/* code: the HTTP status, 0 for no answer in time; arg as given. */
typedef void (*rprobe_done_fn)(int code, void *arg);

/* Starts a GET of http://127.0.0.1:PORT/PATH; done is called exactly once,
 * unless the probe is detached first, and the probe is already freed then.
 * Returns NULL when it could not start (done is then not called: the caller
 * counts it as a failure). */
struct rprobe *rprobe_start(struct event_base *base, int port, const char *path, int64_t timeout_us,
                            rprobe_done_fn done, void *arg);

/* The caller no longer wants the result (its instance is gone): the probe is
 * closed and freed, done is not called. */
void rprobe_detach(struct rprobe *p);

/* Frees the connections of answered probes still waiting for the loop's
 * next turn: before event_base_free. */
void rprobe_shutdown(void);

/* Whether a status code is a success for the kubelet (200-399). */
int rprobe_success(int code);

#endif
