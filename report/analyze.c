/* Per-target running state and its finish (analyze.h). analyze_req is the
 * hot path: ten million calls for a big log, so it does array indexing and
 * little else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "blind.h"
#include "bursts.h"
#include "spans.h"
#include "splits.h"
#include "versions.h"
#include "windows.h"

/* Latencies are kept to 3 significant digits up to an hour: no timeout is longer. */
#define LATENCY_MAX_US (3600LL * 1000000)
/* The per-second p99 needs less: 2 digits (1%) in a 27 KB histogram reset
 * every second, instead of a histogram per second kept forever. */
#define SECOND_DIGITS 2

struct an_state {
    const struct rep_config *cfg;
    unsigned char class_of[OUTCOME_MAX];
    int64_t gap_us;
    struct win_state win;
    struct burst_state burst;
    struct blind_state blind;
    int64_t interval_us; /* between ticks of the target (all its logs together) */
    struct ver_state ver;
    struct split_state *split; /* by peer, connection, protocol; NULL until a request */
    struct hist second;        /* latencies of the current second */
    int64_t cur_s;             /* its Unix second, or -1 */
    uint32_t series_cap;
};

struct analyzer {
    struct an_state **state; /* per target index; NULL once finished */
    int n, cap;
};

struct analyzer *analyzer_new(void)
{
    return calloc(1, sizeof(struct analyzer));
}

static void drop_state(struct an_state *s)
{
    if (s == NULL)
        return;
    hist_free(&s->second);
    splits_free(s->split);
    free(s);
}

void analyzer_free(struct analyzer *a)
{
    if (a == NULL)
        return;
    for (int i = 0; i < a->n; i++)
        drop_state(a->state[i]);
    free(a->state);
    free(a);
}

static void fill_classes(unsigned char *class_of, const unsigned char *ok)
{
    for (int o = 0; o < OUTCOME_MAX; o++) {
        if (outcome_is_http(o))
            class_of[o] = ok[o] ? AN_OK : AN_HTTP;
        else if (o == OUTCOME_CONNECT)
            class_of[o] = AN_CONNECT;
        else if (o == OUTCOME_TIMEOUT)
            class_of[o] = AN_TIMEOUT;
        else if (o == OUTCOME_RESET)
            class_of[o] = AN_RESET;
        else if (o == OUTCOME_SKIPPED)
            class_of[o] = AN_SKIPPED;
        else
            class_of[o] = AN_OTHER;
    }
}

int analyze_target_init(struct analyzer *a, int ti, struct an_target *t,
                        const struct rep_config *cfg, const unsigned char ok_status[OUTCOME_MAX],
                        char *err, size_t errlen)
{
    if (ti >= a->cap) {
        int cap = a->cap ? a->cap * 2 : 8;
        while (cap <= ti)
            cap *= 2;
        struct an_state **n = realloc(a->state, (size_t)cap * sizeof *n);
        if (n == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        memset(n + a->cap, 0, (size_t)(cap - a->cap) * sizeof *n);
        a->state = n;
        a->cap = cap;
    }
    struct an_state *s = calloc(1, sizeof *s);
    if (s == NULL || hist_init(&t->latency, 3, LATENCY_MAX_US) < 0 ||
        hist_init(&s->second, SECOND_DIGITS, LATENCY_MAX_US) < 0) {
        if (s)
            hist_free(&s->second);
        free(s);
        hist_free(&t->latency);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->cfg = cfg;
    fill_classes(s->class_of, ok_status);
    s->cur_s = -1;
    s->gap_us = -1; /* set at the first request, when the rate is final */
    s->burst.first_ok_after_us = -1;
    versions_init(&t->versions, &s->ver);
    a->state[ti] = s;
    if (ti >= a->n)
        a->n = ti + 1;
    t->first_us = t->last_us = -1;
    t->first_fail_us = t->last_fail_us = -1;
    t->availability = -1;
    return 0;
}

/* Floor division: times are positive, but a second boundary must not depend on it. */
static int64_t second_of(int64_t t_us)
{
    return t_us >= 0 ? t_us / 1000000 : -((-t_us + 999999) / 1000000);
}

static void close_second(struct an_target *t, struct an_state *s)
{
    if (s->cur_s < 0)
        return;
    uint32_t i = (uint32_t)(s->cur_s - t->series_start_s);
    int64_t p50 = s->second.count ? hist_percentile(&s->second, 50) : 0;
    int64_t p99 = s->second.count ? hist_percentile(&s->second, 99) : 0;
    t->series[i].p50_us = p50 > UINT32_MAX ? UINT32_MAX : (uint32_t)p50;
    t->series[i].p99_us = p99 > UINT32_MAX ? UINT32_MAX : (uint32_t)p99;
    hist_reset(&s->second);
}

/* Moves the series to second sec; returns its slot, or NULL when memory is short. */
static struct an_second *series_at(struct an_target *t, struct an_state *s, int64_t sec)
{
    if (sec == s->cur_s)
        return &t->series[sec - t->series_start_s];
    close_second(t, s);
    if (t->series_len == 0)
        t->series_start_s = sec;
    int64_t i = sec - t->series_start_s;
    if (i < 0 || i > ANALYZE_SPAN_MAX_US / 1000000 + 1)
        return NULL; /* out of order or beyond the span ingest allows: a bug upstream */
    if ((uint64_t)i >= s->series_cap) {
        uint32_t cap = s->series_cap ? s->series_cap : 64;
        while (cap <= (uint64_t)i)
            cap *= 2;
        struct an_second *n = realloc(t->series, (size_t)cap * sizeof *n);
        if (n == NULL)
            return NULL;
        memset(n + s->series_cap, 0, (size_t)(cap - s->series_cap) * sizeof *n);
        t->series = n;
        s->series_cap = cap;
    }
    if ((uint64_t)i >= t->series_len)
        t->series_len = (uint32_t)i + 1;
    s->cur_s = sec;
    return &t->series[i];
}

/* Set at the first request, when the rate (summed over the logs) is final. */
static void first_request(struct an_target *t, struct an_state *s)
{
    /* failures one success apart are one burst at any rate: 50% errors
     * at 0.5 requests a second are still a burst */
    int64_t two_ticks = t->rate > 0 ? (int64_t)(2e6 / t->rate) : 0;
    s->gap_us = s->cfg->burst_gap_us > two_ticks ? s->cfg->burst_gap_us : two_ticks;
    s->interval_us = t->rate > 0 ? (int64_t)(1e6 / t->rate) : 0;
}

int analyze_req(struct analyzer *a, int ti, struct an_target *t, int64_t t_us, int64_t sent_us,
                int64_t latency_us, int outcome, int late, int vidx, const char *vname,
                struct split_where where)
{
    struct an_state *s = a->state[ti];
    const int max_listed = s->cfg->max_listed;
    int cls = s->class_of[outcome];
    if (s->gap_us < 0)
        first_request(t, s);
    if (late && cls != AN_SKIPPED)
        cls = AN_LATE;
    struct an_second *sec = series_at(t, s, second_of(t_us));
    if (sec == NULL)
        return -1;
    if (t->first_us < 0)
        t->first_us = t_us;
    t->last_us = t_us;
    t->requests++;
    sec->n[cls]++;
    if (cls == AN_SKIPPED || cls == AN_LATE) {
        /* neither a success nor a failure: no window opens or closes; the
         * outcome of a late request is not counted as the server's either */
        if (cls == AN_SKIPPED) {
            t->outcomes[outcome]++;
            t->skipped++;
        } else {
            t->late++;
        }
        blind_add(&s->blind, t_us, t_us + s->interval_us, 1);
        return 0;
    }
    t->outcomes[outcome]++;
    if (splits_req(&s->split, where, outcome, cls != AN_OK,
                   (uint32_t)(second_of(t_us) - t->series_start_s)) < 0)
        return -1;
    if (blind_seen(&s->blind, &t->blind, t_us, max_listed) < 0)
        return -1;
    hist_record(&t->latency, latency_us);
    hist_record(&s->second, latency_us);
    if (vidx > 0)
        versions_req(&t->versions, &s->ver, vidx, vname, t_us);
    if (cls == AN_OK) {
        t->ok++;
        if (vidx == 0)
            t->versions.unversioned++;
        if (win_ok(&s->win, &t->windows, sent_us, max_listed) < 0 ||
            burst_ok(&s->burst, &t->bursts, sent_us, s->gap_us, max_listed) < 0)
            return -1;
        return 0;
    }
    t->failed++;
    if (t->first_fail_us < 0 || sent_us < t->first_fail_us)
        t->first_fail_us = sent_us;
    if (t_us + latency_us > t->last_fail_us)
        t->last_fail_us = t_us + latency_us;
    /* windows and bursts on observed time: the server as the request found it */
    win_fail(&s->win, sent_us, t_us + latency_us, outcome);
    return burst_fail(&s->burst, &t->bursts, sent_us, t_us + latency_us, outcome, s->gap_us,
                      max_listed);
}

void analyze_missing(struct analyzer *a, int ti, struct an_target *t, uint64_t n, int64_t from_us,
                     int64_t until_us)
{
    struct an_state *s = a->state[ti];
    if (s->gap_us < 0)
        first_request(t, s);
    t->missing += n;
    blind_add(&s->blind, from_us, until_us, n);
}

void analyze_cut_short(struct an_target *t)
{
    t->cut_short = 1;
}

static int finish_target(struct analysis *an, struct an_target *t, struct an_state *s)
{
    int rc = 0;
    if (s == NULL)
        return 0;
    close_second(t, s);
    if (win_end(&s->win, &t->windows, s->cfg->max_listed) < 0 ||
        burst_end(&s->burst, &t->bursts, s->cfg->max_listed) < 0 ||
        blind_end(&s->blind, &t->blind, t->cut_short, s->cfg->max_listed) < 0)
        rc = -1;
    versions_finish(&t->versions, &s->ver);
    if (splits_finish(t->by, s->split, an) < 0 ||
        splits_peer_series(&t->peer_series, s->split, &t->by[AN_BY_PEER], an, t->series_len) < 0)
        rc = -1;
    t->worst_second_us = -1;
    for (uint32_t i = 0; i < t->series_len; i++) {
        const struct an_second *sec = &t->series[i];
        uint64_t sent = 0;
        for (int k = 0; k < AN_NCLASS; k++)
            if (k != AN_SKIPPED && k != AN_LATE)
                sent += sec->n[k];
        if (sent == 0 || sent == sec->n[AN_OK])
            continue;
        double rate = (double)(sent - sec->n[AN_OK]) / (double)sent;
        if (rate > t->worst_second_rate) {
            t->worst_second_rate = rate;
            t->worst_second_us = (t->series_start_s + (int64_t)i) * 1000000;
        }
    }
    spans_finish(&t->windows);
    spans_finish(&t->bursts);
    spans_finish(&t->blind);
    t->lat.p50 = hist_percentile(&t->latency, 50);
    t->lat.p90 = hist_percentile(&t->latency, 90);
    t->lat.p99 = hist_percentile(&t->latency, 99);
    t->lat.p999 = hist_percentile(&t->latency, 99.9);
    t->lat.max = t->latency.count ? t->latency.max : 0;
    t->lat.mean = hist_mean(&t->latency);
    if (t->ok + t->failed > 0)
        t->availability = (double)t->ok / (double)(t->ok + t->failed);
    struct an_spans *lists[3] = {&t->windows, &t->bursts, &t->blind};
    for (int l = 0; l < 3; l++) {
        for (int i = 0; i < lists[l]->nlisted; i++) {
            lists[l]->listed[i].phase = analysis_phase_at(an, lists[l]->listed[i].start_us);
            lists[l]->listed[i].event = analysis_event_at(an, lists[l]->listed[i].start_us);
        }
        if (lists[l]->count) {
            lists[l]->longest.phase = analysis_phase_at(an, lists[l]->longest.start_us);
            lists[l]->longest.event = analysis_event_at(an, lists[l]->longest.start_us);
        }
    }
    return rc;
}

static int by_time(const void *a, const void *b)
{
    const struct an_event *x = a, *y = b;
    if (x->t_us != y->t_us)
        return (x->t_us > y->t_us) - (x->t_us < y->t_us);
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* How long users were hurt before each live abort and after it, while the
 * rollback healed: from the first failure of any target to the abort, and
 * from the abort to the last failure's end. */
static void abort_effect(struct analysis *an)
{
    int64_t first = -1, last = -1;
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        if (t->first_fail_us >= 0 && (first < 0 || t->first_fail_us < first))
            first = t->first_fail_us;
        if (t->last_fail_us > last)
            last = t->last_fail_us;
    }
    for (int i = 0; i < an->nlogs; i++) {
        struct an_log *l = &an->logs[i];
        if (!l->abort.present)
            continue;
        l->abort.before_us = first >= 0 && first <= l->abort.t_us ? l->abort.t_us - first : -1;
        l->abort.after_us = last > l->abort.t_us ? last - l->abort.t_us : -1;
    }
}

int analyze_finish(struct analyzer *a, struct analysis *an, char *err, size_t errlen)
{
    int rc = 0;
    if (an->ntimeline > 1) /* qsort(NULL, 0) is undefined */
        qsort(an->timeline, (size_t)an->ntimeline, sizeof *an->timeline, by_time);
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        if (finish_target(an, &an->targets[i], i < a->n ? a->state[i] : NULL) < 0)
            rc = -1;
        if (i < a->n) {
            drop_state(a->state[i]);
            a->state[i] = NULL;
        }
        an->total.requests += t->requests;
        an->total.ok += t->ok;
        an->total.failed += t->failed;
        an->total.skipped += t->skipped;
    }
    abort_effect(an);
    if (rc < 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}
