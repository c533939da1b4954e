/* Unit tests of the window and burst state machines, the bounded span list,
 * outcome mixes and version tracking: random request sequences are checked
 * against a brute-force reading of the definitions in pbprobe-report(1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../report/bursts.h"
#include "../report/mix.h"
#include "../report/spans.h"
#include "../report/versions.h"
#include "../report/windows.h"

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

enum kind { OK, FAIL, SKIP };
struct req {
    int64_t t, lat;
    enum kind kind;
};

/* A sequence with runs, so that windows of several requests happen: the
 * state changes with probability 1/run. Ticks 10 ms apart, jittered. */
static int make_sequence(struct req *q, int n, int fail_pct, int run)
{
    enum kind k = OK;
    int64_t t = 1000000;
    for (int i = 0; i < n; i++) {
        if ((int)(rng() % (uint64_t)run) == 0)
            k = (int)(rng() % 100) < fail_pct ? FAIL : OK;
        q[i].kind = (rng() % 50 == 0) ? SKIP : k;
        q[i].t = t;
        q[i].lat = 100 + (int64_t)(rng() % 5000);
        t += 5000 + (int64_t)(rng() % 10000) * (rng() % 20 == 0 ? 200 : 1);
    }
    return n;
}

/* Windows by the definition, over the whole array at once. */
static int ref_windows(const struct req *q, int n, struct an_span *out)
{
    int nw = 0;
    for (int i = 0; i < n;) {
        if (q[i].kind != FAIL) {
            i++;
            continue;
        }
        struct an_span w = {.start_us = q[i].t, .end_us = -1};
        int64_t done = q[i].t;
        int j = i;
        for (; j < n && q[j].kind != OK; j++) {
            if (q[j].kind == FAIL) {
                w.failed++;
                if (q[j].t + q[j].lat > done)
                    done = q[j].t + q[j].lat;
            }
        }
        w.requests = w.failed;
        if (j < n) {
            w.end_us = q[j].t;
        } else {
            w.end_us = done;
            w.open = 1;
        }
        out[nw++] = w;
        i = j;
    }
    return nw;
}

/* Bursts by the definition: clusters of failures at most gap apart. */
static int ref_bursts(const struct req *q, int n, int64_t gap, struct an_span *out)
{
    int nb = 0;
    int i = 0;
    while (i < n) {
        if (q[i].kind != FAIL) {
            i++;
            continue;
        }
        int first = i, last = i;
        for (int j = i + 1; j < n; j++) {
            if (q[j].kind != FAIL)
                continue;
            if (q[j].t - q[last].t > gap)
                break;
            last = j;
        }
        struct an_span b = {.start_us = q[first].t};
        int64_t done = q[first].t;
        for (int j = first; j <= last; j++) {
            if (q[j].kind == SKIP)
                continue;
            b.requests++;
            if (q[j].kind == FAIL) {
                b.failed++;
                if (q[j].t + q[j].lat > done)
                    done = q[j].t + q[j].lat;
            }
        }
        int next_fail = -1, first_ok = -1;
        for (int j = last + 1; j < n; j++) {
            if (q[j].kind == OK && first_ok < 0)
                first_ok = j;
            if (q[j].kind == FAIL) {
                next_fail = j;
                break;
            }
        }
        if (first_ok >= 0) {
            b.end_us = q[first_ok].t;
        } else {
            b.end_us = done;
            b.open = next_fail < 0;
        }
        if (b.failed != b.requests)
            out[nb++] = b;
        i = next_fail >= 0 ? next_fail : n;
    }
    return nb;
}

static void run_machines(const struct req *q, int n, int64_t gap, int max_listed,
                         struct an_spans *w, struct an_spans *b)
{
    static struct win_state ws;
    static struct burst_state bs;
    memset(&ws, 0, sizeof ws);
    memset(&bs, 0, sizeof bs);
    bs.first_ok_after_us = -1;
    for (int i = 0; i < n; i++) {
        if (q[i].kind == SKIP)
            continue;
        if (q[i].kind == OK) {
            assert_int_equal(win_ok(&ws, w, q[i].t, max_listed), 0);
            assert_int_equal(burst_ok(&bs, b, q[i].t, gap, max_listed), 0);
        } else {
            win_fail(&ws, q[i].t, q[i].t + q[i].lat, 503);
            assert_int_equal(burst_fail(&bs, b, q[i].t, q[i].t + q[i].lat, 503, gap, max_listed),
                             0);
        }
    }
    assert_int_equal(win_end(&ws, w, max_listed), 0);
    assert_int_equal(burst_end(&bs, b, max_listed), 0);
    spans_finish(w);
    spans_finish(b);
}

static void assert_same_spans(const struct an_span *ref, int nref, const struct an_spans *got)
{
    int64_t total = 0;
    assert_int_equal(got->count, nref);
    assert_int_equal(got->nlisted, nref);
    for (int i = 0; i < nref; i++) {
        assert_int_equal(got->listed[i].start_us, ref[i].start_us);
        assert_int_equal(got->listed[i].end_us, ref[i].end_us);
        assert_int_equal(got->listed[i].failed, ref[i].failed);
        assert_int_equal(got->listed[i].requests, ref[i].requests);
        assert_int_equal(got->listed[i].open, ref[i].open);
        assert_int_equal(got->listed[i].mix.n, 1);
        assert_int_equal(got->listed[i].mix.count[0], ref[i].failed);
        total += ref[i].end_us - ref[i].start_us;
    }
    assert_int_equal(got->total_us, total);
}

static void windows_and_bursts_match_the_definitions(void **state)
{
    (void)state;
    enum { N = 3000 };
    static struct req q[N];
    static struct an_span ref[N];
    for (int round = 0; round < 200; round++) {
        int n = 1 + (int)(rng() % N);
        int64_t gap = 1000 + (int64_t)(rng() % 100000);
        make_sequence(q, n, (int)(rng() % 101), 1 + (int)(rng() % 30));
        struct an_spans w = {0}, b = {0};
        run_machines(q, n, gap, N, &w, &b);
        assert_same_spans(ref, ref_windows(q, n, ref), &w);
        assert_same_spans(ref, ref_bursts(q, n, gap, ref), &b);
        spans_free(&w);
        spans_free(&b);
    }
}

static void a_window_ends_at_the_next_success(void **state)
{
    (void)state;
    struct req q[] = {{0, 10, OK},    {100, 10, FAIL}, {200, 500, FAIL},
                      {300, 0, SKIP}, {400, 10, OK},   {500, 10, FAIL}};
    struct an_spans w = {0}, b = {0};
    run_machines(q, 6, 1000, 10, &w, &b);
    assert_int_equal(w.count, 2);
    assert_int_equal(w.listed[0].start_us, 100);
    assert_int_equal(w.listed[0].end_us, 400); /* the skipped tick does not end it */
    assert_int_equal(w.listed[0].failed, 2);
    assert_int_equal(w.listed[0].open, 0);
    assert_int_equal(w.listed[1].start_us, 500);
    assert_int_equal(w.listed[1].end_us, 510); /* open: its completion */
    assert_int_equal(w.listed[1].open, 1);
    assert_int_equal(w.total_us, 310);
    assert_int_equal(w.longest.start_us, 100);
    /* one cluster (gaps of 100..300): 3 failures in 4 requests */
    assert_int_equal(b.count, 1);
    assert_int_equal(b.listed[0].start_us, 100);
    assert_int_equal(b.listed[0].requests, 4);
    assert_int_equal(b.listed[0].failed, 3);
    assert_int_equal(b.listed[0].open, 1);
    spans_free(&w);
    spans_free(&b);
}

static void a_total_outage_is_a_window_not_a_burst(void **state)
{
    (void)state;
    struct req q[] = {{0, 10, OK}, {100, 10, FAIL}, {200, 10, FAIL}, {300, 10, OK}};
    struct an_spans w = {0}, b = {0};
    run_machines(q, 4, 1000, 10, &w, &b);
    assert_int_equal(w.count, 1);
    assert_int_equal(b.count, 0);
    spans_free(&w);
    spans_free(&b);
}

static int cmp_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x < y) - (x > y);
}

static void the_list_keeps_the_longest_and_counts_all(void **state)
{
    (void)state;
    struct an_spans s = {0};
    int64_t total = 0, d[1000], kept[10];
    for (int i = 0; i < 1000; i++) {
        d[i] = (int64_t)(rng() % 100000);
        struct an_span sp = {.start_us = i * 1000000LL, .end_us = i * 1000000LL + d[i]};
        total += d[i];
        assert_int_equal(spans_add(&s, &sp, 10), 0);
    }
    spans_finish(&s);
    assert_int_equal(s.count, 1000);
    assert_int_equal(s.total_us, total);
    assert_int_equal(s.nlisted, 10);
    for (int i = 0; i < 10; i++) {
        kept[i] = s.listed[i].end_us - s.listed[i].start_us;
        if (i)
            assert_true(s.listed[i].start_us > s.listed[i - 1].start_us);
    }
    /* the ten kept are the ten longest of all */
    qsort(d, 1000, sizeof *d, cmp_desc);
    qsort(kept, 10, sizeof *kept, cmp_desc);
    for (int i = 0; i < 10; i++)
        assert_int_equal(kept[i], d[i]);
    assert_int_equal(s.longest.end_us - s.longest.start_us, d[0]);
    spans_free(&s);
}

static void a_mix_keeps_the_commonest_and_sums_the_rest(void **state)
{
    (void)state;
    static struct mixacc m;
    struct an_mix out;
    int counts[] = {5, 1, 9, 3, 3, 7, 2, 8};
    int outcomes[] = {503, 1, 502, 2, 3, 500, 504, 3 + 1};
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < counts[i]; k++)
            mixacc_add(&m, outcomes[i]);
    mixacc_take(&m, &out);
    assert_int_equal(out.n, AN_MIX_MAX);
    assert_int_equal(out.outcome[0], 502);
    assert_int_equal(out.count[0], 9);
    assert_int_equal(out.outcome[1], 4);
    assert_int_equal(out.outcome[2], 500);
    assert_int_equal(out.outcome[3], 503);
    assert_int_equal(out.outcome[4], 2); /* 3 and 3: the lower outcome first */
    assert_int_equal(out.outcome[5], 3);
    assert_int_equal(out.rest, 1 + 2);
    assert_int_equal(m.ntouched, 0);
    mixacc_take(&m, &out); /* emptied */
    assert_int_equal(out.n, 0);
}

static void versions_count_switches_and_flip_flops(void **state)
{
    (void)state;
    struct an_versions v;
    static struct ver_state s;
    const char *names[] = {NULL, "v1", "v2", "v3"};
    int seq[] = {1, 1, 2, 1, 2, 2, 3, 2, 3, 3};
    versions_init(&v, &s);
    for (int i = 0; i < 10; i++)
        versions_req(&v, &s, seq[i], names[seq[i]], 100 * i);
    versions_finish(&v, &s);
    assert_int_equal(v.n, 3);
    assert_string_equal(v.v[0].name, "v1");
    assert_int_equal(v.v[0].requests, 3);
    assert_int_equal(v.v[1].requests, 4);
    assert_int_equal(v.switches, 6);
    assert_int_equal(v.flip_flops, 2); /* 2->1 and 3->2 */
    assert_int_equal(v.final, 2);
    assert_int_equal(v.mixed_start_us, 600);
    assert_int_equal(v.mixed_end_us, 700);
}

/* Observed times out of schedule order: the first failure was written after
 * a slow connect, later than the failures due after it, and a success closing
 * the first window was written after the second window had begun. */
static void observed_times_out_of_order(void **state)
{
    (void)state;
    struct win_state ws;
    struct burst_state bs;
    struct an_spans w = {0}, b = {0};
    memset(&ws, 0, sizeof ws);
    memset(&bs, 0, sizeof bs);
    bs.first_ok_after_us = -1;
    /* due 0, written at 900; due 100..800, written on time: all failed */
    win_fail(&ws, 900, 901, 503);
    for (int64_t t = 100; t <= 800; t += 100)
        win_fail(&ws, t, t + 1, 503);
    /* due 900, a success written at 850: before the first failure's write */
    assert_int_equal(win_ok(&ws, &w, 850, 10), 0);
    /* the next window: a failure written before the last one ended; it
     * starts where the previous one ended, never inside it */
    win_fail(&ws, 800, 801, 503);
    assert_int_equal(win_ok(&ws, &w, 1000, 10), 0);
    spans_finish(&w);
    assert_int_equal(w.count, 2);
    assert_int_equal(w.listed[0].start_us, 100); /* the earliest failure seen */
    assert_int_equal(w.listed[0].end_us, 900);   /* not before the latest */
    assert_int_equal(w.listed[1].start_us, 900);
    assert_int_equal(w.listed[1].end_us, 1000);
    assert_int_equal(w.total_us, 800 + 100);

    /* bursts: the gap counts from the latest failure seen, not the last in
     * schedule order, so one burst is not split in two */
    assert_int_equal(burst_fail(&bs, &b, 900, 901, 503, 150, 10), 0);
    assert_int_equal(burst_fail(&bs, &b, 100, 101, 503, 150, 10), 0);
    assert_int_equal(burst_ok(&bs, &b, 200, 150, 10), 0);
    assert_int_equal(burst_fail(&bs, &b, 1000, 1001, 503, 150, 10), 0);
    assert_int_equal(burst_ok(&bs, &b, 1100, 150, 10), 0);
    assert_int_equal(burst_end(&bs, &b, 10), 0);
    spans_finish(&b);
    assert_int_equal(b.count, 1);
    assert_int_equal(b.listed[0].start_us, 100);
    assert_int_equal(b.listed[0].end_us, 1100);
    assert_int_equal(b.listed[0].failed, 3);
    spans_free(&w);
    spans_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(windows_and_bursts_match_the_definitions),
        cmocka_unit_test(a_window_ends_at_the_next_success),
        cmocka_unit_test(observed_times_out_of_order),
        cmocka_unit_test(a_total_outage_is_a_window_not_a_burst),
        cmocka_unit_test(the_list_keeps_the_longest_and_counts_all),
        cmocka_unit_test(a_mix_keeps_the_commonest_and_sums_the_rest),
        cmocka_unit_test(versions_count_switches_and_flip_flops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
