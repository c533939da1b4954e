/* Unit tests of the rollout driver's pure parts (lab/driver/): its command
 * line (durations through lib/units), the lab's state file
 * formats it shares with the shell scripts, and the event log line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "evlog.h"
#include "inst.h"
#include "labstate.h"
#include "ropts.h"

static enum ropts_result parse(struct ropts *o, char *err, size_t errlen, ...)
{
    char *argv[32] = {"rollout-driver"};
    int argc = 1;
    va_list ap;
    va_start(ap, errlen);
    for (char *a; (a = va_arg(ap, char *)) != NULL;)
        argv[argc++] = a;
    va_end(ap);
    return ropts_parse(argc, argv, o, err, errlen);
}

static void test_defaults_are_rollout_sh_ones(void **state)
{
    struct ropts o;
    char err[256];
    (void)state;
    assert_int_equal(parse(&o, err, sizeof err, "--state", "d", "--version", "2.8.0", NULL),
                     ROPTS_OK);
    assert_int_equal(o.replicas, 2);
    assert_int_equal(o.strategy, DECIDE_ROLLING_UPDATE);
    assert_int_equal(o.readiness, ROPTS_READINESS_HTTP);
    assert_int_equal(o.max_surge, 1);
    assert_int_equal(o.max_unavailable, 0);
    assert_int_equal(o.min_ready_us, 0);
    assert_int_equal(o.deadline_us, 45000000);
    assert_int_equal(o.period_us, 500000);
    assert_int_equal(o.failure_threshold, 2);
    assert_int_equal(o.success_threshold, 1);
    assert_int_equal(o.probe_timeout_us, 400000);
    assert_int_equal(o.prestop_us, 500000);
    assert_string_equal(o.on_sigterm, "drain");
    assert_int_equal(o.lag_min_us, 50000);
    assert_int_equal(o.lag_max_us, 250000);
    assert_int_equal(o.grace_us, 5000000);
    assert_string_equal(o.startup_delay, "500ms");
    assert_string_equal(o.drain_timeout, "3s");
    assert_null(o.events);
}

static void test_durations_bare_seconds_or_units(void **state)
{
    struct ropts o;
    char err[256];
    (void)state;
    assert_int_equal(parse(&o, err, sizeof err, "--state", "d", "--version", "2.7.1", "--period",
                           "500ms", "--prestop", "0.25", "--grace", "1m", "--min-ready", "2s",
                           "--endpoint-lag", "0.1", NULL),
                     ROPTS_OK);
    assert_int_equal(o.period_us, 500000);
    assert_int_equal(o.prestop_us, 250000);
    assert_int_equal(o.grace_us, 60000000);
    assert_int_equal(o.min_ready_us, 2000000);
    assert_int_equal(o.lag_min_us, 100000);
    assert_int_equal(o.lag_max_us, 100000);
}

static void test_surge_and_unavailable_take_percentages(void **state)
{
    struct ropts o;
    char err[256];
    (void)state;
    assert_int_equal(parse(&o, err, sizeof err, "--state", "d", "--version", "2.7.1", "--max-surge",
                           "25%", "--max-unavailable", "2", NULL),
                     ROPTS_OK);
    assert_int_equal(o.max_surge, 25);
    assert_true(o.max_surge_is_percent);
    assert_int_equal(o.max_unavailable, 2);
    assert_false(o.max_unavailable_is_percent);
    assert_int_equal(parse(&o, err, sizeof err, "--state", "d", "--version", "2.7.1", "--max-surge",
                           "101%", NULL),
                     ROPTS_ERROR);
}

static void test_bad_options_say_what_is_wrong(void **state)
{
    struct ropts o;
    char err[256];
    (void)state;
    assert_int_equal(
        parse(&o, err, sizeof err, "--state", "d", "--version", "2.8.0", "--replicas", "8", NULL),
        ROPTS_ERROR);
    assert_non_null(strstr(err, "replicas must be"));
    assert_int_equal(parse(&o, err, sizeof err, "--state", "d", NULL), ROPTS_ERROR);
    assert_non_null(strstr(err, "version is required"));
    assert_int_equal(
        parse(&o, err, sizeof err, "--state", "d", "--version", "2.8.0", "--period", "0", NULL),
        ROPTS_ERROR);
    assert_int_equal(parse(&o, err, sizeof err, "--state", "d", "--version", "2.8", NULL),
                     ROPTS_ERROR);
    assert_int_equal(parse(&o, err, sizeof err, "--state", "d", "--version", "2.8.0",
                           "--endpoint-lag", "0.3-0.2", NULL),
                     ROPTS_ERROR);
    assert_int_equal(parse(&o, err, sizeof err, "--state", "d", "--version", "2.8.0", "--strategy",
                           "Rolling", NULL),
                     ROPTS_ERROR);
    assert_int_equal(
        parse(&o, err, sizeof err, "--state", "d", "--version", "2.8.0", "extra", NULL),
        ROPTS_ERROR);
    assert_int_equal(parse(&o, err, sizeof err, "--help", NULL), ROPTS_HELP);
}

static void test_env_values_unquoted_as_bash_reads_them(void **state)
{
    char out[128];
    (void)state;
    assert_int_equal(labstate_unquote("/tmp/pbprobe-lab/haproxy", out, sizeof out), 0);
    assert_string_equal(out, "/tmp/pbprobe-lab/haproxy");
    assert_int_equal(
        labstate_unquote("host=127.0.0.1\\ port=5432\\ user=postgres", out, sizeof out), 0);
    assert_string_equal(out, "host=127.0.0.1 port=5432 user=postgres");
    assert_int_equal(labstate_unquote("'a b'\\''c'", out, sizeof out), 0);
    assert_string_equal(out, "a b'c");
    assert_int_equal(labstate_unquote("$'x\\ty'", out, sizeof out), 0);
    assert_string_equal(out, "x\ty");
    assert_int_equal(labstate_unquote("'unterminated", out, sizeof out), -1);
    /* what bash's printf %q writes under LC_ALL=C for a path with an accent,
     * an escape and a hex byte */
    assert_int_equal(labstate_unquote("$'/home/jos\\303\\251/lab'", out, sizeof out), 0);
    assert_string_equal(out, "/home/jos\303\251/lab");
    assert_int_equal(labstate_unquote("$'a\\Eb\\x41\\1c'", out, sizeof out), 0);
    assert_string_equal(out, "a\033bA\001c");
}

static void test_event_line_has_rollout_sh_columns(void **state)
{
    char line[256];
    struct evlog_event e = {.wall_us = 1700000000123456LL,
                            .event = "pool-add",
                            .instance = "2.8.0#1",
                            .version = "2.8.0",
                            .port = 40123,
                            .slot = 3,
                            .detail = "ack_us=120"};
    struct evlog_event none = {.wall_us = 5, .event = "rollout-complete"};
    (void)state;
    evlog_format(&e, line, sizeof line);
    assert_string_equal(line,
                        "1700000000123456\tpool-add\t2.8.0#1\t2.8.0\t40123\ts3\tack_us=120\n");
    evlog_format(&none, line, sizeof line);
    assert_string_equal(line, "5\trollout-complete\t-\t-\t-\t-\t-\n");
}

static void test_instances_tsv_round_trip_and_old_format(void **state)
{
    char path[] = "/tmp/unit-rollout-XXXXXX", err[256], text[512];
    struct inst_table t = {0}, back = {0};
    (void)state;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct inst *i = inst_add(&t);
    strcpy(i->id, "2.7.1#3");
    strcpy(i->version, "2.7.1");
    i->readiness = ROPTS_READINESS_HTTP;
    i->pid = 4242;
    i->slot = 2;
    i->phase = INST_TERMINATING;
    i->in_pool = 1;
    i->served = 1;
    i->prestop_us = 500000;
    strcpy(i->on_sigterm, "ignore");
    assert_int_equal(inst_save(&t, path, err, sizeof err), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(text, sizeof text, f)); /* the header */
    assert_non_null(fgets(text, sizeof text, f));
    fclose(f);
    assert_string_equal(text,
                        "2.7.1#3\t2.7.1\thttp\t4242\t-\ts2\tterminating\t1\t1\t500000\tignore\n");
    assert_int_equal(inst_load(&back, path, 0, err, sizeof err), 0);
    assert_int_equal(back.n, 1);
    assert_string_equal(back.v[0]->id, "2.7.1#3");
    assert_int_equal(back.v[0]->port, 0);
    assert_int_equal(back.v[0]->phase, INST_TERMINATING);
    assert_string_equal(back.v[0]->on_sigterm, "ignore");
    inst_remove(&back, back.v[0]);
    /* an instances.tsv of nine columns (before preStop was per template) */
    f = fopen(path, "w");
    fputs("# header\n2.7.2#1\t2.7.2\tnone\t99\t31000\ts1\tready\t1\t1\n", f);
    fclose(f);
    assert_int_equal(inst_load(&back, path, 700000, err, sizeof err), 0);
    assert_int_equal(back.v[0]->prestop_us, 700000);
    assert_string_equal(back.v[0]->on_sigterm, "drain");
    assert_int_equal(back.v[0]->port, 31000);
    assert_int_equal(inst_free_slot(&back, 8), 2);
    inst_remove(&back, back.v[0]);
    inst_remove(&t, t.v[0]);
    free(t.v);
    free(back.v);
    unlink(path);
}

static void test_ids_count_per_version(void **state)
{
    char path[] = "/tmp/unit-rollout-ids-XXXXXX", err[256];
    int n;
    (void)state;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "2.7.1 4\n", 8), 8);
    close(fd);
    assert_int_equal(labstate_next_id(path, "2.7.1", &n, err, sizeof err), 0);
    assert_int_equal(n, 5);
    assert_int_equal(labstate_next_id(path, "2.8.0", &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(labstate_next_id(path, "2.7.1", &n, err, sizeof err), 0);
    assert_int_equal(n, 6);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_rollout_sh_ones),
        cmocka_unit_test(test_durations_bare_seconds_or_units),
        cmocka_unit_test(test_surge_and_unavailable_take_percentages),
        cmocka_unit_test(test_bad_options_say_what_is_wrong),
        cmocka_unit_test(test_env_values_unquoted_as_bash_reads_them),
        cmocka_unit_test(test_event_line_has_rollout_sh_columns),
        cmocka_unit_test(test_instances_tsv_round_trip_and_old_format),
        cmocka_unit_test(test_ids_count_per_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
