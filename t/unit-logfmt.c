/* Unit tests of the log format: lib/logwrite.c writes a file, lib/logread.c
 * reads it back (docs/log-format.md). Bad input must give one clear error
 * naming path:line, never a crash or a silent skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "logread.h"
#include "logwrite.h"
#include "outcome.h"

static char tmpdir[] = "/tmp/pbprobe-unit-logfmt.XXXXXX";
static int nfiles;

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A fresh path in the test's directory; the returned buffer is static. */
static const char *new_path(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%02d-%s", tmpdir, ++nfiles, name);
    return path;
}

static void write_file(const char *path, const char *content, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

#define HEADER "#pbprobe-log 1\tstart_us=1764165600000000\thost=h\tpid=1\tversion=0.1.0\n"

static const struct log_header test_header = {
    .version = LOG_FORMAT_VERSION,
    .wall_start_us = 1764165600123456,
    .host = "ci-runner-7",
    .pid = 4242,
    .prober_version = "0.1.0",
    .prober_revision = "38936fc6fde0-dirty",
    .prober_libs =
        "libcurl/7.88.1 OpenSSL/3.0.15 nghttp2/1.52.0 libevent/2.1.12-stable libpq/15.18",
    .batch_window_us = 500,
    .cmd = "pbprobe --rate 200 -H 'Authorization: <redacted>'",
};

static struct logw *open_writer(const char *path)
{
    char err[256] = "";
    struct logw *w = logw_open(path, err, sizeof err);
    if (w == NULL)
        fail_msg("logw_open: %s", err);
    assert_int_equal(logw_header(w, &test_header), 0);
    return w;
}

static void close_writer(struct logw *w)
{
    char err[256] = "";
    if (logw_close(w, err, sizeof err) != 0)
        fail_msg("logw_close: %s", err);
}

static struct logr *open_reader(const char *path)
{
    char err[256] = "";
    struct logr *r = logr_open(path, err, sizeof err);
    if (r == NULL)
        fail_msg("logr_open: %s", err);
    return r;
}

static void next_ok(struct logr *r, struct log_event *ev)
{
    char err[256] = "";
    int rc = logr_next(r, ev, err, sizeof err);
    if (rc != 1)
        fail_msg("logr_next returned %d at line %ld: %s", rc, logr_lineno(r), err);
}

static void at_end(struct logr *r)
{
    char err[256] = "";
    struct log_event ev;
    int rc = logr_next(r, &ev, err, sizeof err);
    if (rc != 0)
        fail_msg("expected the end, logr_next returned %d: %s", rc, err);
}

/* Checks that a log whose text is `content` fails to open with an error
 * containing `what`, prefixed by the path (and line, when line > 0). */
static void open_fails(const char *name, const char *content, size_t len, long line,
                       const char *what)
{
    char err[512] = "", want[300];
    const char *path = new_path(name);
    write_file(path, content, len);
    struct logr *r = logr_open(path, err, sizeof err);
    if (r != NULL)
        fail_msg("%s: opened, expected \"%s\"", name, what);
    if (line > 0)
        snprintf(want, sizeof want, "%s:%ld: ", path, line);
    else
        snprintf(want, sizeof want, "%s: ", path);
    if (strncmp(err, want, strlen(want)) != 0 || strstr(err, what) == NULL)
        fail_msg("%s: error \"%s\", expected \"%s...%s\"", name, err, want, what);
}

static void header_round_trips(void **state)
{
    (void)state;
    const char *path = new_path("header.log");
    close_writer(open_writer(path));
    struct logr *r = open_reader(path);
    const struct log_header *h = logr_header(r);
    assert_int_equal(h->version, 1);
    assert_int_equal(h->wall_start_us, test_header.wall_start_us);
    assert_string_equal(h->host, test_header.host);
    assert_int_equal(h->pid, 4242);
    assert_string_equal(h->prober_version, "0.1.0");
    assert_string_equal(h->prober_revision, test_header.prober_revision);
    assert_string_equal(h->prober_libs, test_header.prober_libs);
    assert_int_equal(h->batch_window_us, 500);
    assert_string_equal(h->cmd, test_header.cmd);
    assert_string_equal(logr_path(r), path);
    at_end(r);
    assert_int_equal(logr_truncated(r), 0);
    logr_close(r);
}

static void header_without_optional_keys(void **state)
{
    (void)state;
    const char *path = new_path("bare-header.log");
    char err[256];
    struct logw *w = logw_open(path, err, sizeof err);
    assert_non_null(w);
    struct log_header h = {.version = 1, .wall_start_us = -1};
    assert_int_equal(logw_header(w, &h), 0);
    close_writer(w);
    char *text = slurp(path);
    assert_string_equal(text, "#pbprobe-log 1\n");
    free(text);
    struct logr *r = open_reader(path);
    assert_int_equal(logr_header(r)->wall_start_us, -1);
    assert_null(logr_header(r)->host);
    assert_null(logr_header(r)->cmd);
    assert_null(logr_header(r)->prober_revision);
    assert_null(logr_header(r)->prober_libs);
    assert_int_equal(logr_header(r)->batch_window_us, 0); /* absent: each tick on its own */
    logr_close(r);
}

/* A key given twice keeps its last value (and, under ASan, leaks nothing:
 * the fuzzer found the first copy leaked). Unknown keys are ignored. */
static void repeated_header_keys_keep_the_last(void **state)
{
    (void)state;
    static const char text[] = "#pbprobe-log 1\thost=a\thost=b\tversion=1\tversion=2\tcmd=x"
                               "\tcmd=y\tfuture=z\tno-equals-sign\tpid=7\tpid=8"
                               "\trevision=r1\trevision=r2\tlibs=l1\tlibs=l2\n";
    const char *path = new_path("repeated-keys.log");
    write_file(path, text, sizeof text - 1);
    struct logr *r = open_reader(path);
    assert_string_equal(logr_header(r)->host, "b");
    assert_string_equal(logr_header(r)->prober_version, "2");
    assert_string_equal(logr_header(r)->prober_revision, "r2");
    assert_string_equal(logr_header(r)->prober_libs, "l2");
    assert_string_equal(logr_header(r)->cmd, "y");
    assert_int_equal(logr_header(r)->pid, 8);
    at_end(r);
    logr_close(r);
}

static void every_event_kind_round_trips(void **state)
{
    (void)state;
    const char *path = new_path("kinds.log");
    struct logw *w = open_writer(path);
    struct log_target t = {
        .name = "home", .url = "http://127.0.0.1:8080/", .rate = 200, .flags = "keepalive"};
    struct log_target t2 = {
        .name = "slow", .url = "http://127.0.0.1:8080/slow", .rate = 0.5, .flags = NULL};
    struct log_req ok = {.wall_sched_us = 1764165600200000,
                         .target = "home",
                         .outcome = 200,
                         .latency_us = 1234,
                         .delay_us = 56,
                         .bytes = 612,
                         .reused = 1,
                         .peer = "127.0.0.1:8080",
                         .version = "v2",
                         .request_id = "abc-1",
                         .lag_us = 31,
                         .stalled = 0,
                         .protocol = "2"};
    struct log_req skipped = {.wall_sched_us = 1764165600205000,
                              .target = "home",
                              .outcome = OUTCOME_SKIPPED,
                              .latency_us = -1,
                              .delay_us = -1,
                              .bytes = -1,
                              .reused = -1,
                              .lag_us = -1,
                              .stalled = -1};
    struct log_req timeout = {.wall_sched_us = 1764165600210000,
                              .target = "slow",
                              .outcome = OUTCOME_TIMEOUT,
                              .latency_us = 2000000,
                              .delay_us = 3,
                              .bytes = 0,
                              .reused = 0,
                              .peer = "[::1]:8080",
                              .request_id = "abc-3",
                              .lag_us = 2,
                              .stalled = 1};
    struct log_cmd_start cs = {.pid = 777, .command = "kubectl rollout restart deploy/app"};
    struct log_cmd_exit ce = {.status = 143, .how = "killed:SIGTERM"};
    assert_int_equal(logw_target(w, 1764165600100000, &t), 0);
    assert_int_equal(logw_target(w, 1764165600100001, &t2), 0);
    assert_int_equal(logw_req(w, &ok), 0);
    assert_int_equal(logw_req(w, &skipped), 0);
    assert_int_equal(logw_req(w, &timeout), 0);
    assert_int_equal(logw_text(w, "mark", 1764165600300000, "migration start"), 0);
    assert_int_equal(logw_cmd_start(w, 1764165600400000, &cs), 0);
    assert_int_equal(logw_cmd_exit(w, 1764165600500000, &ce), 0);
    assert_int_equal(logw_text(w, "warn", 1764165600600000, "event loop late by 120ms"), 0);
    struct log_stall st = {.end_us = 1764165600650000, .length_us = 40000};
    assert_int_equal(logw_stall(w, 1764165600610000, &st), 0);
    struct log_abort ab = {
        .target = "api", .rule = "max-window", .value = 1004000, .limit = 1000000};
    assert_int_equal(logw_abort(w, 1764165600620000, &ab), 0);
    assert_int_equal(logw_end(w, 1764165600700000, "duration", 1764165600690000), 0);
    assert_true(logw_pending(w) > 0);
    assert_int_equal(logw_flush(w), 0);
    assert_int_equal(logw_pending(w), 0);
    assert_null(logw_error(w));
    close_writer(w);

    struct logr *r = open_reader(path);
    struct log_event ev;
    next_ok(r, &ev);
    assert_int_equal(ev.kind, LOG_TARGET);
    assert_string_equal(ev.kind_name, "target");
    assert_int_equal(ev.wall_us, 1764165600100000);
    assert_string_equal(ev.u.target.name, "home");
    assert_string_equal(ev.u.target.url, "http://127.0.0.1:8080/");
    assert_true(ev.u.target.rate == 200);
    assert_string_equal(ev.u.target.flags, "keepalive");
    next_ok(r, &ev);
    assert_int_equal(ev.kind, LOG_TARGET);
    assert_true(ev.u.target.rate == 0.5);
    assert_null(ev.u.target.flags);

    next_ok(r, &ev);
    assert_int_equal(ev.kind, LOG_REQ);
    assert_int_equal(ev.wall_us, ok.wall_sched_us);
    assert_int_equal(ev.u.req.wall_sched_us, ok.wall_sched_us);
    assert_string_equal(ev.u.req.target, "home");
    assert_int_equal(ev.u.req.outcome, 200);
    assert_int_equal(ev.u.req.latency_us, 1234);
    assert_int_equal(ev.u.req.delay_us, 56);
    assert_int_equal(ev.u.req.bytes, 612);
    assert_int_equal(ev.u.req.reused, 1);
    assert_string_equal(ev.u.req.peer, "127.0.0.1:8080");
    assert_string_equal(ev.u.req.version, "v2");
    assert_string_equal(ev.u.req.request_id, "abc-1");
    assert_int_equal(ev.u.req.lag_us, 31);
    assert_int_equal(ev.u.req.stalled, 0);
    assert_string_equal(ev.u.req.protocol, "2");

    next_ok(r, &ev);
    assert_int_equal(ev.kind, LOG_REQ);
    assert_int_equal(ev.u.req.outcome, OUTCOME_SKIPPED);
    assert_int_equal(ev.u.req.latency_us, -1);
    assert_int_equal(ev.u.req.delay_us, -1);
    assert_int_equal(ev.u.req.bytes, -1);
    assert_int_equal(ev.u.req.reused, -1);
    assert_null(ev.u.req.peer);
    assert_null(ev.u.req.version);
    assert_null(ev.u.req.request_id);
    assert_int_equal(ev.u.req.lag_us, -1);
    assert_int_equal(ev.u.req.stalled, -1);

    next_ok(r, &ev);
    assert_int_equal(ev.u.req.outcome, OUTCOME_TIMEOUT);
    assert_int_equal(ev.u.req.lag_us, 2);
    assert_int_equal(ev.u.req.stalled, 1);
    assert_string_equal(ev.u.req.target, "slow");
    assert_int_equal(ev.u.req.latency_us, 2000000);
    assert_int_equal(ev.u.req.reused, 0);
    assert_int_equal(ev.u.req.bytes, 0);
    assert_string_equal(ev.u.req.peer, "[::1]:8080");
    assert_null(ev.u.req.version);
    assert_null(ev.u.req.protocol);

    next_ok(r, &ev);
    assert_int_equal(ev.kind, LOG_MARK);
    assert_int_equal(ev.wall_us, 1764165600300000);
    assert_string_equal(ev.u.text, "migration start");
    next_ok(r, &ev);
    assert_int_equal(ev.kind, LOG_CMD_START);
    assert_int_equal(ev.u.cmd_start.pid, 777);
    assert_string_equal(ev.u.cmd_start.command, cs.command);
    next_ok(r, &ev);
    assert_int_equal(ev.kind, LOG_CMD_EXIT);
    assert_int_equal(ev.u.cmd_exit.status, 143);
    assert_string_equal(ev.u.cmd_exit.how, "killed:SIGTERM");
    next_ok(r, &ev);
    assert_int_equal(ev.kind, LOG_WARN);
    assert_string_equal(ev.u.text, "event loop late by 120ms");
    next_ok(r, &ev);
    assert_int_equal(ev.kind, LOG_STALL);
    assert_int_equal(ev.wall_us, 1764165600610000);
    assert_int_equal(ev.u.stall.end_us, 1764165600650000);
    assert_int_equal(ev.u.stall.length_us, 40000);
    next_ok(r, &ev);
    assert_int_equal(ev.kind, LOG_ABORT);
    assert_int_equal(ev.wall_us, 1764165600620000);
    assert_string_equal(ev.u.abort.target, "api");
    assert_string_equal(ev.u.abort.rule, "max-window");
    assert_int_equal(ev.u.abort.value, 1004000);
    assert_int_equal(ev.u.abort.limit, 1000000);
    next_ok(r, &ev);
    assert_int_equal(ev.kind, LOG_END);
    assert_string_equal(ev.u.text, "duration");
    assert_int_equal(ev.stop_us, 1764165600690000);
    at_end(r);
    assert_int_equal(logr_truncated(r), 0);
    assert_int_equal(logr_unknown_lines(r), 0);
    assert_int_equal(logr_lineno(r), 13);
    logr_close(r);
}

/* logw_event writes back what the reader read, byte for byte, for every
 * kind; a kind the reader does not know has no writer and writes nothing. */
static void logw_event_rewrites_every_kind(void **state)
{
    (void)state;
    char first[256];
    snprintf(first, sizeof first, "%s", new_path("written.log"));
    struct logw *w = open_writer(first);
    struct log_target t = {
        .name = "home", .url = "http://h/", .rate = 10, .flags = "new-connection"};
    struct log_req q = {.wall_sched_us = 1764165600200000,
                        .target = "home",
                        .outcome = 503,
                        .latency_us = 900,
                        .delay_us = 4,
                        .bytes = 12,
                        .reused = 0,
                        .peer = "127.0.0.1:80",
                        .request_id = "r-1",
                        .lag_us = 1,
                        .stalled = 0};
    struct log_cmd_start cs = {.pid = 9, .command = "kubectl apply -k ."};
    struct log_cmd_exit ce = {.status = 0, .how = "exited"};
    struct log_db db = {.probe = LOG_DB_CONNECT,
                        .outcome = LOG_DB_ERROR,
                        .latency_us = 70,
                        .sqlstate = "57P01",
                        .message = "terminating connection"};
    struct log_db_locks lk = {.waiting = 2,
                              .longest_us = 600000,
                              .relation = "task",
                              .mode = "AccessExclusiveLock",
                              .blocker_pid = 4242};
    struct log_stall st = {.end_us = 1764165600650000, .length_us = 40000};
    assert_int_equal(logw_target(w, 1764165600100000, &t), 0);
    assert_int_equal(logw_req(w, &q), 0);
    assert_int_equal(logw_text(w, "mark", 1764165600300000, "migrate"), 0);
    assert_int_equal(logw_text(w, "warn", 1764165600310000, "late"), 0);
    assert_int_equal(logw_cmd_start(w, 1764165600400000, &cs), 0);
    assert_int_equal(logw_cmd_exit(w, 1764165600500000, &ce), 0);
    assert_int_equal(logw_db(w, 1764165600510000, &db), 0);
    assert_int_equal(logw_db_schema(w, 1764165600520000, "52209719b79e"), 0);
    assert_int_equal(logw_db_schema(w, 1764165600530000, NULL), 0);
    assert_int_equal(logw_db_locks(w, 1764165600540000, &lk), 0);
    assert_int_equal(logw_stall(w, 1764165600610000, &st), 0);
    struct log_abort ab = {.target = "api", .rule = "max-errors", .value = 11, .limit = 10};
    assert_int_equal(logw_abort(w, 1764165600620000, &ab), 0);
    assert_int_equal(logw_end(w, 1764165600700000, "duration", 1764165600690000), 0);
    close_writer(w);

    const char *second = new_path("rewritten.log");
    w = open_writer(second);
    struct logr *r = open_reader(first);
    struct log_event ev;
    char err[256];
    int n = 0;
    while (logr_next(r, &ev, err, sizeof err) == 1) {
        assert_int_equal(logw_event(w, &ev), 0);
        n++;
    }
    assert_int_equal(n, 13);
    struct log_event unknown = {.kind = LOG_UNKNOWN, .kind_name = "pod-event"};
    assert_int_equal(logw_event(w, &unknown), 0);
    logr_close(r);
    close_writer(w);
    char *a = slurp(first), *b = slurp(second);
    assert_string_equal(b, a);
    free(a);
    free(b);
}

/* Every error class and a spread of statuses survive the trip. */
static void every_outcome_round_trips(void **state)
{
    (void)state;
    const char *path = new_path("outcomes.log");
    struct logw *w = open_writer(path);
    static const int statuses[] = {100, 200, 204, 301, 404, 500, 502, 503, 504, 999};
    int n = 0;
    for (int o = 1; o < OUTCOME_ERROR_END; o++, n++) {
        struct log_req q = {.wall_sched_us = n,
                            .target = "t",
                            .outcome = o,
                            .latency_us = o == OUTCOME_SKIPPED ? -1 : 5,
                            .delay_us = -1,
                            .bytes = -1,
                            .reused = -1};
        assert_int_equal(logw_req(w, &q), 0);
    }
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++) {
        struct log_req q = {.wall_sched_us = 0,
                            .target = "t",
                            .outcome = statuses[i],
                            .latency_us = 1,
                            .delay_us = 0,
                            .bytes = 0,
                            .reused = 0};
        assert_int_equal(logw_req(w, &q), 0);
    }
    close_writer(w);
    struct logr *r = open_reader(path);
    struct log_event ev;
    for (int o = 1; o < OUTCOME_ERROR_END; o++) {
        next_ok(r, &ev);
        assert_int_equal(ev.u.req.outcome, o);
    }
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++) {
        next_ok(r, &ev);
        assert_int_equal(ev.u.req.outcome, statuses[i]);
    }
    at_end(r);
    logr_close(r);
}

/* TAB, newline, CR and backslash are escaped, a lone "-" is not "absent",
 * and nothing a field holds can break the line into more fields or lines. */
static void special_characters_round_trip(void **state)
{
    (void)state;
    static const char *const values[] = {
        "a\tb",
        "line1\nline2",
        "cr\r\n",
        "back\\slash",
        "\\",
        "\\t",
        "-",
        "--",
        "-x",
        "\\-",
        "",
        " leading and trailing ",
        "\xc3\xa9t\xc3\xa9 \xe2\x9c\x93",
        "\t\t\n\\",
    };
    const size_t nv = sizeof values / sizeof *values;
    const char *path = new_path("escapes.log");
    struct logw *w = open_writer(path);
    for (size_t i = 0; i < nv; i++) {
        struct log_req q = {.wall_sched_us = (int64_t)i,
                            .target = values[i],
                            .outcome = 200,
                            .latency_us = 1,
                            .delay_us = 1,
                            .bytes = 1,
                            .reused = 1,
                            .peer = values[i],
                            .version = values[i],
                            .request_id = values[i]};
        struct log_target t = {.name = values[i], .url = values[i], .rate = 1, .flags = values[i]};
        struct log_cmd_start cs = {.pid = 1, .command = values[i]};
        struct log_cmd_exit ce = {.status = 0, .how = values[i]};
        assert_int_equal(logw_target(w, 1, &t), 0);
        assert_int_equal(logw_req(w, &q), 0);
        assert_int_equal(logw_text(w, "mark", 2, values[i]), 0);
        assert_int_equal(logw_cmd_start(w, 3, &cs), 0);
        assert_int_equal(logw_cmd_exit(w, 4, &ce), 0);
    }
    close_writer(w);

    /* awk -F'\t' sees the documented number of fields on every line */
    char *text = slurp(path);
    int lines = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        int tabs = 0;
        for (char *c = line; *c; c++)
            tabs += *c == '\t';
        if (lines == 0)
            continue;
        static const int want_tabs[] = {5, 13, 2, 3, 3};
        assert_int_equal(tabs, want_tabs[(lines - 1) % 5]);
        assert_null(strchr(line, '\r'));
    }
    assert_int_equal(lines, 1 + 5 * (int)nv);
    free(text);

    struct logr *r = open_reader(path);
    struct log_event ev;
    for (size_t i = 0; i < nv; i++) {
        next_ok(r, &ev);
        assert_int_equal(ev.kind, LOG_TARGET);
        assert_string_equal(ev.u.target.name, values[i]);
        assert_string_equal(ev.u.target.url, values[i]);
        assert_string_equal(ev.u.target.flags, values[i]);
        next_ok(r, &ev);
        assert_int_equal(ev.kind, LOG_REQ);
        assert_string_equal(ev.u.req.target, values[i]);
        assert_string_equal(ev.u.req.peer, values[i]);
        assert_string_equal(ev.u.req.version, values[i]);
        assert_string_equal(ev.u.req.request_id, values[i]);
        next_ok(r, &ev);
        assert_string_equal(ev.u.text, values[i]);
        next_ok(r, &ev);
        assert_string_equal(ev.u.cmd_start.command, values[i]);
        next_ok(r, &ev);
        assert_string_equal(ev.u.cmd_exit.how, values[i]);
    }
    at_end(r);
    logr_close(r);

    /* header values too */
    path = new_path("escaped-header.log");
    char err[256];
    w = logw_open(path, err, sizeof err);
    assert_non_null(w);
    struct log_header h = {.version = 1,
                           .wall_start_us = 5,
                           .host = "-",
                           .pid = 9,
                           .prober_version = "a\tb=c",
                           .cmd = "x\ny\\z"};
    assert_int_equal(logw_header(w, &h), 0);
    close_writer(w);
    r = open_reader(path);
    assert_string_equal(logr_header(r)->host, "-");
    assert_string_equal(logr_header(r)->prober_version, "a\tb=c");
    assert_string_equal(logr_header(r)->cmd, "x\ny\\z");
    /* a header without a success definition: both absent */
    assert_null(logr_header(r)->ok_status);
    assert_int_equal(logr_header(r)->follow_redirects, -1);
    logr_close(r);

    /* the success definition and the redirect policy go together */
    path = new_path("success-header.log");
    w = logw_open(path, err, sizeof err);
    assert_non_null(w);
    struct log_header hs = {
        .version = 1, .wall_start_us = 5, .ok_status = "2xx,304", .follow_redirects = 1};
    assert_int_equal(logw_header(w, &hs), 0);
    close_writer(w);
    r = open_reader(path);
    assert_string_equal(logr_header(r)->ok_status, "2xx,304");
    assert_int_equal(logr_header(r)->follow_redirects, 1);
    logr_close(r);
}

/* Enough lines to cross the writer's buffer and the reader's chunk many
 * times: no line is lost, split or doubled at a boundary. */
static void many_lines_round_trip(void **state)
{
    (void)state;
    enum { N = 300000 };
    const char *path = new_path("many.log");
    struct logw *w = open_writer(path);
    char id[32];
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "req-%d", i);
        struct log_req q = {.wall_sched_us = 1764165600000000 + i * 5000,
                            .target = "home",
                            .outcome = i % 7 ? 200 : OUTCOME_RESET,
                            .latency_us = i,
                            .delay_us = i % 100,
                            .bytes = 612,
                            .reused = i % 2,
                            .peer = "127.0.0.1:8080",
                            .request_id = id};
        assert_int_equal(logw_req(w, &q), 0);
        if (i % 1000 == 0)
            assert_int_equal(logw_flush(w), 0);
    }
    close_writer(w);
    struct logr *r = open_reader(path);
    struct log_event ev;
    for (int i = 0; i < N; i++) {
        next_ok(r, &ev);
        snprintf(id, sizeof id, "req-%d", i);
        if (ev.u.req.latency_us != i || strcmp(ev.u.req.request_id, id) != 0)
            fail_msg("line %d: latency %lld id %s", i + 2, (long long)ev.u.req.latency_us,
                     ev.u.req.request_id);
        assert_int_equal(ev.u.req.outcome, i % 7 ? 200 : OUTCOME_RESET);
        assert_int_equal(ev.wall_us, 1764165600000000 + (int64_t)i * 5000);
    }
    at_end(r);
    assert_int_equal(logr_lineno(r), N + 1);
    logr_close(r);
}

/* A prober killed mid-write leaves a last line without its newline: the
 * reader says so and does not hand it out as an event. */
static void truncated_last_line_is_reported_not_read(void **state)
{
    (void)state;
    static const char text[] = HEADER "mark\t1764165600000001\tbefore\n"
                                      "req\t1764165600000002\thome\t200\t12";
    const char *path = new_path("truncated.log");
    write_file(path, text, sizeof text - 1);
    struct logr *r = open_reader(path);
    struct log_event ev;
    next_ok(r, &ev);
    assert_string_equal(ev.u.text, "before");
    assert_int_equal(logr_truncated(r), 0);
    at_end(r);
    assert_int_equal(logr_truncated(r), 1);
    logr_close(r);

    /* even a last line that would parse is not trusted without its newline */
    static const char whole[] = HEADER "mark\t1764165600000001\tcut";
    path = new_path("truncated-whole.log");
    write_file(path, whole, sizeof whole - 1);
    r = open_reader(path);
    at_end(r);
    assert_int_equal(logr_truncated(r), 1);
    logr_close(r);

    /* a prober killed before finishing its header */
    open_fails("truncated-header.log", "#pbprobe-log 1\tstart_", 21, 1, "truncated header");
}

static void unknown_kinds_are_skipped_and_counted(void **state)
{
    (void)state;
    static const char text[] = HEADER "db-query\t1764165600000001\tpg\tok\t5\n"
                                      "mark\t1764165600000002\tm1\n"
                                      "future-kind\t1764165600000003\n"
                                      "mark\t1764165600000004\tm2\n";
    const char *path = new_path("unknown.log");
    write_file(path, text, sizeof text - 1);
    struct logr *r = open_reader(path);
    struct log_event ev;
    int marks = 0, unknown = 0;
    char err[256];
    int rc;
    while ((rc = logr_next(r, &ev, err, sizeof err)) == 1) {
        if (ev.kind == LOG_MARK)
            marks++;
        else if (ev.kind == LOG_UNKNOWN)
            unknown++;
        else
            fail_msg("unexpected kind %s", ev.kind_name);
        if (ev.kind == LOG_UNKNOWN && unknown == 1) {
            assert_string_equal(ev.kind_name, "db-query");
            assert_int_equal(ev.wall_us, 1764165600000001);
        }
    }
    assert_int_equal(rc, 0);
    assert_int_equal(marks, 2);
    assert_int_equal(unknown, 2);
    assert_int_equal(logr_unknown_lines(r), 2);
    logr_close(r);
}

/* A NUL byte ends a field wherever it is, the kind too: "req" then a NUL is a
 * req line, read (and refused) as one, not an unknown kind skipped. The
 * reader cuts a req line's fields as it reads them, so this is checked. */
static void nul_after_the_kind_is_still_a_req(void **state)
{
    (void)state;
    static const char text[] = HEADER "req\0x\t1764165600000001\thome\t200\t5\t1\t10\t1\t-\t-\t-\n"
                                      "req\0\t1764165600000002\thome\tXXX\t5\t1\t10\t1\t-\t-\t-\n";
    const char *path = new_path("nul-kind.log");
    write_file(path, text, sizeof text - 1);
    struct logr *r = open_reader(path);
    struct log_event ev;
    next_ok(r, &ev);
    assert_int_equal(ev.kind, LOG_REQ);
    assert_string_equal(ev.kind_name, "req");
    assert_int_equal(ev.u.req.latency_us, 5);
    char err[256] = "";
    assert_int_equal(logr_next(r, &ev, err, sizeof err), -1);
    assert_non_null(strstr(err, ":3: req: bad outcome \"XXX\""));
    at_end(r);
    assert_int_equal(logr_unknown_lines(r), 0);
    logr_close(r);
}

/* A header value is unescaped before its number is read: an escaped TAB or
 * newline in it is part of the value, which is then no number. */
static void header_number_with_an_escaped_tab_is_refused(void **state)
{
    (void)state;
    static const char text[] = "#pbprobe-log 1\tstart_us=1764165600\\t000000\tpid=4\\n2\t"
                               "max_lag_us=5000\n";
    const char *path = new_path("escaped-number.log");
    write_file(path, text, sizeof text - 1);
    struct logr *r = open_reader(path);
    assert_int_equal(logr_header(r)->wall_start_us, -1);
    assert_int_equal(logr_header(r)->pid, 0);
    assert_int_equal(logr_header(r)->max_lag_us, 5000);
    logr_close(r);
}

/* Version 1 grows by appending fields: readers ignore what they do not know. */
static void extra_trailing_fields_are_ignored(void **state)
{
    (void)state;
    static const char text[] =
        HEADER "target\t1\thome\thttp://x/\t200\tkeepalive\tnew-field\tanother\n"
               "req\t2\thome\t503\t10\t1\t0\t1\t127.0.0.1:80\tv1\tid-1\t7\t1\textra\t\t-\tmore\n"
               "mark\t3\tm\textra\n"
               "cmd-start\t4\t99\tcmd\textra\n"
               "cmd-exit\t5\t0\texited\textra\n"
               "end\t6\tsignal\t5\textra\n";
    const char *path = new_path("extra.log");
    write_file(path, text, sizeof text - 1);
    struct logr *r = open_reader(path);
    struct log_event ev;
    next_ok(r, &ev);
    assert_string_equal(ev.u.target.flags, "keepalive");
    next_ok(r, &ev);
    assert_int_equal(ev.u.req.outcome, 503);
    assert_string_equal(ev.u.req.request_id, "id-1");
    assert_int_equal(ev.u.req.lag_us, 7);
    assert_int_equal(ev.u.req.stalled, 1);
    next_ok(r, &ev);
    assert_string_equal(ev.u.text, "m");
    next_ok(r, &ev);
    assert_string_equal(ev.u.cmd_start.command, "cmd");
    next_ok(r, &ev);
    assert_string_equal(ev.u.cmd_exit.how, "exited");
    next_ok(r, &ev);
    assert_int_equal(ev.kind, LOG_END);
    assert_string_equal(ev.u.text, "signal");
    assert_int_equal(ev.stop_us, 5);
    at_end(r);
    logr_close(r);
}

/* Each malformed line gives -1 with "path:line: " and the reason; the reader
 * then goes on with the next line. */
static void malformed_lines_name_path_and_line(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        const char *what;
    } cases[] = {
        {"no tab here", "not an event line"},
        {"", "not an event line"},
        {"mark\tsoon\tx", "bad time"},
        {"mark\t-5\tx", "bad time"},
        {"mark\t99999999999999999999999\tx", "bad time"},
        {"mark\t1", "missing its text"},
        {"req\t1\thome\t200\t1\t1\t1\t1\tpeer\tv", "expected 11"},
        {"req\t1\thome\t2x0\t1\t1\t1\t1\tpeer\tv\tid", "bad outcome \"2x0\""},
        {"req\t1\thome\t42\t1\t1\t1\t1\tpeer\tv\tid", "bad outcome"},
        {"req\t1\thome\tbroken\t1\t1\t1\t1\tpeer\tv\tid", "bad outcome"},
        {"req\t1\thome\t200\tfast\t1\t1\t1\tpeer\tv\tid", "bad latency"},
        {"req\t1\thome\t200\t-\t1\t1\t1\tpeer\tv\tid", "absent for a sent request"},
        {"req\t1\thome\t200\t1\t1.5\t1\t1\tpeer\tv\tid", "bad delay"},
        {"req\t1\thome\t200\t1\t1\tlots\t1\tpeer\tv\tid", "bad bytes"},
        {"req\t1\thome\t200\t1\t1\t1\t2\tpeer\tv\tid", "bad reused"},
        {"req\t1\t-\t200\t1\t1\t1\t1\tpeer\tv\tid", "bad target"},
        {"target\t1\thome\thttp://x/\t0\t-", "rate"},
        {"target\t1\thome\thttp://x/\tfast\t-", "rate"},
        {"target\t1\thome\thttp://x/", "expected 6"},
        {"cmd-start\t1\tpid\tcmd", "bad pid"},
        {"cmd-start\t1", "bad pid"},
        {"cmd-exit\t1\t256\texited", "bad status"},
        {"cmd-exit\t1\t0", "bad status"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[512], err[512] = "", want[300];
        snprintf(text, sizeof text, HEADER "mark\t1\tbefore\n%s\nmark\t2\tafter\n", cases[i].line);
        const char *path = new_path("malformed.log");
        write_file(path, text, strlen(text));
        struct logr *r = open_reader(path);
        struct log_event ev;
        next_ok(r, &ev);
        assert_string_equal(ev.u.text, "before");
        int rc = logr_next(r, &ev, err, sizeof err);
        if (rc != -1)
            fail_msg("\"%s\": logr_next returned %d, expected -1", cases[i].line, rc);
        snprintf(want, sizeof want, "%s:3: ", path);
        if (strncmp(err, want, strlen(want)) != 0 || strstr(err, cases[i].what) == NULL)
            fail_msg("\"%s\": error \"%s\", expected \"%s...%s\"", cases[i].line, err, want,
                     cases[i].what);
        assert_null(strchr(err, '\n'));
        next_ok(r, &ev);
        assert_int_equal(ev.kind, LOG_MARK);
        assert_string_equal(ev.u.text, "after");
        at_end(r);
        logr_close(r);
    }
}

/* A line longer than the reader's limit is an error for that line only: the
 * reader must skip it, not return the same error forever. */
static void over_long_line_is_skipped(void **state)
{
    (void)state;
    const size_t big = 5 * 1024 * 1024;
    const char *path = new_path("long-line.log");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(HEADER "mark\t1\tbefore\nmark\t2\t", f);
    for (size_t i = 0; i < big; i++)
        fputc('x', f);
    fputs("\nmark\t3\tafter\n", f);
    fclose(f);
    struct logr *r = open_reader(path);
    struct log_event ev;
    char err[512] = "", want[300];
    next_ok(r, &ev);
    assert_int_equal(logr_next(r, &ev, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:3: line longer than", path);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("error \"%s\", expected \"%s\"", err, want);
    next_ok(r, &ev);
    assert_string_equal(ev.u.text, "after");
    assert_int_equal(logr_lineno(r), 4);
    at_end(r);
    assert_int_equal(logr_truncated(r), 0);
    logr_close(r);
}

static void empty_file_is_refused(void **state)
{
    (void)state;
    open_fails("empty.log", "", 0, 0, "empty log");
}

static void other_files_are_refused(void **state)
{
    (void)state;
    static const char access_log[] = "127.0.0.1 - - [26/Nov/2025:14:00:00 +0000] \"GET / "
                                     "HTTP/1.1\" 200 612\n";
    open_fails("access.log", access_log, sizeof access_log - 1, 1, "not a pbprobe log");
    open_fails("json.log", "{\"a\":1}\n", 8, 1, "not a pbprobe log");
    open_fails("binary.log",
               "\x7f"
               "ELF\x02\x01\x01\0\0\0\n",
               11, 1, "not a pbprobe log");
    open_fails("no-version.log", "#pbprobe-log \n", 14, 1, "bad format version");
    open_fails("zero-version.log", "#pbprobe-log 0\n", 15, 1, "bad format version");

    char err[512] = "";
    assert_null(logr_open("/nonexistent/dir/run.log", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/dir/run.log: cannot open"));
}

static void newer_version_is_refused(void **state)
{
    (void)state;
    static const char v2[] = "#pbprobe-log 2\tstart_us=1\nreq\t1\tnew\tfields\n";
    open_fails("v2.log", v2, sizeof v2 - 1, 1, "version 2 is newer than this reader");
}

static void concatenated_logs_are_refused(void **state)
{
    (void)state;
    static const char text[] = HEADER "mark\t1\tfirst\n" HEADER "mark\t2\tsecond\n";
    const char *path = new_path("concatenated.log");
    write_file(path, text, sizeof text - 1);
    struct logr *r = open_reader(path);
    struct log_event ev;
    char err[512] = "", want[300];
    next_ok(r, &ev);
    assert_int_equal(logr_next(r, &ev, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:3: ", path);
    assert_int_equal(strncmp(err, want, strlen(want)), 0);
    assert_non_null(strstr(err, "concatenated"));
    logr_close(r);
}

/* A full disk must be reported, with the path and the system's reason, both
 * by flush and by close; later lines are refused rather than half-written. */
static void write_error_is_reported(void **state)
{
    (void)state;
    char err[512] = "";
    struct logw *w = logw_open("/dev/full", err, sizeof err);
    if (w == NULL)
        fail_msg("logw_open(/dev/full): %s", err);
    assert_null(logw_error(w));
    assert_int_equal(logw_header(w, &test_header), 0);
    assert_int_equal(logw_text(w, "mark", 1, "m"), 0);
    assert_int_equal(logw_flush(w), -1);
    const char *e = logw_error(w);
    assert_non_null(e);
    assert_non_null(strstr(e, "/dev/full"));
    assert_non_null(strstr(e, "No space left on device"));
    assert_int_equal(logw_text(w, "mark", 2, "m"), -1);
    assert_int_equal(logw_pending(w), 0);
    assert_int_equal(logw_close(w, err, sizeof err), -1);
    assert_non_null(strstr(err, "/dev/full: write failed"));

    err[0] = '\0';
    assert_null(logw_open("/nonexistent/dir/run.log", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/dir/run.log: cannot open"));
}

/* A second copy of the reader, built with the portable word-at-a-time line
 * scan instead of SSE2, so that the tests below hold both scans to the same
 * events. Its external names are renamed; its static ones are its own. */
#define LOGREAD_PORTABLE 1
#define logr_open portable_logr_open
#define logr_next portable_logr_next
#define logr_header portable_logr_header
#define logr_path portable_logr_path
#define logr_lineno portable_logr_lineno
#define logr_truncated portable_logr_truncated
#define logr_unknown_lines portable_logr_unknown_lines
#define logr_close portable_logr_close
#define logr_last_time portable_logr_last_time
struct logr *logr_open(const char *path, char *err, size_t errlen);
int logr_next(struct logr *r, struct log_event *ev, char *err, size_t errlen);
const struct log_header *logr_header(const struct logr *r);
const char *logr_path(const struct logr *r);
long logr_lineno(const struct logr *r);
int logr_truncated(const struct logr *r);
long logr_unknown_lines(const struct logr *r);
void logr_close(struct logr *r);
int logr_last_time(const struct logr *r, int64_t *t_us);
#include "logread.c"
#undef logr_open
#undef logr_next
#undef logr_header
#undef logr_path
#undef logr_lineno
#undef logr_truncated
#undef logr_unknown_lines
#undef logr_close
#undef logr_last_time
#undef LOGREAD_PORTABLE

static const struct scan_reader {
    const char *name;
    struct logr *(*open)(const char *, char *, size_t);
    int (*next)(struct logr *, struct log_event *, char *, size_t);
    long (*lineno)(const struct logr *);
    int (*truncated)(const struct logr *);
    void (*close)(struct logr *);
} scan_readers[] = {
    {"default", logr_open, logr_next, logr_lineno, logr_truncated, logr_close},
    {"portable", portable_logr_open, portable_logr_next, portable_logr_lineno,
     portable_logr_truncated, portable_logr_close},
};

static struct logr *scan_open(const struct scan_reader *sr, const char *path)
{
    char err[512] = "";
    struct logr *r = sr->open(path, err, sizeof err);
    if (r == NULL)
        fail_msg("%s: open: %s", sr->name, err);
    return r;
}

static void scan_next_ok(const struct scan_reader *sr, struct logr *r, struct log_event *ev)
{
    char err[512] = "";
    int rc = sr->next(r, ev, err, sizeof err);
    if (rc != 1)
        fail_msg("%s: logr_next returned %d at line %ld: %s", sr->name, rc, sr->lineno(r), err);
}

static void scan_at_end(const struct scan_reader *sr, struct logr *r)
{
    char err[512] = "";
    struct log_event ev;
    int rc = sr->next(r, &ev, err, sizeof err);
    if (rc != 0)
        fail_msg("%s: expected the end, logr_next returned %d: %s", sr->name, rc, err);
}

/* The line scan reads 16 (SSE2) or 8 (portable) bytes at a time from the
 * line's start: a TAB, a backslash escape or the line's end must be found at
 * every position in a block, the line's end also exactly at a block's last
 * and first byte. Field widths a and b move them through all of these. */
static void tab_and_backslash_at_every_block_position(void **state)
{
    (void)state;
    enum { WIDE = 40, RID = 18 };
    const char *path = new_path("block-positions.log");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(HEADER, f);
    for (int a = 0; a < WIDE; a++)
        for (int b = 0; b < RID; b++)
            for (int esc = 0; esc < 3; esc++) {
                /* esc 0: none; 1: "\\" ending the target; 2: "\t" in the request id */
                fprintf(f, "req\t%d\t%.*s%s\t200\t%d\t40\t5120\t1\tpeer\t-\tr%.*s%s\n", a, a + 1,
                        "tttttttttttttttttttttttttttttttttttttttttttttttttt",
                        esc == 1 ? "\\\\" : "", b, b, "iiiiiiiiiiiiiiiiiiiiiiiiiiiiii",
                        esc == 2 ? "\\tz" : "");
            }
    assert_int_equal(fclose(f), 0);
    for (size_t k = 0; k < sizeof scan_readers / sizeof scan_readers[0]; k++) {
        const struct scan_reader *sr = &scan_readers[k];
        struct logr *r = scan_open(sr, path);
        struct log_event ev;
        char want[128];
        for (int a = 0; a < WIDE; a++)
            for (int b = 0; b < RID; b++)
                for (int esc = 0; esc < 3; esc++) {
                    scan_next_ok(sr, r, &ev);
                    assert_int_equal(ev.kind, LOG_REQ);
                    assert_int_equal(ev.wall_us, a);
                    snprintf(want, sizeof want, "%.*s%s", a + 1,
                             "tttttttttttttttttttttttttttttttttttttttttttttttttt",
                             esc == 1 ? "\\" : "");
                    assert_string_equal(ev.u.req.target, want);
                    assert_int_equal(ev.u.req.outcome, 200);
                    assert_int_equal(ev.u.req.latency_us, b);
                    assert_int_equal(ev.u.req.bytes, 5120);
                    assert_string_equal(ev.u.req.peer, "peer");
                    assert_null(ev.u.req.version);
                    snprintf(want, sizeof want, "r%.*s%s", b, "iiiiiiiiiiiiiiiiiiiiiiiiiiiiii",
                             esc == 2 ? "\tz" : "");
                    assert_string_equal(ev.u.req.request_id, want);
                }
        scan_at_end(sr, r);
        assert_int_equal(sr->truncated(r), 0);
        assert_int_equal(sr->lineno(r), 1 + WIDE * RID * 3);
        sr->close(r);
    }
}

/* More fields than the reader splits (24): the line reads like one with
 * fewer, wherever in a block the TABs fall. */
static void fields_past_the_limit_are_ignored(void **state)
{
    (void)state;
    const char *path = new_path("many-fields.log");
    for (int a = 0; a < 17; a++) {
        char line[512];
        int len =
            snprintf(line, sizeof line, HEADER "req\t1%.*s\th\t200\t1\t2\t3\t1\tp\tv\tid\t4\t0", a,
                     "0000000000000000000");
        for (int i = 13; i < 24 + a; i++)
            len += snprintf(line + len, sizeof line - (size_t)len, "\t%c", 'a' + i % 26);
        line[len++] = '\n';
        write_file(path, line, (size_t)len);
        for (size_t k = 0; k < sizeof scan_readers / sizeof scan_readers[0]; k++) {
            const struct scan_reader *sr = &scan_readers[k];
            struct logr *r = scan_open(sr, path);
            struct log_event ev;
            scan_next_ok(sr, r, &ev);
            assert_int_equal(ev.kind, LOG_REQ);
            assert_string_equal(ev.u.req.request_id, "id");
            assert_int_equal(ev.u.req.bytes, 3);
            scan_at_end(sr, r);
            sr->close(r);
        }
    }
}

/* The reader refills its buffer 1 MiB at a time: a line that ends just
 * before, exactly at or just after a refill, or that is the file's last
 * (whole, or cut short at any length), is read like any other. */
static void lines_at_buffer_boundaries(void **state)
{
    (void)state;
    enum { CHUNK = 1024 * 1024 };
    static const char filler[] = "mark\t1\tfiller filler filler filler filler filler\n";
    size_t flen = sizeof filler - 1;
    char *text = malloc(CHUNK + 4096);
    assert_non_null(text);
    const char *path = new_path("boundary.log");
    for (int delta = -18; delta <= 18; delta++) {
        /* the header, fillers, then one mark padded so that the req line
         * after it ends (its '\n' included) at CHUNK + delta */
        static const char req[] = "req\t7\thome\t503\t1\t2\t3\t0\tpeer\tv\tlast\n";
        size_t rlen = sizeof req - 1, len = strlen(HEADER);
        memcpy(text, HEADER, len);
        size_t goal = (size_t)(CHUNK + delta) - rlen;
        while (goal - len > 2 * flen) {
            memcpy(text + len, filler, flen);
            len += flen;
        }
        len += (size_t)sprintf(text + len, "mark\t2\t");
        while (len < goal - 1)
            text[len++] = 'p';
        text[len++] = '\n';
        memcpy(text + len, req, rlen);
        len += rlen;
        assert_int_equal(len, CHUNK + delta);
        static const char after[] = "end\t9\tduration\n";
        for (int tail = 0; tail < 3; tail++) {
            /* tail 0: the req line is the last; 1: a whole line follows; 2: a cut one */
            size_t total = len;
            if (tail > 0) {
                memcpy(text + len, after, sizeof after - 1);
                total += sizeof after - 1 - (tail == 2 ? 1 + (size_t)(delta + 18) % 14 : 0);
            }
            write_file(path, text, total);
            for (size_t k = 0; k < sizeof scan_readers / sizeof scan_readers[0]; k++) {
                const struct scan_reader *sr = &scan_readers[k];
                struct logr *r = scan_open(sr, path);
                struct log_event ev;
                long marks = 0;
                for (;;) {
                    scan_next_ok(sr, r, &ev);
                    if (ev.kind != LOG_MARK)
                        break;
                    marks++;
                }
                assert_int_equal(ev.kind, LOG_REQ);
                assert_int_equal(ev.wall_us, 7);
                assert_string_equal(ev.u.req.target, "home");
                assert_int_equal(ev.u.req.outcome, 503);
                assert_string_equal(ev.u.req.request_id, "last");
                if (tail == 1) {
                    scan_next_ok(sr, r, &ev);
                    assert_int_equal(ev.kind, LOG_END);
                    assert_string_equal(ev.u.text, "duration");
                }
                scan_at_end(sr, r);
                assert_int_equal(sr->truncated(r), tail == 2);
                assert_int_equal(sr->lineno(r), 1 + marks + 1 + (tail > 0));
                sr->close(r);
            }
        }
    }
    free(text);
}

/* A last line cut short is a warning whatever its length, also when it
 * ends at a block boundary of the scan. */
static void cut_last_line_of_every_length(void **state)
{
    (void)state;
    static const char full[] = "req\t1764165600000002\thome\t200\t12\t3\t4\t1\tpeer\tv\tid\n";
    for (size_t cut = 1; cut < sizeof full - 1; cut++) {
        char text[256];
        size_t len = strlen(HEADER);
        memcpy(text, HEADER, len);
        memcpy(text + len, full, sizeof full - 1);
        len += sizeof full - 1;
        memcpy(text + len, full, cut);
        len += cut;
        const char *path = new_path("cut.log");
        write_file(path, text, len);
        for (size_t k = 0; k < sizeof scan_readers / sizeof scan_readers[0]; k++) {
            const struct scan_reader *sr = &scan_readers[k];
            struct logr *r = scan_open(sr, path);
            struct log_event ev;
            scan_next_ok(sr, r, &ev);
            assert_string_equal(ev.u.req.request_id, "id");
            scan_at_end(sr, r);
            assert_int_equal(sr->truncated(r), 1);
            assert_int_equal(sr->lineno(r), 3);
            sr->close(r);
        }
    }
}

/* Numbers are read 8 digits at a time: every length up to 20 digits, a
 * non-digit at every position, and the largest accepted value. */
static void numbers_of_every_length(void **state)
{
    (void)state;
    static const char digits[] = "12345678901234567890";
    const char *path = new_path("numbers.log");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(HEADER, f);
    for (int n = 1; n <= 20; n++) {
        fprintf(f, "mark\t%.*s\tok\n", n, digits);
        for (int at = 0; at < n; at++)
            fprintf(f, "mark\t%.*s%c%.*s\tbad\n", at, digits, ":/x "[at % 4], n - at - 1,
                    digits + at + 1);
    }
    fputs("mark\t922337203685477579\tok\n", f);
    fputs("mark\t9223372036854775799\tok\n", f);
    fputs("mark\t9223372036854775807\tbad\n", f);
    assert_int_equal(fclose(f), 0);
    for (size_t k = 0; k < sizeof scan_readers / sizeof scan_readers[0]; k++) {
        const struct scan_reader *sr = &scan_readers[k];
        struct logr *r = scan_open(sr, path);
        struct log_event ev;
        char err[512];
        int rc;
        int64_t want = 0, last = -1;
        long oks = 0, bads = 0;
        while ((rc = sr->next(r, &ev, err, sizeof err)) != 0) {
            if (rc < 0) {
                assert_non_null(strstr(err, "mark: bad time"));
                bads++;
                continue;
            }
            oks++;
            last = ev.wall_us;
            if (oks <= 19) {
                want = want * 10 + (digits[oks - 1] - '0');
                assert_int_equal(ev.wall_us, want);
            }
        }
        /* 1..19 digits read, 20 refused, a non-digit anywhere refused; the
         * overflow check refuses a value whose prefix exceeds INT64_MAX / 10
         * (INT64_MAX itself, too), not one just below */
        assert_int_equal(oks, 19 + 2);
        assert_int_equal(last, 9223372036854775799);
        assert_int_equal(bads, 1 + 20 * 21 / 2 + 1);
        sr->close(r);
    }
}

/* logr_last_time: the latest time among the last whole lines, a cut last
 * line ignored, the stream left where it was; 0 for a pipe or a log that
 * holds its header alone; a last line longer than the first chunk read. */
static void last_time_reads_the_end(void **state)
{
    (void)state;
    static const char head[] = "#pbprobe-log 1\tstart_us=1000\n";
    const char *path = new_path("last-time.log");
    char *text = malloc(300000);
    assert_non_null(text);
    size_t len = (size_t)sprintf(text, "%s", head);
    for (int i = 0; i < 5000; i++)
        len += (size_t)sprintf(text + len, "mark\t%d\tm\n", 2000 + i);
    /* written at completion: a line of an earlier time may come last */
    len += (size_t)sprintf(text + len, "mark\t1500\tm\nmark\t99999\tcut mid-wri");
    write_file(path, text, len);
    struct logr *r = open_reader(path);
    int64_t t = -1;
    assert_int_equal(logr_last_time(r, &t), 1);
    assert_int_equal(t, 2000 + 4999);
    struct log_event ev;
    next_ok(r, &ev); /* the stream did not move */
    assert_int_equal(ev.wall_us, 2000);
    logr_close(r);

    path = new_path("header-only.log");
    write_file(path, head, sizeof head - 1);
    r = open_reader(path);
    assert_int_equal(logr_last_time(r, &t), 0);
    logr_close(r);

    /* a last line of 200 KB: the chunk grows until it holds a whole line */
    path = new_path("long-last.log");
    len = (size_t)sprintf(text, "%smark\t7000\t", head);
    memset(text + len, 'x', 200000);
    len += 200000;
    text[len++] = '\n';
    write_file(path, text, len);
    r = open_reader(path);
    assert_int_equal(logr_last_time(r, &t), 1);
    assert_int_equal(t, 7000);
    logr_close(r);
    free(text);

    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], head, sizeof head - 1), (ssize_t)(sizeof head - 1));
    close(fds[1]);
    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/dev/fd/%d", fds[0]);
    r = open_reader(fdpath);
    assert_int_equal(logr_last_time(r, &t), 0);
    logr_close(r);
    close(fds[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_round_trips),
        cmocka_unit_test(header_without_optional_keys),
        cmocka_unit_test(repeated_header_keys_keep_the_last),
        cmocka_unit_test(every_event_kind_round_trips),
        cmocka_unit_test(logw_event_rewrites_every_kind),
        cmocka_unit_test(every_outcome_round_trips),
        cmocka_unit_test(special_characters_round_trip),
        cmocka_unit_test(many_lines_round_trip),
        cmocka_unit_test(truncated_last_line_is_reported_not_read),
        cmocka_unit_test(unknown_kinds_are_skipped_and_counted),
        cmocka_unit_test(nul_after_the_kind_is_still_a_req),
        cmocka_unit_test(header_number_with_an_escaped_tab_is_refused),
        cmocka_unit_test(extra_trailing_fields_are_ignored),
        cmocka_unit_test(malformed_lines_name_path_and_line),
        cmocka_unit_test(over_long_line_is_skipped),
        cmocka_unit_test(empty_file_is_refused),
        cmocka_unit_test(other_files_are_refused),
        cmocka_unit_test(newer_version_is_refused),
        cmocka_unit_test(concatenated_logs_are_refused),
        cmocka_unit_test(write_error_is_reported),
        cmocka_unit_test(tab_and_backslash_at_every_block_position),
        cmocka_unit_test(fields_past_the_limit_are_ignored),
        cmocka_unit_test(lines_at_buffer_boundaries),
        cmocka_unit_test(cut_last_line_of_every_length),
        cmocka_unit_test(numbers_of_every_length),
        cmocka_unit_test(last_time_reads_the_end),
    };
    return cmocka_run_group_tests_name("logfmt", tests, setup, teardown);
}
