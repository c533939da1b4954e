/* The one writer of pbprobe logs. Lines are buffered and written whole, so a
 * killed prober leaves at most one truncated line; the caller flushes on a
 * timer (the prober: every 100 ms) and at exit. */
#ifndef PB_LOGWRITE_H
#define PB_LOGWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "logevent.h"

struct logw;

/* path "-" is standard output. Returns NULL with a reason in err. */
struct logw *logw_open(const char *path, char *err, size_t errlen);

int logw_header(struct logw *w, const struct log_header *h);
int logw_req(struct logw *w, const struct log_req *r);
int logw_target(struct logw *w, int64_t wall_us, const struct log_target *t);
/* mark and warn (and an end line without its stop time): one free-text field. */
int logw_text(struct logw *w, const char *kind, int64_t wall_us, const char *text);
/* the prober stopped for reason; its schedule stopped at stop_us (-1: unknown) */
int logw_end(struct logw *w, int64_t wall_us, const char *reason, int64_t stop_us);
int logw_cmd_start(struct logw *w, int64_t wall_us, const struct log_cmd_start *c);
int logw_cmd_exit(struct logw *w, int64_t wall_us, const struct log_cmd_exit *c);

int logw_db(struct logw *w, int64_t wall_us, const struct log_db *d);
/* value NULL: the schema query returned no row */
int logw_db_schema(struct logw *w, int64_t wall_us, const char *value);
int logw_db_locks(struct logw *w, int64_t wall_us, const struct log_db_locks *l);
/* the prober's loop stalled from wall_us to st->end_us */
int logw_stall(struct logw *w, int64_t wall_us, const struct log_stall *st);
int logw_abort(struct logw *w, int64_t wall_us, const struct log_abort *a);
/* Any event as read (lib/logread.h) or made: the writer of its kind. An
 * unknown kind, which has no writer, writes nothing and returns 0. */
int logw_event(struct logw *w, const struct log_event *ev);

/* Writes what is buffered. Every call above returns 0, or -1 once a write has
 * failed; from then on the writer drops lines and logw_error() says why. */
int logw_flush(struct logw *w);
const char *logw_error(const struct logw *w);
size_t logw_pending(const struct logw *w);

/* Flushes and closes; returns -1 if anything was lost, with the reason in err. */
int logw_close(struct logw *w, char *err, size_t errlen);

#endif
