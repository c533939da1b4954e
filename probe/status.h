/* The live status line on a terminal, and the summary at the end: a pure
 * formatter of counters the loop keeps. */
#ifndef PB_STATUS_H
#define PB_STATUS_H

#include <stddef.h>
#include <stdint.h>

struct status_row {
    const char *name;
    double done_per_s;            /* completed requests in the last interval, per second */
    uint64_t ok, failed, skipped; /* since the start; ok: in --ok-status */
    int64_t p99_us;               /* of the last interval; -1 when nothing completed */
};

/* "12.0s  /: 200/s ok 2400 fail 0 skip 0 p99 1.20ms | /api: ... | db: ok 8fe68fbf6baa".
 * db is NULL without --db. With color, failures show red and skipped ticks
 * yellow (a terminal only). */
void status_format(char *buf, size_t len, int64_t elapsed_us, const struct status_row *rows,
                   int nrows, const char *db, int color);

#endif
