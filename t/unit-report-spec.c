/* Unit tests of the report's own parsers (--ok-status, the gate's limits)
 * and of the printing helpers whose output is a contract: exact Unix times,
 * availability that never rounds a failure away, UTF-8 validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../report/fmt.h"
#include "../report/gate_spec.h"

static void ok_status_lists_ranges_and_classes(void **state)
{
    (void)state;
    unsigned char ok[OUTCOME_MAX];
    char err[256];
    assert_int_equal(outcome_parse_ok_list("200", ok, err, sizeof err), 0);
    assert_true(ok[200] && !ok[201] && !ok[199] && !ok[OUTCOME_CONNECT]);
    assert_int_equal(outcome_parse_ok_list("200-299,304", ok, err, sizeof err), 0);
    assert_true(ok[200] && ok[250] && ok[299] && ok[304] && !ok[300] && !ok[305]);
    assert_int_equal(outcome_parse_ok_list("2xx,404", ok, err, sizeof err), 0);
    assert_true(ok[200] && ok[299] && ok[404] && !ok[300] && !ok[199]);
    int n = 0;
    for (int i = 0; i < OUTCOME_MAX; i++)
        n += ok[i];
    assert_int_equal(n, 101);
}

static void ok_status_refuses_what_is_not_a_status(void **state)
{
    (void)state;
    unsigned char ok[OUTCOME_MAX];
    char err[256];
    const char *bad[] = {"",    "20",   "2000", "099",  "200-",     "-200", "300-200", "200,,201",
                         "2x0", "200 ", "abc",  "1000", "200-1000", ",200", "200,",    "xx2"};
    memset(ok, 7, sizeof ok);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        assert_int_equal(outcome_parse_ok_list(bad[i], ok, err, sizeof err), -1);
        assert_true(strncmp(err, "--ok-status: ", 13) == 0);
    }
    assert_int_equal(ok[200], 7); /* a failed parse leaves the set alone */
}

static void limits_with_and_without_a_name(void **state)
{
    (void)state;
    struct rep_limit l;
    char err[256];
    assert_int_equal(spec_parse_limit("5", REP_RULE_MAX_ERRORS, &l, err, sizeof err), 0);
    assert_null(l.target);
    assert_int_equal(l.value, 5);
    assert_true(l.percent < 0);
    assert_int_equal(spec_parse_limit("api:2.5%", REP_RULE_MAX_ERRORS, &l, err, sizeof err), 0);
    assert_string_equal(l.target, "api");
    assert_true(l.percent > 2.4999 && l.percent < 2.5001);
    free(l.target);
    assert_int_equal(spec_parse_limit("db:5432:1m30s", REP_RULE_MAX_DOWNTIME, &l, err, sizeof err),
                     0);
    assert_string_equal(l.target, "db:5432"); /* split at the last ':' */
    assert_int_equal(l.value, 90000000);
    free(l.target);
    assert_int_equal(spec_parse_limit("250ms", REP_RULE_MAX_P99, &l, err, sizeof err), 0);
    assert_int_equal(l.value, 250000);
    assert_int_equal(spec_parse_limit("5k", REP_RULE_MIN_REQUESTS, &l, err, sizeof err), 0);
    assert_int_equal(l.value, 5000);
}

static void limits_refuse_bad_values(void **state)
{
    (void)state;
    struct rep_limit l;
    char err[256];
    assert_int_equal(spec_parse_limit(":5", REP_RULE_MAX_ERRORS, &l, err, sizeof err), -1);
    assert_string_equal(err, "--max-errors \":5\": empty target name before ':'");
    assert_int_equal(spec_parse_limit("home:", REP_RULE_MAX_ERRORS, &l, err, sizeof err), -1);
    assert_int_equal(spec_parse_limit("5%", REP_RULE_MIN_REQUESTS, &l, err, sizeof err), -1);
    assert_int_equal(spec_parse_limit("100.1%", REP_RULE_MAX_ERRORS, &l, err, sizeof err), -1);
    assert_int_equal(spec_parse_limit("1.2.3%", REP_RULE_MAX_ERRORS, &l, err, sizeof err), -1);
    assert_int_equal(spec_parse_limit("%", REP_RULE_MAX_ERRORS, &l, err, sizeof err), -1);
    assert_int_equal(spec_parse_limit("5%x", REP_RULE_MAX_ERRORS, &l, err, sizeof err), -1);
    assert_int_equal(spec_parse_limit("2 s", REP_RULE_MAX_WINDOW, &l, err, sizeof err), -1);
    assert_int_equal(spec_parse_limit("-1", REP_RULE_MAX_ERRORS, &l, err, sizeof err), -1);
}

static void regressions_by_kind_with_and_without_a_name(void **state)
{
    (void)state;
    struct rep_limit l;
    char err[256];
    assert_int_equal(spec_parse_regression("downtime:+500ms", &l, err, sizeof err), 0);
    assert_int_equal(l.rule, REP_RULE_REG_DOWNTIME);
    assert_null(l.target);
    assert_int_equal(l.value, 500000);
    assert_true(l.percent < 0);
    assert_string_equal(spec_rule_name(l.rule), "max-regression");
    assert_string_equal(spec_rule_kind(l.rule), "downtime");
    assert_int_equal(spec_parse_regression("api:p99:20%", &l, err, sizeof err), 0);
    assert_int_equal(l.rule, REP_RULE_REG_P99);
    assert_string_equal(l.target, "api");
    assert_true(l.percent > 19.999 && l.percent < 20.001);
    free(l.target);
    /* a name may hold ':': the kind is between the last two */
    assert_int_equal(spec_parse_regression("db:5432:failed:+3", &l, err, sizeof err), 0);
    assert_int_equal(l.rule, REP_RULE_REG_FAILED);
    assert_string_equal(l.target, "db:5432");
    assert_int_equal(l.value, 3);
    free(l.target);
    assert_int_equal(spec_parse_regression("window:0", &l, err, sizeof err), 0);
    assert_int_equal(l.rule, REP_RULE_REG_WINDOW);
    assert_int_equal(l.value, 0);
    assert_int_equal(spec_parse_regression("failed:+250%", &l, err, sizeof err), 0);
    assert_true(l.percent > 249.9 && l.percent < 250.1);
    assert_null(spec_rule_kind(REP_RULE_MAX_WINDOW));
}

static void regressions_refuse_bad_values(void **state)
{
    (void)state;
    struct rep_limit l;
    char err[256];
    assert_int_equal(spec_parse_regression("500ms", &l, err, sizeof err), -1);
    assert_string_equal(err, "--max-regression \"500ms\": not [NAME:]KIND:AMOUNT (e.g. "
                             "downtime:+500ms, p99:+20%)");
    assert_int_equal(spec_parse_regression("latency:+1s", &l, err, sizeof err), -1);
    assert_string_equal(err, "--max-regression \"latency:+1s\": unknown kind \"latency\" "
                             "(kinds: failed, downtime, window, p99)");
    assert_int_equal(spec_parse_regression(":downtime:1s", &l, err, sizeof err), -1);
    assert_int_equal(spec_parse_regression("downtime:", &l, err, sizeof err), -1);
    assert_int_equal(spec_parse_regression("downtime:+", &l, err, sizeof err), -1);
    assert_int_equal(spec_parse_regression("downtime:-1s", &l, err, sizeof err), -1);
    assert_int_equal(spec_parse_regression("failed:1.5", &l, err, sizeof err), -1);
    assert_int_equal(spec_parse_regression("p99:10001%", &l, err, sizeof err), -1);
    assert_int_equal(spec_parse_regression("p99:++1s", &l, err, sizeof err), -1);
}

static void unix_times_are_exact(void **state)
{
    (void)state;
    char buf[FMT_BUF];
    assert_string_equal(fmt_unix(1764165603120000, buf, sizeof buf), "1764165603.120000");
    assert_string_equal(fmt_unix(1764165603000001, buf, sizeof buf), "1764165603.000001");
    assert_string_equal(fmt_unix(0, buf, sizeof buf), "0.000000");
    assert_string_equal(fmt_unix(-1, buf, sizeof buf), "-1.999999");
    assert_string_equal(fmt_seconds(1850000, buf, sizeof buf), "1.850000");
    assert_string_equal(fmt_seconds(-5, buf, sizeof buf), "-0.000005");
    assert_string_equal(fmt_clock(1764165603120999, buf, sizeof buf), "14:00:03.120");
}

static void offsets_keep_milliseconds_in_long_runs(void **state)
{
    (void)state;
    char buf[FMT_BUF];
    struct analysis an = {.first_us = 1000000, .origin_us = 1000000};
    assert_string_equal(fmt_offset(&an, 1000000 + 12400000, buf, sizeof buf), "+12.4s");
    assert_string_equal(fmt_offset(&an, 1000000 + 990000, buf, sizeof buf), "+990.0ms");
    assert_string_equal(fmt_offset(&an, 1000000 + 71472000, buf, sizeof buf), "+1m11.472s");
    assert_string_equal(fmt_offset(&an, 1000000 + 3723004000LL, buf, sizeof buf), "+1h02m03.004s");
    assert_string_equal(fmt_offset(&an, 500000, buf, sizeof buf), "-500.0ms");
}

static void availability_never_rounds_a_failure_away(void **state)
{
    (void)state;
    char buf[FMT_BUF];
    assert_string_equal(fmt_availability(1.0, buf, sizeof buf), "100%");
    assert_string_equal(fmt_availability(999999.0 / 1000000.0, buf, sizeof buf), "99.99%");
    assert_string_equal(fmt_availability(29.0 / 100.0, buf, sizeof buf), "29.00%");
    assert_string_equal(fmt_availability(0.0, buf, sizeof buf), "0.00%");
    assert_string_equal(fmt_availability(-1, buf, sizeof buf), "-");
    for (int ok = 0; ok <= 1000; ok++) { /* k/1000 prints as exactly k/10 % */
        char want[FMT_BUF];
        snprintf(want, sizeof want, "%d.%d0%%", ok / 10, ok % 10);
        if (ok < 1000)
            assert_string_equal(fmt_availability(ok / 1000.0, buf, sizeof buf), want);
    }
}

static void utf8_is_validated(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(fmt_utf8_len("a"), 1);
    assert_int_equal(fmt_utf8_len("\xc3\xa9"), 2);
    assert_int_equal(fmt_utf8_len("\xe2\x9c\x85"), 3);
    assert_int_equal(fmt_utf8_len("\xf0\x9f\x98\x80"), 4);
    assert_int_equal(fmt_utf8_len("\xff"), 0);
    assert_int_equal(fmt_utf8_len("\xc0\xaf"), 0);         /* overlong */
    assert_int_equal(fmt_utf8_len("\xed\xa0\x80"), 0);     /* surrogate */
    assert_int_equal(fmt_utf8_len("\xf4\x90\x80\x80"), 0); /* beyond U+10FFFF */
    assert_int_equal(fmt_utf8_len("\xc3"), 0);             /* cut short */
    assert_string_equal(fmt_sane("a\x1b[31m\xff\xc3\xa9\n", buf, sizeof buf), "a?[31m?\xc3\xa9?");
    assert_string_equal(fmt_sane("\xc3\xa9\xc3\xa9\xc3\xa9", buf, 6),
                        "\xc3\xa9"); /* cut on a character */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ok_status_lists_ranges_and_classes),
        cmocka_unit_test(ok_status_refuses_what_is_not_a_status),
        cmocka_unit_test(limits_with_and_without_a_name),
        cmocka_unit_test(limits_refuse_bad_values),
        cmocka_unit_test(regressions_by_kind_with_and_without_a_name),
        cmocka_unit_test(regressions_refuse_bad_values),
        cmocka_unit_test(unix_times_are_exact),
        cmocka_unit_test(offsets_keep_milliseconds_in_long_runs),
        cmocka_unit_test(availability_never_rounds_a_failure_away),
        cmocka_unit_test(utf8_is_validated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
