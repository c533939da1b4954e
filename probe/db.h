/* The database probe (--db): on the prober's loop, every interval, the
 * schema query and a look at lock waits on a kept connection; at a lower
 * rate a fresh connection. Each result is handed to the caller as a log
 * event, so the database and HTTP share one timeline. */
#ifndef PB_DB_H
#define PB_DB_H

#include <event2/event.h>
#include <stdint.h>

#include "logevent.h"
#include "options.h"

struct db;
typedef void (*db_event_fn)(void *arg, const struct log_event *ev);

struct db *db_new(struct event_base *base, const struct probe_config *cfg, int64_t wall_offset_us,
                  db_event_fn fn, void *arg, char *err, size_t errlen);
/* Starts probing at mono_t0_us. */
void db_start(struct db *d, int64_t mono_t0_us);
/* The last query probe's outcome and the schema version, for the status
 * line: "ok 8fe68fbf6baa", "down: connection refused". */
void db_status(const struct db *d, char *buf, size_t len);
/* Stops probing: connections are closed, probes in progress are dropped. */
void db_stop(struct db *d);
void db_free(struct db *d);

#endif
