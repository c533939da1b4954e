/* HTTP probes: libcurl's multi-socket interface on a libevent loop, with a
 * pool of reusable easy handles per target. The in-flight cap is enforced
 * here, before libcurl: libcurl is only ever handed what it can start now,
 * so its own pending queue (slow above ~10k req/s) never fills. */
#ifndef PB_HTTP_H
#define PB_HTTP_H

#include <event2/event.h>
#include <stdint.h>

#include "logevent.h"
#include "options.h"

struct http;

/* Called once per finished request with its log record; target is the index
 * in cfg->targets. A request the prober could not send has the outcome
 * OUTCOME_SKIPPED and unsent says why (NULL otherwise); the caller writes its
 * skipped record, whose fields are not the request's. The strings live until
 * the callback returns. */
typedef void (*http_done_fn)(void *arg, int target, const struct log_req *req, const char *unsent);

/* wall_offset_us converts the monotonic clock to the log's wall clock. */
struct http *http_new(struct event_base *base, const struct probe_config *cfg,
                      int64_t wall_offset_us, http_done_fn done, void *arg, char *err,
                      size_t errlen);

/* Sends the request of target `target` scheduled at mono_sched_us. Returns
 * 0, or 1 when --max-inflight requests are already in flight (the caller
 * logs the tick as skipped), or -1 when libcurl refused (err says why). */
int http_start(struct http *h, int target, int64_t mono_sched_us, char *err, size_t errlen);

/* Lets libcurl start what http_start() handed it: called once after a
 * batch of ticks, which are not started until then. */
void http_kick(struct http *h);

int http_inflight(const struct http *h);

/* Ends every request still in flight without logging it; returns how many. */
int http_abandon_all(struct http *h);
void http_free(struct http *h);

#endif
