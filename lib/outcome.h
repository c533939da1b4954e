/* The outcome of one scheduled request: an HTTP status, or the class of the
 * transport error that prevented one. One int holds either, so counting
 * outcomes is an array index, not a string compare. */
#ifndef PB_OUTCOME_H
#define PB_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>

/* Error classes live below 100, HTTP statuses at 100..999. */
enum outcome_error {
    OUTCOME_CONNECT = 1,
    OUTCOME_TIMEOUT,
    OUTCOME_RESET,
    OUTCOME_DNS,
    OUTCOME_TLS,
    OUTCOME_PROTOCOL,
    OUTCOME_OTHER,
    OUTCOME_SKIPPED,
    OUTCOME_BODY,     /* a success by its status whose body failed --expect-body */
    OUTCOME_ERROR_END /* one past the last class */
};

#define OUTCOME_MAX 1000 /* outcomes are < OUTCOME_MAX: usable as an array size */

static inline bool outcome_is_http(int outcome)
{
    return outcome >= 100 && outcome < OUTCOME_MAX;
}

/* "200", "timeout", ...; buf must hold 12 bytes (used only for HTTP codes). */
const char *outcome_name(int outcome, char buf[12]);

/* Parses a log's outcome field; returns -1 when it is neither a status nor a class. */
int outcome_parse(const char *s, size_t len);

/* The statuses that are successes, as --ok-status takes them and the log
 * header's ok_status= holds them: "200", "200-299,304", "2xx,304". Sets
 * ok[status] to 1 for each status named and clears the rest. Returns 0, or
 * -1 with a reason (naming --ok-status) in err. */
int outcome_parse_ok_list(const char *s, unsigned char ok[OUTCOME_MAX], char *err, size_t errlen);

#endif
