/* Formatting of the status line (status.h). */
#include <stdio.h>
#include <string.h>

#include "status.h"
#include "units.h"

#define RED "\033[31m"
#define YELLOW "\033[33m"
#define PLAIN "\033[0m"

void status_format(char *buf, size_t len, int64_t elapsed_us, const struct status_row *rows,
                   int nrows, const char *db, int color)
{
    char t[16], p99[16], rate[16];
    size_t n = 0;
    n += (size_t)snprintf(buf, len, "%s", units_format_duration(elapsed_us, t, sizeof t));
    for (int i = 0; i < nrows && n < len; i++) {
        const struct status_row *r = &rows[i];
        int bad = color && r->failed, late = color && r->skipped;
        n += (size_t)snprintf(
            buf + n, len - n, "%s %s: %s/s ok %llu %sfail %llu%s %sskip %llu%s p99 %s",
            i ? " |" : " ", r->name, units_format_count(r->done_per_s, rate, sizeof rate),
            (unsigned long long)r->ok, bad ? RED : "", (unsigned long long)r->failed,
            bad ? PLAIN : "", late ? YELLOW : "", (unsigned long long)r->skipped, late ? PLAIN : "",
            r->p99_us < 0 ? "-" : units_format_duration(r->p99_us, p99, sizeof p99));
    }
    if (db && n < len) {
        int down = color && strncmp(db, "ok", 2) != 0;
        snprintf(buf + n, len - n, "%s db: %s%s%s", nrows ? " |" : " ", down ? RED : "", db,
                 down ? PLAIN : "");
    }
}
