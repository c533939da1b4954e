/* Unit tests of the prober's pure parts: error classes, the open-loop
 * schedule, secret redaction, marker lines, option parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../probe/classify.h"
#include "../probe/guard.h"
#include "../probe/mark.h"
#include "../probe/options.h"
#include "../probe/targets_file.h"
#include "redact.h"
#include "schedule.h"
#include "outcome.h"

static void classify_names_what_the_user_saw(void **state)
{
    (void)state;
    assert_int_equal(classify_transfer(CURLE_OK, 200, 0), 200);
    assert_int_equal(classify_transfer(CURLE_OK, 503, 0), 503);
    assert_int_equal(classify_transfer(CURLE_OK, 0, 0), OUTCOME_PROTOCOL);
    assert_int_equal(classify_transfer(CURLE_COULDNT_CONNECT, 0, ECONNREFUSED), OUTCOME_CONNECT);
    assert_int_equal(classify_transfer(CURLE_COULDNT_CONNECT, 0, 0), OUTCOME_CONNECT);
    /* the prober's own limits are not the server's failures */
    assert_int_equal(classify_transfer(CURLE_COULDNT_CONNECT, 0, EADDRNOTAVAIL), OUTCOME_SKIPPED);
    assert_int_equal(classify_transfer(CURLE_COULDNT_CONNECT, 0, EMFILE), OUTCOME_SKIPPED);
    assert_int_equal(classify_transfer(CURLE_SSL_CERTPROBLEM, 0, 0), OUTCOME_SKIPPED);
    assert_int_equal(classify_transfer(CURLE_SSL_CACERT_BADFILE, 0, 0), OUTCOME_SKIPPED);
    assert_int_equal(classify_transfer(CURLE_OPERATION_TIMEDOUT, 0, 0), OUTCOME_TIMEOUT);
    assert_int_equal(classify_transfer(CURLE_RECV_ERROR, 200, ECONNRESET), OUTCOME_RESET);
    assert_int_equal(classify_transfer(CURLE_PARTIAL_FILE, 200, 0), OUTCOME_RESET);
    assert_int_equal(classify_transfer(CURLE_GOT_NOTHING, 0, 0), OUTCOME_RESET);
    assert_int_equal(classify_transfer(CURLE_COULDNT_RESOLVE_HOST, 0, 0), OUTCOME_DNS);
    assert_int_equal(classify_transfer(CURLE_PEER_FAILED_VERIFICATION, 0, 0), OUTCOME_TLS);
    assert_int_equal(classify_transfer(CURLE_WEIRD_SERVER_REPLY, 0, 0), OUTCOME_PROTOCOL);
    assert_int_equal(classify_transfer(CURLE_UNSUPPORTED_PROTOCOL, 0, 0), OUTCOME_PROTOCOL);
    assert_int_equal(classify_transfer(CURLE_OUT_OF_MEMORY, 0, 0), OUTCOME_OTHER);
    /* --expect-body reads the page of a success, and only that */
    unsigned char ok[OUTCOME_MAX] = {0};
    ok[200] = ok[204] = ok[301] = ok[304] = 1;
    assert_true(classify_checks_body(200, ok));
    assert_false(classify_checks_body(503, ok));
    assert_false(classify_checks_body(204, ok));
    assert_false(classify_checks_body(301, ok));
    assert_false(classify_checks_body(304, ok));
    assert_false(classify_checks_body(OUTCOME_TIMEOUT, ok));
}

static void schedule_counts_exactly_rate_times_duration(void **state)
{
    (void)state;
    assert_int_equal(schedule_ticks_in(5000000, 200), 1000);
    assert_int_equal(schedule_ticks_in(1000000, 3), 3);
    assert_int_equal(schedule_ticks_in(1000001, 3), 4);
    assert_int_equal(schedule_ticks_in(10000000, 10000), 100000);
    assert_int_equal(schedule_ticks_in(1500000, 0.5), 1);
}

static void schedule_does_not_drift(void **state)
{
    (void)state;
    /* 1/3 s does not add up exactly; computing from i keeps tick 3000000 at 1e6 s */
    assert_int_equal(schedule_tick_us(0, 3, 3000000), 1000000000000LL);
    assert_int_equal(schedule_tick_us(100, 200, 1), 5100);
    assert_int_equal(schedule_tick_us(0, 7, 7), 1000000);
}

static void redact_hides_secrets(void **state)
{
    (void)state;
    char *argv[] = {"pbprobe",
                    "-H",
                    "Authorization: Bearer abc",
                    "--header=Cookie: s=1",
                    "-HX-Api-Key: k",
                    "-H",
                    "Accept: text/html",
                    "http://user:hunter2@host/",
                    "host=db password=pw1 user=x",
                    "it's"};
    char *line = redact_argv(10, argv, NULL);
    assert_non_null(line);
    assert_null(strstr(line, "abc"));
    assert_null(strstr(line, "s=1"));
    assert_null(strstr(line, "hunter2"));
    assert_null(strstr(line, "pw1"));
    assert_null(strstr(line, "Api-Key: k"));
    assert_non_null(strstr(line, "'Accept: text/html'"));
    assert_non_null(strstr(line, "user:<redacted>@host"));
    assert_non_null(strstr(line, "'it'\\''s'"));
    free(line);
}

/* redact_text(s, x) is want */
static void redacts_to(const char *s, const struct redact_names *x, const char *want)
{
    char *got = redact_text(s, x);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void redact_urls_and_conninfo(void **state)
{
    (void)state;
    redacts_to("http://u:p4ss@h:80/x?token=T0k&a=1&Key=K3y#token=frag&b", NULL,
               "http://u:<redacted>@h:80/x?token=<redacted>&a=1&Key=<redacted>#token=<redacted>&b");
    /* a token as the user name; OAuth's fragment */
    redacts_to("https://ghp_T0K@github.com/x", NULL, "https://<redacted>@github.com/x");
    redacts_to("https://h/cb#access_token=S3&x=1", NULL,
               "https://h/cb#access_token=<redacted>&x=1");
    /* a URL in a parameter's value, plain or percent-encoded; an encoded
     * name; what is not a secret stays as it is */
    redacts_to("http://h/?next=https://u:pw@h2/x&a=1", NULL, "http://h/?next=<redacted>&a=1");
    /* relative, scheme-relative, a parameter list, a fragment, twice encoded */
    redacts_to("http://h/?rel=/cb?token=T&b=1", NULL, "http://h/?rel=<redacted>&b=1");
    redacts_to("http://h/?next=//u:pw@h2/", NULL, "http://h/?next=<redacted>");
    redacts_to("http://h/?next=%2Fx%3Fsecret%3DS", NULL, "http://h/?next=<redacted>");
    redacts_to("http://h/?state=a%3Db%26password%3Dx", NULL, "http://h/?state=<redacted>");
    redacts_to("http://h/#next=/cb?token=abc", NULL, "http://h/#next=<redacted>");
    redacts_to("http://h/?n=https%253A%252F%252Fu%253Apw%2540h2", NULL, "http://h/?n=<redacted>");
    redacts_to("http://h/?path=/a/b&when=10:30", NULL, "http://h/?path=/a/b&when=10:30");
    redacts_to("http://h/?next=https%3A%2F%2Fu%3Apw%40h2%2F&c=3", NULL,
               "http://h/?next=<redacted>&c=3");
    redacts_to("http://h/?next=https%3A%2F%2Fh2%2F%3Ftoken%3Ds&d=4", NULL,
               "http://h/?next=<redacted>&d=4");
    redacts_to("http://h/?n=%00https%3A%2F%2Fu%3Apw%40h", NULL, "http://h/?n=<redacted>");
    redacts_to("http://h/?acc%65ss_token=abc&b=2", NULL, "http://h/?acc%65ss_token=<redacted>&b=2");
    redacts_to("http://h/?q=a%20b&t=10:30&u=https%3A%2F%2Fh%2F", NULL,
               "http://h/?q=a%20b&t=10:30&u=https%3A%2F%2Fh%2F");
    /* libpq's quoted and spaced values, sslpassword */
    redacts_to("host=h password='a b\\'c' user=u", NULL, "host=h password=<redacted> user=u");
    redacts_to("host=h password = x sslpassword=y", NULL,
               "host=h password = <redacted> sslpassword=<redacted>");
    /* a header for one target, and without a space */
    redacts_to("a:Authorization: Bearer special", NULL, "a:Authorization: <redacted>");
    redacts_to("Cookie:s=1", NULL, "Cookie:<redacted>");
    redacts_to("home=https://h/?X-Amz-Signature=abc;sig=d", NULL,
               "home=https://h/?X-Amz-Signature=<redacted>;sig=<redacted>");
    redacts_to("http://h?token=x", NULL, "http://h?token=<redacted>");
    redacts_to("http://h/a?b=c&token&tokens=1", NULL, "http://h/a?b=c&token&tokens=1");
    redacts_to("http://h/a@b:c", NULL, "http://h/a@b:c");
    redacts_to("http://h/?a=1&b=2", &(struct redact_names){.params = "x,B"},
               "http://h/?a=1&b=<redacted>");
    redacts_to("postgresql://app:pw@db/x?password=p2&sslmode=require", NULL,
               "postgresql://app:<redacted>@db/x?password=<redacted>&sslmode=require");
    redacts_to("host=db password=password=x user=u", NULL, "host=db password=<redacted> user=u");
    redacts_to("password=a host=b password=c", NULL,
               "password=<redacted> host=b password=<redacted>");
    redacts_to("--db-schema-query=SELECT 1 WHERE mypassword=1", NULL,
               "--db-schema-query=SELECT 1 WHERE mypassword=1");
    char *argv[] = {"pbprobe",     "-H",           "X-Tenant: t1",        "-H",
                    "X-Other: o1", "--cert",       "/c/client.pem:Kp4ss", "--cert=/c/b.pem:Kp5ss",
                    "--cert",      "/c/nopass.pem"};
    char *line = redact_argv(10, argv, &(struct redact_names){.headers = "x-tenant"});
    assert_non_null(line);
    assert_non_null(strstr(line, "'X-Tenant: <redacted>'"));
    assert_non_null(strstr(line, "'X-Other: o1'"));
    assert_non_null(strstr(line, " --cert '/c/client.pem:<redacted>' '--cert=/c/b.pem:<redacted>' "
                                 "--cert /c/nopass.pem"));
    free(line);
    /* flag clusters, abbreviations, bodies */
    char *more[] = {"pbprobe",        "-kH",    "Authorization:Bearer X1",
                    "-kHCookie: X2",  "--hea",  "X-Api-Key: X3",
                    "--cer=c.pem:X4", "--data", "user=a&password=X5",
                    "--data=@b.json", "--da",   "{\"pw\":\"X6\"}"};
    line = redact_argv(12, more, NULL);
    assert_non_null(line);
    for (int i = 1; i <= 6; i++) {
        char secret[4];
        snprintf(secret, sizeof secret, "X%d", i);
        if (strstr(line, secret))
            fail_msg("%s in %s", secret, line);
    }
    assert_non_null(strstr(line, "--data=@b.json"));
    free(line);
}

static void mark_lines_carry_their_time(void **state)
{
    (void)state;
    char a[] = "@1764165600123456 migration start";
    char b[] = "plain text";
    char c[] = "@notatime x";
    char d[] = "@m5000000 rollout";
    char e[] = "@m20000000 later than now";
    char f[] = "@m5000000,1764165001000000 relayed";
    int64_t t;
    const char *text;
    const int64_t now = 1764165700000000LL, offset = 1764165690000000LL;
    mark_parse_line(a, now, offset, &t, &text);
    assert_int_equal(t, 1764165600123456LL);
    assert_string_equal(text, "migration start");
    mark_parse_line(b, 42, offset, &t, &text);
    assert_int_equal(t, 42);
    assert_string_equal(text, "plain text");
    mark_parse_line(c, 42, offset, &t, &text);
    assert_int_equal(t, 42);
    assert_string_equal(text, "@notatime x");
    /* the monotonic time, on the prober's timeline */
    mark_parse_line(d, now, offset, &t, &text);
    assert_int_equal(t, offset + 5000000);
    assert_string_equal(text, "rollout");
    mark_parse_line(e, now, offset, &t, &text);
    assert_int_equal(t, now);
    /* with the wall time for relays: the monotonic time wins here */
    mark_parse_line(f, now, offset, &t, &text);
    assert_int_equal(t, offset + 5000000);
    assert_string_equal(text, "relayed");
}

static int parse(char **argv, int argc, struct probe_config *cfg, char *err)
{
    return options_parse(argc, argv, cfg, err, 256);
}

static void options_name_targets_and_rates(void **state)
{
    (void)state;
    struct probe_config cfg;
    char err[256];
    char *argv[] = {"pbprobe",
                    "--rate",
                    "100",
                    "-r",
                    "api:1k",
                    "home=http://h/",
                    "api=http://h/api/x?a=b",
                    "http://h/other",
                    "-t",
                    "250ms"};
    assert_int_equal(parse(argv, 10, &cfg, err), 0);
    assert_int_equal(cfg.ntargets, 3);
    assert_string_equal(cfg.targets[0].name, "home");
    assert_true(cfg.targets[0].rate == 100);
    assert_string_equal(cfg.targets[1].name, "api");
    assert_string_equal(cfg.targets[1].url, "http://h/api/x?a=b");
    assert_true(cfg.targets[1].rate == 1000);
    assert_string_equal(cfg.targets[2].name, "/other");
    assert_int_equal(cfg.targets[0].transfer.timeout_us, 250000);
    assert_int_equal(cfg.targets[2].transfer.timeout_us, 250000);
    assert_int_equal(cfg.timeout_max_us, 250000);
    options_free(&cfg);
    /* curl's -m and --max-time are the timeout */
    char *curlish[] = {"pbprobe", "-m", "3s", "http://h/"};
    assert_int_equal(parse(curlish, 4, &cfg, err), 0);
    assert_int_equal(cfg.targets[0].transfer.timeout_us, 3000000);
    options_free(&cfg);
    char *maxtime[] = {"pbprobe", "--max-time=750ms", "http://h/"};
    assert_int_equal(parse(maxtime, 3, &cfg, err), 0);
    assert_int_equal(cfg.targets[0].transfer.timeout_us, 750000);
    options_free(&cfg);
    /* the transfer options per target: NAME: for one, without for the rest;
     * a path's colon is not a name unless a target has it */
    char *transfer[] = {
        "pbprobe",  "-t",     "1s",           "-t",       "slow:5s",        "--dns-ttl",
        "0",        "--cert", "/dev/null:pw", "--cacert", "slow:/dev/null", "slow=http://h/s",
        "http://h/"};
    assert_int_equal(parse(transfer, 13, &cfg, err), 0);
    assert_int_equal(cfg.targets[0].transfer.timeout_us, 5000000);
    assert_int_equal(cfg.targets[1].transfer.timeout_us, 1000000);
    assert_int_equal(cfg.timeout_max_us, 5000000);
    assert_int_equal(cfg.targets[0].transfer.dns_ttl_s, 0);
    assert_int_equal(cfg.targets[1].transfer.dns_ttl_s, 0);
    assert_string_equal(cfg.targets[0].transfer.cert, "/dev/null");
    assert_string_equal(cfg.targets[1].transfer.cert_password, "pw");
    assert_string_equal(cfg.targets[0].transfer.cacert, "/dev/null");
    assert_null(cfg.targets[1].transfer.cacert);
    options_free(&cfg);
    /* libcurl's DNS cache and connection pool are shared: one value for all */
    char *ttl_named[] = {"pbprobe", "--dns-ttl", "a:0", "a=http://h/"};
    assert_int_equal(parse(ttl_named, 4, &cfg, err), -1);
    assert_non_null(strstr(err, "--dns-ttl: one value for every target"));
    /* curl's escaped colon in --cert's FILE */
    char cert_path[] = "/tmp/pbprobe-unit-a:b.XXXXXX";
    int fd = mkstemp(cert_path);
    assert_true(fd >= 0);
    close(fd);
    char escaped[64];
    snprintf(escaped, sizeof escaped, "/tmp/pbprobe-unit-a\\:%s:pw", cert_path + 20);
    char *colon_cert[] = {"pbprobe", "--cert", escaped, "http://h/"};
    assert_int_equal(parse(colon_cert, 4, &cfg, err), 0);
    assert_string_equal(cfg.targets[0].transfer.cert, cert_path);
    assert_string_equal(cfg.targets[0].transfer.cert_password, "pw");
    options_free(&cfg);
    unlink(cert_path);
    /* a named rate wins over the default wherever either stands */
    char *later[] = {"pbprobe", "-r", "api:7",          "-r",       "20",
                     "-r",      "30", "api=http://h/a", "http://h/"};
    assert_int_equal(parse(later, 9, &cfg, err), 0);
    assert_true(cfg.targets[0].rate == 7);
    assert_true(cfg.targets[1].rate == 30);
    options_free(&cfg);
}

static void options_choose_connections_per_target(void **state)
{
    (void)state;
    struct probe_config cfg;
    char err[256];
    char *argv[] = {"pbprobe",         "--connections",  "new",
                    "--connections",   "home:both",      "-r",
                    "home:7",          "home=http://h/", "api=http://h/api",
                    "other=http://h/o"};
    assert_int_equal(parse(argv, 10, &cfg, err), 0);
    assert_int_equal(cfg.ntargets, 4);
    /* the twin follows its target, on new connections, at the same rate */
    assert_string_equal(cfg.targets[0].name, "home");
    assert_false(cfg.targets[0].new_connection);
    assert_string_equal(cfg.targets[1].name, "home~new");
    assert_string_equal(cfg.targets[1].url, "http://h/");
    assert_true(cfg.targets[1].new_connection);
    assert_true(cfg.targets[0].rate == 7 && cfg.targets[1].rate == 7);
    assert_string_equal(cfg.targets[2].name, "api");
    assert_true(cfg.targets[2].new_connection);
    assert_string_equal(cfg.targets[3].name, "other");
    assert_true(cfg.targets[3].new_connection);
    options_free(&cfg);

    char *n[] = {"pbprobe",       "--new-connection", "--connections",
                 "api:keepalive", "http://h/",        "api=http://h/a"};
    assert_int_equal(parse(n, 6, &cfg, err), 0);
    assert_true(cfg.targets[0].new_connection);
    assert_false(cfg.targets[1].new_connection);
    options_free(&cfg);

    char *bad[] = {"pbprobe", "--connections", "fresh", "http://h/"};
    assert_int_equal(parse(bad, 4, &cfg, err), -1);
    assert_non_null(strstr(err, "\"fresh\" is not keepalive, new or both"));
    char *noname[] = {"pbprobe", "--connections", "x:new", "http://h/"};
    assert_int_equal(parse(noname, 4, &cfg, err), -1);
    assert_non_null(strstr(err, "--connections x:new: no target named \"x\""));
    char *clash[] = {"pbprobe", "--connections", "both", "a=http://h/", "a~new=http://h/n"};
    assert_int_equal(parse(clash, 5, &cfg, err), -1);
    assert_non_null(strstr(err, "as \"a~new\", which names another target"));
}

static void options_reject_with_a_reason(void **state)
{
    (void)state;
    struct probe_config cfg;
    char err[256];
    char *dup[] = {"pbprobe", "http://h/", "http://h/"};
    assert_int_equal(parse(dup, 3, &cfg, err), -1);
    assert_non_null(strstr(err, "two targets named \"/\""));
    char *norate[] = {"pbprobe", "--rate", "nope:5", "http://h/"};
    assert_int_equal(parse(norate, 4, &cfg, err), -1);
    assert_non_null(strstr(err, "no target named \"nope\""));
    char *cmd_no_o[] = {"pbprobe", "http://h/", "--", "true"};
    assert_int_equal(parse(cmd_no_o, 4, &cfg, err), -1);
    assert_non_null(strstr(err, "-o FILE"));
    char *cmd_dur[] = {"pbprobe", "-d", "1s", "-o", "x", "http://h/", "--", "true"};
    assert_int_equal(parse(cmd_dur, 8, &cfg, err), -1);
    assert_non_null(strstr(err, "--duration and a COMMAND"));
    char *badurl[] = {"pbprobe", "http://h:99999/"};
    assert_int_equal(parse(badurl, 2, &cfg, err), -1);
    assert_non_null(strstr(err, "bad URL"));
}

/* A targets file: a block's target comes before its settings, whatever the
 * place of its url; values keep their inner spaces; lines count from 1,
 * blank and comment lines included. */
static void targets_file_gives_targets_then_their_settings(void **state)
{
    (void)state;
    static const char text[] = "# two targets\r\n"
                               "home=http://h/\n"
                               "\n"
                               "[api]\n"
                               "  rate = 7 \n"
                               "header=X-A:  two  spaces\n"
                               "url\t=\thttp://h/api?q=a=b#frag\r\n"
                               "header = X-B: 1\n";
    struct targets_file tf;
    char err[256];
    assert_int_equal(targets_file_parse("f", text, sizeof text - 1, &tf, err, sizeof err), 0);
    assert_int_equal(tf.n, 5);
    assert_true(tf.e[0].is_target);
    assert_string_equal(tf.e[0].target, "home=http://h/");
    assert_int_equal(tf.e[0].line, 2);
    assert_true(tf.e[1].is_target);
    assert_string_equal(tf.e[1].target, "api=http://h/api?q=a=b#frag");
    assert_int_equal(tf.e[1].line, 7); /* the url's line: a bad URL is its error */
    assert_int_equal(tf.e[2].kind, SET_RATE);
    assert_string_equal(tf.e[2].name, "api");
    assert_string_equal(tf.e[2].value, "7");
    assert_int_equal(tf.e[2].line, 5);
    assert_int_equal(tf.e[3].kind, SET_HEADER);
    assert_string_equal(tf.e[3].value, "X-A:  two  spaces");
    assert_string_equal(tf.e[4].value, "X-B: 1");
    targets_file_free(&tf);
    static const char bad[] = "[a]\nurl = http://h/\n\nrequest = GET\nrequest = PUT\n";
    assert_int_equal(targets_file_parse("f", bad, sizeof bad - 1, &tf, err, sizeof err), -1);
    assert_string_equal(err, "f:5: request set twice in [a] (line 4)");
    targets_file_free(&tf);
}

/* -H, -X, --data and --expect-body, for every target or, with a target's
 * NAME:, for one; a colon of the value itself is not a name. */
static void options_set_requests_per_target(void **state)
{
    (void)state;
    struct probe_config cfg;
    char err[256];
    char *argv[] = {"pbprobe",
                    "-H",
                    "api:X-Token: t",
                    "-H",
                    "Accept: */*",
                    "-H",
                    "home: x",
                    "-X",
                    "api:PUT",
                    "--data",
                    "{\"a\":1}",
                    "--data",
                    "api:k=v",
                    "--expect-body",
                    "home:^ok",
                    "--expect-body",
                    "a:b",
                    "home=http://h/",
                    "api=http://h/api"};
    assert_int_equal(parse(argv, 19, &cfg, err), 0);
    const struct probe_target *home = &cfg.targets[0], *api = &cfg.targets[1];
    assert_int_equal(home->nheaders, 2);
    assert_string_equal(home->headers[0], "Accept: */*");
    assert_string_equal(home->headers[1], "home: x");
    assert_int_equal(api->nheaders, 3);
    assert_string_equal(api->headers[0], "Accept: */*");
    assert_string_equal(api->headers[1], "home: x");
    assert_string_equal(api->headers[2], "X-Token: t");
    assert_null(home->method);
    assert_string_equal(api->method, "PUT");
    assert_string_equal(home->body, "{\"a\":1}");
    assert_int_equal(home->body_len, 7);
    assert_string_equal(api->body, "k=v");
    assert_string_equal(home->expect_src, "^ok");
    assert_non_null(home->expect);
    assert_string_equal(api->expect_src, "a:b");
    options_free(&cfg);
    /* the twin of --connections both probes with the same settings */
    char *twin[] = {"pbprobe", "--connections", "both", "-H",
                    "X-A: 1",  "--expect-body", "ok",   "http://h/"};
    assert_int_equal(parse(twin, 8, &cfg, err), 0);
    assert_int_equal(cfg.ntargets, 2);
    assert_int_equal(cfg.targets[1].nheaders, 1);
    assert_true(cfg.targets[1].headers != cfg.targets[0].headers);
    assert_non_null(cfg.targets[1].expect);
    options_free(&cfg);
}

static void options_leave_the_command_alone(void **state)
{
    (void)state;
    struct probe_config cfg;
    char err[256];
    char *argv[] = {"pbprobe", "-o", "x.log", "http://h/", "--", "kubectl", "--rate", "-d", NULL};
    assert_int_equal(parse(argv, 8, &cfg, err), 0);
    assert_string_equal(cfg.command[0], "kubectl");
    assert_string_equal(cfg.command[1], "--rate");
    assert_string_equal(cfg.command[2], "-d");
    assert_null(cfg.command[3]);
    options_free(&cfg);
}

/* A guard of one target at 100/s (10 ms ticks) with one rule. */
static struct guard *one_rule(enum guard_rule rule, int64_t limit)
{
    static unsigned char ok[OUTCOME_MAX];
    ok[200] = 1;
    struct guard_target t = {.rate = 100};
    for (int r = 0; r < GUARD_NRULES; r++)
        t.limit[r] = -1;
    t.limit[rule] = limit;
    return guard_new(&t, 1, ok, 100000);
}

/* tick i of the guard above, scheduled at i * 10 ms, answered with outcome
 * (sent on time, 1 ms delay) */
static int resolve(struct guard *g, int i, int outcome, struct guard_breach *b)
{
    struct log_req q = {.wall_sched_us = (int64_t)i * 10000,
                        .outcome = outcome,
                        .latency_us = outcome == OUTCOME_SKIPPED ? -1 : 2000,
                        .delay_us = outcome == OUTCOME_SKIPPED ? -1 : 1000,
                        .lag_us = outcome == OUTCOME_SKIPPED ? -1 : 100,
                        .stalled = outcome == OUTCOME_SKIPPED ? -1 : 0};
    return guard_done(g, 0, &q, b);
}

static void guard_breaks_just_past_the_limit(void **state)
{
    (void)state;
    struct guard_breach b;
    /* max-errors=3: the third failure passes, the fourth breaks */
    struct guard *g = one_rule(GUARD_MAX_ERRORS, 3);
    for (int i = 0; i < 8; i++)
        assert_int_equal(guard_tick(g, 0, (int64_t)i * 10000), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(resolve(g, i, 503, &b), 0);
    assert_int_equal(resolve(g, 3, 200, &b), 0);
    assert_int_equal(resolve(g, 4, 503, &b), 1);
    assert_int_equal(b.rule, GUARD_MAX_ERRORS);
    assert_int_equal(b.value, 4);
    assert_int_equal(b.limit, 3);
    assert_int_equal(resolve(g, 5, 503, &b), 0); /* once */
    guard_free(g);

    /* max-window=30ms: failures observed at 1, 11, 21, 31 ms make a window of
     * 30 ms so far (at the limit), the next one of 40 ms (past it) */
    g = one_rule(GUARD_MAX_WINDOW, 30000);
    for (int i = 0; i < 8; i++)
        assert_int_equal(guard_tick(g, 0, (int64_t)i * 10000), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(resolve(g, i, OUTCOME_CONNECT, &b), 0);
    assert_int_equal(resolve(g, 4, OUTCOME_CONNECT, &b), 1);
    assert_int_equal(b.value, 40000);
    guard_free(g);
}

static void guard_judges_in_schedule_order(void **state)
{
    (void)state;
    struct guard_breach b;
    /* max-errors=1: two failures end before the success scheduled before
     * them; the breach is known at the second, whatever the order */
    struct guard *g = one_rule(GUARD_MAX_ERRORS, 1);
    for (int i = 0; i < 4; i++)
        assert_int_equal(guard_tick(g, 0, (int64_t)i * 10000), 0);
    assert_int_equal(resolve(g, 1, 503, &b), 0);
    assert_int_equal(resolve(g, 2, 503, &b), 0); /* tick 0 has not ended */
    assert_int_equal(resolve(g, 0, 200, &b), 1);
    assert_int_equal(b.value, 2);
    guard_free(g);

    /* max-window=25ms: a success scheduled between failures splits them
     * into two windows, though it ends last */
    g = one_rule(GUARD_MAX_WINDOW, 25000);
    for (int i = 0; i < 6; i++)
        assert_int_equal(guard_tick(g, 0, (int64_t)i * 10000), 0);
    assert_int_equal(resolve(g, 0, 503, &b), 0);
    assert_int_equal(resolve(g, 1, 503, &b), 0); /* 10 ms so far */
    assert_int_equal(resolve(g, 3, 503, &b), 0);
    assert_int_equal(resolve(g, 4, 503, &b), 0); /* waits for tick 2 */
    assert_int_equal(resolve(g, 2, 200, &b), 0); /* 20 ms closed, 10 ms open */
    guard_free(g);

    /* skipped and late ticks are blind, neither failure nor success */
    g = one_rule(GUARD_MAX_BLIND, 20000);
    for (int i = 0; i < 4; i++)
        assert_int_equal(guard_tick(g, 0, (int64_t)i * 10000), 0);
    assert_int_equal(resolve(g, 0, OUTCOME_SKIPPED, &b), 0);
    assert_int_equal(resolve(g, 1, OUTCOME_SKIPPED, &b), 0); /* 20 ms: at the limit */
    assert_int_equal(resolve(g, 2, OUTCOME_SKIPPED, &b), 1);
    assert_int_equal(b.value, 30000);
    guard_free(g);
}

static void guard_rules_parse_or_say_why(void **state)
{
    (void)state;
    enum guard_rule r;
    int64_t v;
    char why[256];
    assert_int_equal(guard_parse("max-window=2s", &r, &v, why, sizeof why), 0);
    assert_int_equal(r, GUARD_MAX_WINDOW);
    assert_int_equal(v, 2000000);
    assert_int_equal(guard_parse("max-errors=10", &r, &v, why, sizeof why), 0);
    assert_int_equal(v, 10);
    assert_int_equal(guard_parse("max-p99=1s", &r, &v, why, sizeof why), -1);
    assert_non_null(strstr(why, "not a live rule"));
    assert_int_equal(guard_parse("max-window", &r, &v, why, sizeof why), -1);
    assert_non_null(strstr(why, "no limit"));
    assert_int_equal(guard_parse("max-errors=1%", &r, &v, why, sizeof why), -1);
    assert_int_equal(guard_parse("max-blind=soon", &r, &v, why, sizeof why), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classify_names_what_the_user_saw),
        cmocka_unit_test(schedule_counts_exactly_rate_times_duration),
        cmocka_unit_test(schedule_does_not_drift),
        cmocka_unit_test(redact_hides_secrets),
        cmocka_unit_test(redact_urls_and_conninfo),
        cmocka_unit_test(mark_lines_carry_their_time),
        cmocka_unit_test(options_name_targets_and_rates),
        cmocka_unit_test(options_choose_connections_per_target),
        cmocka_unit_test(options_set_requests_per_target),
        cmocka_unit_test(options_reject_with_a_reason),
        cmocka_unit_test(targets_file_gives_targets_then_their_settings),
        cmocka_unit_test(options_leave_the_command_alone),
        cmocka_unit_test(guard_breaks_just_past_the_limit),
        cmocka_unit_test(guard_judges_in_schedule_order),
        cmocka_unit_test(guard_rules_parse_or_say_why),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
