/* Unit tests of lib/units.c: every program parses "250ms", "5k" and "600/m"
 * through these functions, so their edge cases are pinned here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "units.h"

static int64_t dur(const char *s)
{
    char err[256] = "";
    int64_t us = -12345;
    if (units_parse_duration_us(s, &us, err, sizeof err) != 0)
        fail_msg("duration \"%s\" rejected: %s", s, err);
    return us;
}

/* Returns the error message of a rejected duration; fails if it was accepted. */
static const char *dur_err(const char *s)
{
    static char err[256];
    int64_t us = -12345;
    err[0] = '\0';
    if (units_parse_duration_us(s, &us, err, sizeof err) == 0)
        fail_msg("duration \"%s\" accepted as %lld us", s, (long long)us);
    assert_int_equal(us, -12345); /* a rejected value leaves the output alone */
    assert_true(strlen(err) > 0);
    return err;
}

static void duration_units_are_microseconds(void **state)
{
    (void)state;
    assert_int_equal(dur("250ms"), 250000);
    assert_int_equal(dur("2s"), 2000000);
    assert_int_equal(dur("1m30s"), 90000000);
    assert_int_equal(dur("1.5s"), 1500000);
    assert_int_equal(dur("500us"), 500);
    assert_int_equal(dur("500\xc2\xb5s"), 500);
    assert_int_equal(dur("1h"), 3600000000LL);
    assert_int_equal(dur("1h2m3s4ms5us"), 3723004005LL);
    assert_int_equal(dur("0.3s"), 300000);
    assert_int_equal(dur("0s"), 0);
}

static void bare_duration_is_seconds(void **state)
{
    (void)state;
    assert_int_equal(dur("2"), 2000000);
    assert_int_equal(dur("0.25"), 250000);
    assert_int_equal(dur("0"), 0);
}

static void bad_durations_are_rejected_with_reason(void **state)
{
    (void)state;
    assert_non_null(strstr(dur_err("5x"), "unknown unit"));
    assert_non_null(strstr(dur_err("5x"), "\"5x\""));
    assert_non_null(strstr(dur_err("1sec"), "unknown unit"));
    assert_non_null(strstr(dur_err("1m30"), "unknown unit"));
    assert_non_null(strstr(dur_err("ms"), "expected a number"));
    assert_non_null(strstr(dur_err("-1s"), "expected a number"));
    assert_non_null(strstr(dur_err(" 1s"), "expected a number"));
    assert_non_null(strstr(dur_err("1 s"), "unknown unit"));
    assert_non_null(strstr(dur_err("inf"), "expected a number"));
    assert_non_null(strstr(dur_err("0x10s"), "unknown unit"));
    assert_non_null(strstr(dur_err("99999999999h"), "too long"));
}

static void empty_duration_is_rejected(void **state)
{
    (void)state;
    assert_non_null(strstr(dur_err(""), "empty"));
    char err[64] = "";
    int64_t us = 7;
    assert_int_equal(units_parse_duration_us(NULL, &us, err, sizeof err), -1);
    assert_int_equal(us, 7);
}

static int64_t count(const char *s)
{
    char err[256] = "";
    int64_t n = -12345;
    if (units_parse_count(s, &n, err, sizeof err) != 0)
        fail_msg("count \"%s\" rejected: %s", s, err);
    return n;
}

static const char *count_err(const char *s)
{
    static char err[256];
    int64_t n = -12345;
    err[0] = '\0';
    if (units_parse_count(s, &n, err, sizeof err) == 0)
        fail_msg("count \"%s\" accepted as %lld", s, (long long)n);
    assert_int_equal(n, -12345);
    assert_true(strlen(err) > 0);
    return err;
}

static void counts_scale_by_powers_of_1000(void **state)
{
    (void)state;
    assert_int_equal(count("1000"), 1000);
    assert_int_equal(count("5k"), 5000);
    assert_int_equal(count("5K"), 5000);
    assert_int_equal(count("1.5M"), 1500000);
    assert_int_equal(count("2G"), 2000000000LL);
    assert_int_equal(count("0"), 0);
    assert_int_equal(count("1.500k"), 1500);
}

/* Decimal fractions are not exact in binary: 0.009 * 1000 is 8.999999...,
 * and "0.009k" is still the whole number 9. */
static void decimal_counts_are_exact(void **state)
{
    (void)state;
    assert_int_equal(count("0.009k"), 9);
    assert_int_equal(count("1.234M"), 1234000);
    assert_int_equal(count("4.56M"), 4560000);
    assert_int_equal(count("12.3k"), 12300);
    assert_int_equal(count("0.000001G"), 1000);
    char s[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(s, sizeof s, "%d.%03dk", i / 1000, i % 1000);
        assert_int_equal(count(s), i);
        snprintf(s, sizeof s, "%d.%06dM", i / 1000, (i % 1000) * 1000);
        assert_int_equal(count(s), (int64_t)i * 1000);
    }
}

static void non_integral_counts_are_rejected(void **state)
{
    (void)state;
    assert_non_null(strstr(count_err("1.5"), "not a whole number"));
    assert_non_null(strstr(count_err("1.0001k"), "not a whole number"));
    assert_non_null(strstr(count_err("0.5k5"), "unexpected"));
    assert_non_null(strstr(count_err("5x"), "unexpected"));
    assert_non_null(strstr(count_err("k"), "expected a number"));
    assert_non_null(strstr(count_err(""), "expected a number"));
    assert_non_null(strstr(count_err("-5"), "expected a number"));
    assert_non_null(count_err("99999999999G"));
}

static double rate(const char *s)
{
    char err[256] = "";
    double r = -1;
    if (units_parse_rate(s, &r, err, sizeof err) != 0)
        fail_msg("rate \"%s\" rejected: %s", s, err);
    return r;
}

static const char *rate_err(const char *s)
{
    static char err[256];
    double r = -1;
    err[0] = '\0';
    if (units_parse_rate(s, &r, err, sizeof err) == 0)
        fail_msg("rate \"%s\" accepted as %g", s, r);
    assert_true(r == -1);
    return err;
}

static void rates_are_per_second(void **state)
{
    (void)state;
    assert_true(rate("200") == 200);
    assert_true(rate("10k") == 10000);
    assert_true(rate("10k/s") == 10000);
    assert_true(rate("600/m") == 10);
    assert_true(rate("3600/h") == 1);
    assert_true(rate("0.5") == 0.5);
    assert_true(rate("1.1k") == 1100);
    assert_non_null(strstr(rate_err("0"), "above zero"));
    assert_non_null(strstr(rate_err("0/m"), "above zero"));
    assert_non_null(strstr(rate_err("10/d"), "unexpected"));
    assert_non_null(strstr(rate_err("10 /s"), "unexpected"));
    assert_non_null(strstr(rate_err(""), "expected a number"));
    assert_non_null(strstr(rate_err("fast"), "expected a number"));
}

static void durations_format_with_three_digits(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(units_format_duration(850, buf, sizeof buf), "850us");
    assert_string_equal(units_format_duration(0, buf, sizeof buf), "0us");
    assert_string_equal(units_format_duration(1234, buf, sizeof buf), "1.23ms");
    assert_string_equal(units_format_duration(12345, buf, sizeof buf), "12.3ms");
    assert_string_equal(units_format_duration(1230000, buf, sizeof buf), "1.23s");
    assert_string_equal(units_format_duration(125000000, buf, sizeof buf), "2m05s");
    assert_string_equal(units_format_duration(3720000000LL, buf, sizeof buf), "1h02m");
    assert_string_equal(units_format_duration(-1500, buf, sizeof buf), "-1.50ms");
}

/* What is printed parses back to the value it stands for, within the
 * precision printed: a report's "p99 1.23s" can be pasted into --timeout. */
static void formatted_durations_parse_back(void **state)
{
    (void)state;
    char buf[32];
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* log-uniform from 1us to about 10h */
        int64_t us = (int64_t)(x % 1000000) + 1;
        us <<= (int)(x >> 58) % 16;
        units_format_duration(us, buf, sizeof buf);
        int64_t back = dur(buf);
        double tol;
        if (us < 1000)
            tol = 0;
        else if (us < 60000000)
            tol = us * 0.005 + 1;
        else if (us < 3600000000LL)
            tol = 1000000; /* "2m05s": whole seconds */
        else
            tol = 60000000; /* "1h02m": whole minutes */
        if ((double)llabs(back - us) > tol)
            fail_msg("%lld us printed as \"%s\" parses back as %lld us", (long long)us, buf,
                     (long long)back);
    }
}

static void formatted_counts_parse_back(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(units_format_count(950, buf, sizeof buf), "950");
    assert_string_equal(units_format_count(12345, buf, sizeof buf), "12.3k");
    assert_string_equal(units_format_count(4560000, buf, sizeof buf), "4.56M");
    assert_string_equal(units_format_count(2e9, buf, sizeof buf), "2.00G");
    static const double values[] = {0,      1,   999,    1000,   1234, 9999,  12345,
                                    999000, 1e6, 4.56e6, 12.3e6, 1e9,  7.77e9};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        units_format_count(values[i], buf, sizeof buf);
        int64_t n = count(buf);
        double back = (double)n;
        if (back < values[i] * 0.995 || back > values[i] * 1.005)
            fail_msg("%g printed as \"%s\" parses back as %lld", values[i], buf, (long long)n);
        assert_true(values[i] == 0 || rate(buf) == back);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(duration_units_are_microseconds),
        cmocka_unit_test(bare_duration_is_seconds),
        cmocka_unit_test(bad_durations_are_rejected_with_reason),
        cmocka_unit_test(empty_duration_is_rejected),
        cmocka_unit_test(counts_scale_by_powers_of_1000),
        cmocka_unit_test(decimal_counts_are_exact),
        cmocka_unit_test(non_integral_counts_are_rejected),
        cmocka_unit_test(rates_are_per_second),
        cmocka_unit_test(durations_format_with_three_digits),
        cmocka_unit_test(formatted_durations_parse_back),
        cmocka_unit_test(formatted_counts_parse_back),
    };
    return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
