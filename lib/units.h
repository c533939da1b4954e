/* Units in one place, parsed and printed the same by every program:
 * durations ("250ms", "2s", "1m30s"), counts ("5k") and rates ("10k", "600/m"). */
#ifndef PB_UNITS_H
#define PB_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Each parser returns 0, or -1 with a one-line reason in err. */

/* "500us", "250ms", "2s", "1.5s", "1m30s", "1h"; a bare number is seconds. */
int units_parse_duration_us(const char *s, int64_t *out_us, char *err, size_t errlen);

/* "1000", "5k", "1.5M", "2G" (powers of 1000); must come out a whole number. */
int units_parse_count(const char *s, int64_t *out, char *err, size_t errlen);

/* Requests per second: a count-like number, optionally "/s", "/m" or "/h". */
int units_parse_rate(const char *s, double *out_per_s, char *err, size_t errlen);

/* "850us", "12.3ms", "1.23s", "2m05s", "1h02m"; buf of at least 16 bytes. */
const char *units_format_duration(int64_t us, char *buf, size_t len);

/* "950", "12.3k", "4.56M"; buf of at least 16 bytes. */
const char *units_format_count(double n, char *buf, size_t len);

#endif
