/* Log-linear histogram (hist.h). */
#include <stdlib.h>
#include <string.h>

#include "hist.h"

static int bits_for(int64_t v)
{
    int b = 0;
    while (b < 63 && ((int64_t)1 << b) <= v)
        b++;
    return b; /* v < 2^b */
}

static int index_of(const struct hist *h, int64_t v)
{
    int64_t sub_count = (int64_t)1 << h->sub_bits;
    if (v < sub_count)
        return (int)v;
    int top = 63 - __builtin_clzll((unsigned long long)v); /* floor(log2 v) >= sub_bits */
    int shift = top - h->sub_bits + 1;
    int64_t half = sub_count / 2;
    return (int)(sub_count + (int64_t)(shift - 1) * half + ((v >> shift) - half));
}

/* The highest value that falls in bucket i. */
static int64_t bucket_top(const struct hist *h, int i)
{
    int64_t sub_count = (int64_t)1 << h->sub_bits;
    if (i < sub_count)
        return i;
    int64_t half = sub_count / 2;
    int64_t j = i - sub_count;
    int shift = (int)(j / half) + 1;
    int64_t low = (half + j % half) << shift;
    return low + ((int64_t)1 << shift) - 1;
}

int hist_init(struct hist *h, int sig_digits, int64_t max_value)
{
    int64_t need = 2;
    memset(h, 0, sizeof *h);
    if (sig_digits < 1)
        sig_digits = 1;
    if (sig_digits > 4)
        sig_digits = 4;
    for (int i = 0; i < sig_digits; i++)
        need *= 10;
    h->sub_bits = bits_for(need - 1); /* 2^sub_bits >= 2*10^digits */
    if (max_value < ((int64_t)1 << h->sub_bits))
        max_value = ((int64_t)1 << h->sub_bits);
    h->max_value = max_value;
    h->nbuckets = index_of(h, max_value) + 1;
    h->counts = calloc((size_t)h->nbuckets, sizeof *h->counts);
    if (h->counts == NULL)
        return -1;
    h->min = INT64_MAX;
    return 0;
}

void hist_free(struct hist *h)
{
    free(h->counts);
    h->counts = NULL;
}

void hist_reset(struct hist *h)
{
    memset(h->counts, 0, (size_t)h->nbuckets * sizeof *h->counts);
    h->count = 0;
    h->min = INT64_MAX;
    h->max = 0;
    h->sum = 0;
}

void hist_record_n(struct hist *h, int64_t value, uint64_t n)
{
    if (n == 0)
        return;
    if (value < 0)
        value = 0;
    if (value < h->min)
        h->min = value;
    if (value > h->max)
        h->max = value;
    h->sum += (double)value * (double)n;
    h->count += n;
    h->counts[index_of(h, value > h->max_value ? h->max_value : value)] += n;
}

void hist_record(struct hist *h, int64_t value)
{
    hist_record_n(h, value, 1);
}

int64_t hist_percentile(const struct hist *h, double pct)
{
    if (h->count == 0)
        return 0;
    if (pct >= 100)
        return h->max;
    if (pct < 0)
        pct = 0;
    /* rank of the value sought, 1-based: the smallest value with at least
     * pct% of values at or below it */
    uint64_t rank = (uint64_t)(pct / 100.0 * (double)h->count + 0.999999999);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < h->nbuckets; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            int64_t v = bucket_top(h, i);
            if (v > h->max)
                v = h->max;
            if (v < h->min)
                v = h->min;
            return v;
        }
    }
    return h->max;
}

double hist_mean(const struct hist *h)
{
    return h->count ? h->sum / (double)h->count : 0;
}

int hist_merge(struct hist *dst, const struct hist *src)
{
    if (dst->sub_bits != src->sub_bits || dst->nbuckets != src->nbuckets)
        return -1;
    for (int i = 0; i < dst->nbuckets; i++)
        dst->counts[i] += src->counts[i];
    if (src->count) {
        if (src->min < dst->min)
            dst->min = src->min;
        if (src->max > dst->max)
            dst->max = src->max;
    }
    dst->count += src->count;
    dst->sum += src->sum;
    return 0;
}
