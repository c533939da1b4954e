/* Formatting of the status line (status.h). */
#include <stdio.h>

#include "status.h"
#include "units.h"

void status_format(char *buf, size_t len, int64_t elapsed_us, const struct status_row *rows,
                   int nrows)
{
    char t[16], p99[16], rate[16];
    size_t n = 0;
    n += (size_t)snprintf(buf, len, "%s", units_format_duration(elapsed_us, t, sizeof t));
    for (int i = 0; i < nrows && n < len; i++) {
        const struct status_row *r = &rows[i];
        n += (size_t)snprintf(buf + n, len - n, "%s %s: %s/s ok %llu fail %llu skip %llu p99 %s",
                              i ? " |" : " ", r->name,
                              units_format_count(r->done_per_s, rate, sizeof rate),
                              (unsigned long long)r->ok, (unsigned long long)r->failed,
                              (unsigned long long)r->skipped,
                              r->p99_us < 0 ? "-" : units_format_duration(r->p99_us, p99, sizeof p99));
    }
}
