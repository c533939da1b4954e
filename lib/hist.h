/* A log-linear latency histogram in fixed memory, in the spirit of
 * HdrHistogram (none is packaged for Debian): values below 2^sub_bits are
 * exact, above that each power of two is split into 2^(sub_bits-1) buckets,
 * so every value is kept to the requested significant digits. */
#ifndef PB_HIST_H
#define PB_HIST_H

#include <stdint.h>

struct hist {
    int sub_bits; /* log2 of the exact range; 11 for 3 significant digits */
    int nbuckets;
    int64_t max_value; /* larger values are counted as max_value */
    uint64_t *counts;
    uint64_t count;
    int64_t min, max; /* exact, not bucketed */
    double sum;
};

/* sig_digits 1..4; max_value the largest value kept distinct (e.g. one hour in
 * us). Returns 0, or -1 when memory is short. */
int hist_init(struct hist *h, int sig_digits, int64_t max_value);
void hist_free(struct hist *h);
void hist_reset(struct hist *h);

void hist_record(struct hist *h, int64_t value);
void hist_record_n(struct hist *h, int64_t value, uint64_t n);

/* The value at or below which pct percent (0..100) of values fall, reported
 * as the highest value its bucket can hold (never above the exact max); 0
 * when empty. */
int64_t hist_percentile(const struct hist *h, double pct);
double hist_mean(const struct hist *h);

/* Adds src into dst; both must have been made with the same arguments.
 * Returns -1 (and changes nothing) when they differ. */
int hist_merge(struct hist *dst, const struct hist *src);

#endif
