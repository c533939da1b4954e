/* Unit tests of lib/hist.c: the histogram's percentiles are the report's
 * numbers, so they are checked against exact percentiles of sorted arrays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hist.h"

#define HOUR_US 3600000000LL

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The exact percentile, by the definition hist.h gives: the smallest value
 * with at least pct% of the values at or below it. Integer arithmetic on
 * pct*1000 so the reference does not share the histogram's rounding. */
static int64_t exact_percentile(const int64_t *sorted, size_t n, double pct)
{
    uint64_t p1000 = (uint64_t)(pct * 1000 + 0.5);
    uint64_t rank = (p1000 * n + 99999) / 100000;
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

static void values_below_2048_are_exact(void **state)
{
    (void)state;
    struct hist h;
    assert_int_equal(hist_init(&h, 3, HOUR_US), 0);
    assert_int_equal(h.sub_bits, 11);
    for (int64_t v = 0; v < 2048; v++) {
        hist_reset(&h);
        hist_record(&h, v);
        hist_record(&h, 2047);
        assert_int_equal(hist_percentile(&h, 50), v);
    }
    /* every value below 2048 in one histogram: each percentile is exact */
    hist_reset(&h);
    for (int64_t v = 1; v <= 2000; v++)
        hist_record(&h, v);
    assert_int_equal(hist_percentile(&h, 50), 1000);
    assert_int_equal(hist_percentile(&h, 99), 1980);
    assert_int_equal(hist_percentile(&h, 99.9), 1998);
    assert_int_equal(hist_percentile(&h, 0), 1);
    assert_int_equal(hist_percentile(&h, 100), 2000);
    hist_free(&h);
}

/* Three significant digits: a relative error of at most 0.1% from 1us to an
 * hour, for random values spread evenly over the orders of magnitude. */
static void three_digits_from_1us_to_1h(void **state)
{
    (void)state;
    enum { N = 200000 };
    static int64_t values[N];
    static const double pcts[] = {0, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100};
    struct hist h;
    assert_int_equal(hist_init(&h, 3, HOUR_US), 0);
    for (int i = 0; i < N; i++) {
        int shift = (int)(rng() % 32); /* 2^32 us is more than an hour */
        int64_t v = (int64_t)(rng() & ((1ULL << shift) - 1)) + 1;
        if (v > HOUR_US)
            v = HOUR_US;
        values[i] = v;
        hist_record(&h, v);
    }
    qsort(values, N, sizeof *values, cmp_i64);
    assert_int_equal(h.count, N);
    assert_int_equal(h.min, values[0]);
    assert_int_equal(h.max, values[N - 1]);
    for (size_t i = 0; i < sizeof pcts / sizeof *pcts; i++) {
        int64_t want = exact_percentile(values, N, pcts[i]);
        int64_t got = hist_percentile(&h, pcts[i]);
        double rel = (double)llabs(got - want) / (double)want;
        if (rel > 0.001)
            fail_msg("p%g: %lld, exact %lld: relative error %.5f%%", pcts[i], (long long)got,
                     (long long)want, rel * 100);
        /* reported as the top of the value's bucket: never below it */
        assert_true(got >= want);
    }
    /* and every single value, alone, comes back within 0.1% */
    for (int i = 0; i < N; i += 97) {
        struct hist one;
        assert_int_equal(hist_init(&one, 3, HOUR_US), 0);
        hist_record(&one, values[i]);
        hist_record(&one, HOUR_US);
        int64_t got = hist_percentile(&one, 50);
        assert_true(got >= values[i]);
        assert_true((double)(got - values[i]) <= (double)values[i] * 0.001);
        hist_free(&one);
    }
    hist_free(&h);
}

static void percentiles_of_1_to_1000(void **state)
{
    (void)state;
    struct hist h;
    assert_int_equal(hist_init(&h, 3, HOUR_US), 0);
    for (int64_t v = 1000; v >= 1; v--)
        hist_record(&h, v);
    assert_int_equal(hist_percentile(&h, 50), 500);
    assert_int_equal(hist_percentile(&h, 90), 900);
    assert_int_equal(hist_percentile(&h, 99), 990);
    assert_int_equal(hist_percentile(&h, 99.9), 999);
    assert_int_equal(hist_percentile(&h, 100), 1000);
    assert_int_equal(hist_percentile(&h, 150), 1000);
    assert_int_equal(hist_percentile(&h, -5), 1);
    assert_true(hist_mean(&h) == 500.5);
    hist_free(&h);
}

static void record_n_counts_n_times(void **state)
{
    (void)state;
    struct hist h;
    assert_int_equal(hist_init(&h, 3, HOUR_US), 0);
    hist_record_n(&h, 10, 99);
    hist_record_n(&h, 5000, 1);
    hist_record_n(&h, 123456, 0); /* nothing recorded */
    assert_int_equal(h.count, 100);
    assert_int_equal(h.max, 5000);
    assert_int_equal(hist_percentile(&h, 99), 10);
    assert_int_equal(hist_percentile(&h, 99.5), 5000);
    hist_free(&h);
}

static void empty_histogram_reports_zero(void **state)
{
    (void)state;
    struct hist h;
    assert_int_equal(hist_init(&h, 3, HOUR_US), 0);
    assert_int_equal(h.count, 0);
    assert_int_equal(hist_percentile(&h, 50), 0);
    assert_int_equal(hist_percentile(&h, 100), 0);
    assert_true(hist_mean(&h) == 0);
    hist_record(&h, 77);
    hist_reset(&h);
    assert_int_equal(hist_percentile(&h, 99), 0);
    assert_int_equal(h.count, 0);
    hist_free(&h);
}

static void merge_equals_recording_both(void **state)
{
    (void)state;
    struct hist a, b, both;
    assert_int_equal(hist_init(&a, 3, HOUR_US), 0);
    assert_int_equal(hist_init(&b, 3, HOUR_US), 0);
    assert_int_equal(hist_init(&both, 3, HOUR_US), 0);
    for (int i = 0; i < 50000; i++) {
        int64_t v = (int64_t)(rng() % 5000000);
        hist_record(i % 3 ? &a : &b, v);
        hist_record(&both, v);
    }
    assert_int_equal(hist_merge(&a, &b), 0);
    assert_int_equal(a.count, both.count);
    assert_int_equal(a.min, both.min);
    assert_int_equal(a.max, both.max);
    assert_memory_equal(a.counts, both.counts, (size_t)a.nbuckets * sizeof *a.counts);
    for (double p = 0; p <= 100; p += 0.5)
        assert_int_equal(hist_percentile(&a, p), hist_percentile(&both, p));
    hist_free(&a);
    hist_free(&b);
    hist_free(&both);
}

static void merge_into_and_from_empty(void **state)
{
    (void)state;
    struct hist a, empty;
    assert_int_equal(hist_init(&a, 3, HOUR_US), 0);
    assert_int_equal(hist_init(&empty, 3, HOUR_US), 0);
    hist_record(&a, 300);
    hist_record(&a, 700);
    assert_int_equal(hist_merge(&a, &empty), 0);
    assert_int_equal(a.min, 300);
    assert_int_equal(a.max, 700);
    assert_int_equal(hist_merge(&empty, &a), 0);
    assert_int_equal(empty.count, 2);
    assert_int_equal(empty.min, 300);
    assert_int_equal(hist_percentile(&empty, 50), 300);
    hist_free(&a);
    hist_free(&empty);
}

static void merge_of_different_shapes_changes_nothing(void **state)
{
    (void)state;
    struct hist a, b;
    assert_int_equal(hist_init(&a, 3, HOUR_US), 0);
    assert_int_equal(hist_init(&b, 2, HOUR_US), 0);
    hist_record(&a, 5);
    hist_record(&b, 9);
    assert_int_equal(hist_merge(&a, &b), -1);
    assert_int_equal(a.count, 1);
    assert_int_equal(hist_percentile(&a, 100), 5);
    hist_free(&a);
    hist_free(&b);
}

/* Values above max_value are counted at max_value: the percentiles stay at
 * about max_value, while max (exact, not bucketed) keeps the true largest. */
static void values_above_max_are_clamped(void **state)
{
    (void)state;
    struct hist h;
    assert_int_equal(hist_init(&h, 3, HOUR_US), 0);
    int nb = h.nbuckets;
    hist_record(&h, 10);
    for (int i = 0; i < 9; i++)
        hist_record(&h, 5 * HOUR_US);
    assert_int_equal(h.nbuckets, nb);
    int64_t p50 = hist_percentile(&h, 50);
    assert_true(p50 >= HOUR_US);
    assert_true((double)p50 <= HOUR_US * 1.001);
    assert_int_equal(hist_percentile(&h, 100), 5 * HOUR_US);
    assert_int_equal(h.max, 5 * HOUR_US);
    assert_int_equal(hist_percentile(&h, 10), 10);
    hist_free(&h);
}

static void negative_values_count_as_zero(void **state)
{
    (void)state;
    struct hist h;
    assert_int_equal(hist_init(&h, 3, HOUR_US), 0);
    hist_record(&h, -50);
    assert_int_equal(h.min, 0);
    assert_int_equal(hist_percentile(&h, 50), 0);
    hist_free(&h);
}

static void significant_digits_set_the_exact_range(void **state)
{
    (void)state;
    struct hist h;
    for (int d = 1; d <= 4; d++) {
        assert_int_equal(hist_init(&h, d, HOUR_US), 0);
        int64_t exact = (int64_t)1 << h.sub_bits;
        int64_t need = 2;
        for (int i = 0; i < d; i++)
            need *= 10;
        assert_true(exact >= need);
        assert_true(exact / 2 < need);
        hist_free(&h);
    }
    /* out-of-range digits are clamped, not refused */
    assert_int_equal(hist_init(&h, 9, HOUR_US), 0);
    assert_int_equal(h.sub_bits, 15);
    hist_free(&h);
    assert_int_equal(hist_init(&h, 0, HOUR_US), 0);
    assert_int_equal(h.sub_bits, 5);
    hist_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_below_2048_are_exact),
        cmocka_unit_test(three_digits_from_1us_to_1h),
        cmocka_unit_test(percentiles_of_1_to_1000),
        cmocka_unit_test(record_n_counts_n_times),
        cmocka_unit_test(empty_histogram_reports_zero),
        cmocka_unit_test(merge_equals_recording_both),
        cmocka_unit_test(merge_into_and_from_empty),
        cmocka_unit_test(merge_of_different_shapes_changes_nothing),
        cmocka_unit_test(values_above_max_are_clamped),
        cmocka_unit_test(negative_values_count_as_zero),
        cmocka_unit_test(significant_digits_set_the_exact_range),
    };
    return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
