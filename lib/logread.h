/* The one reader of pbprobe logs: streaming, in fixed memory, fast enough to
 * read ten million lines in about a second. Errors name the file and line. */
#ifndef PB_LOGREAD_H
#define PB_LOGREAD_H

#include <stddef.h>
#include <stdint.h>

#include "logevent.h"

struct logr;

/* path "-" is standard input. Reads and checks the header line. Returns NULL
 * with "path: reason" in err: unreadable, empty, not a pbprobe log, or a
 * format version newer than this reader. */
struct logr *logr_open(const char *path, char *err, size_t errlen);

/* The next event: 1, or 0 at the end, or -1 for a line that breaks the
 * format, with "path:line: reason" in err. After -1 the caller may go on
 * reading (the bad line is skipped) or stop. */
int logr_next(struct logr *r, struct log_event *ev, char *err, size_t errlen);

/* The latest time among the last lines of the log, without moving the
 * stream: 1 with *t_us set, or 0 when the log is not a regular file (a pipe,
 * standard input) or its end holds no event line. How long a log lasted is
 * known before reading it through: the report groups logs into runs by it. */
int logr_last_time(const struct logr *r, int64_t *t_us);

const struct log_header *logr_header(const struct logr *r);
const char *logr_path(const struct logr *r);
long logr_lineno(const struct logr *r);

/* After logr_next returned 0: whether the last line had no newline (a prober
 * killed mid-write). That line is not returned as an event. */
int logr_truncated(const struct logr *r);

/* Lines of kinds this reader does not know, skipped. */
long logr_unknown_lines(const struct logr *r);

void logr_close(struct logr *r);

#endif
