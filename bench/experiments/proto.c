/* proto: a throwaway open-loop prober (libevent + libcurl multi-socket) whose
 * design choices are switches, to find which one makes the loop burn CPU in
 * curl_multi_socket_action. Not part of pbprobe; see bench/README.md.
 * Build: cc -O2 -o proto proto.c $(pkg-config --cflags --libs libcurl libevent) */
#include <curl/curl.h>
#include <event2/event.h>
#include <getopt.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define BUCKET_US 100000 /* the episodes to find last 100-300 ms */
#define TICKS_PER_TURN 256

struct opts {
    double rate, duration_s;
    const char *url, *out;
    int fresh, imprecise, warm, max_inflight;
    double hiccup_ms, hiccup_every_s; /* a stall of the loop, as a VM preemption makes */
    long max_host, max_total, maxconnects, dns_timeout, buffer_size;
};

struct req {
    CURL *easy;
    int64_t sched_us, handed_us;
    struct req *next_free;
};

struct bucket {
    uint64_t started, done, new_conns, skipped;
    int64_t max_delay_us, in_action_us, in_action_cpu_us;
    int64_t cpu_us; /* process CPU spent in this bucket */
};

static struct opts o = {.rate = 10000,
                        .duration_s = 10,
                        .max_inflight = 1000,
                        .max_host = -1,
                        .max_total = -1,
                        .maxconnects = -2,
                        .dns_timeout = -2,
                        .buffer_size = -1};
static struct event_base *base;
static CURLM *multi;
static struct event *timer_ev, *tick_ev;
static struct req *free_list;
static int inflight, made;
static int64_t t0_us, stop_us, next_hiccup_us;
static uint64_t next_tick, nticks;
static struct bucket *buckets;
static int nbuckets;
static FILE *out;

static int64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int64_t cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

static struct bucket *bucket_at(int64_t t_us)
{
    int64_t i = (t_us - t0_us) / BUCKET_US;
    if (i < 0)
        i = 0;
    if (i >= nbuckets)
        i = nbuckets - 1;
    return &buckets[i];
}

/* CPU is charged to the bucket in which it is noticed: fine at 100 ms. */
static void account_cpu(void)
{
    static int64_t last_cpu, last_bucket = -1;
    int64_t b = (now_us() - t0_us) / BUCKET_US;
    if (b == last_bucket)
        return;
    int64_t c = cpu_us();
    if (last_bucket >= 0 && last_bucket < nbuckets)
        buckets[last_bucket].cpu_us += c - last_cpu;
    last_cpu = c;
    last_bucket = b;
}

static void check_done(void)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *e = m->easy_handle;
        struct req *r;
        long code = 0, connects = 0;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
        int64_t t = now_us();
        struct bucket *b = bucket_at(r->sched_us);
        b->done++;
        b->new_conns += connects > 0;
        if (out)
            fprintf(out, "%lld\t%ld\t%lld\t%lld\t%ld\n", (long long)(r->sched_us - t0_us), code,
                    (long long)(t - r->sched_us), (long long)(r->handed_us - r->sched_us),
                    connects);
        curl_multi_remove_handle(multi, e);
        if (o.fresh) {
            curl_easy_cleanup(e);
            r->easy = NULL;
        }
        r->next_free = free_list;
        free_list = r;
        inflight--;
    }
}

static int64_t thread_cpu_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void action(curl_socket_t s, int ev)
{
    int running;
    int64_t t = now_us(), c = thread_cpu_us();
    curl_multi_socket_action(multi, s, ev, &running);
    int64_t t2 = now_us(), c2 = thread_cpu_us();
    bucket_at(t)->in_action_us += t2 - t;
    bucket_at(t)->in_action_cpu_us += c2 - c;
    check_done();
}

static void on_socket(evutil_socket_t fd, short kind, void *arg)
{
    (void)arg;
    action(fd, (kind & EV_READ ? CURL_CSELECT_IN : 0) | (kind & EV_WRITE ? CURL_CSELECT_OUT : 0));
}

static void on_timer(evutil_socket_t fd, short kind, void *arg)
{
    (void)fd, (void)kind, (void)arg;
    action(CURL_SOCKET_TIMEOUT, 0);
}

static int socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *sockp)
{
    struct event *ev = sockp;
    (void)e, (void)userp;
    if (ev) {
        event_free(ev);
        curl_multi_assign(multi, s, NULL);
    }
    if (what == CURL_POLL_REMOVE)
        return 0;
    short kind = (short)((what & CURL_POLL_IN ? EV_READ : 0) |
                         (what & CURL_POLL_OUT ? EV_WRITE : 0) | EV_PERSIST);
    ev = event_new(base, s, kind, on_socket, NULL);
    event_add(ev, NULL);
    curl_multi_assign(multi, s, ev);
    return 0;
}

static int timer_cb(CURLM *m, long ms, void *userp)
{
    (void)m, (void)userp;
    if (ms < 0) {
        evtimer_del(timer_ev);
    } else {
        struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
        evtimer_add(timer_ev, &tv);
    }
    return 0;
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
    (void)p, (void)u;
    return s * n;
}

static CURL *easy_new(struct req *r)
{
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, o.url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    if (o.dns_timeout != -2)
        curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, o.dns_timeout);
    if (o.buffer_size > 0)
        curl_easy_setopt(e, CURLOPT_BUFFERSIZE, o.buffer_size);
    return e;
}

static void start(int64_t sched_us)
{
    struct req *r = free_list;
    if (r) {
        free_list = r->next_free;
    } else if (made < o.max_inflight) {
        r = calloc(1, sizeof *r);
        made++;
    } else {
        bucket_at(sched_us)->skipped++;
        return;
    }
    if (r->easy == NULL)
        r->easy = easy_new(r);
    r->sched_us = sched_us;
    curl_multi_add_handle(multi, r->easy);
    r->handed_us = now_us();
    inflight++;
    bucket_at(sched_us)->started++;
}

static void on_tick(evutil_socket_t fd, short kind, void *arg)
{
    int64_t now = now_us();
    int sent = 0;
    (void)fd, (void)kind, (void)arg;
    account_cpu();
    if (o.hiccup_ms > 0 && now >= next_hiccup_us) {
        next_hiccup_us += (int64_t)(o.hiccup_every_s * 1e6);
        while (now_us() < now + (int64_t)(o.hiccup_ms * 1000))
            ;
        now = now_us();
    }
    while (next_tick < nticks) {
        int64_t due = t0_us + (int64_t)((double)next_tick * 1e6 / o.rate);
        if (due > now || sent == TICKS_PER_TURN) {
            int64_t d = sent == TICKS_PER_TURN ? 0 : due - now;
            struct timeval tv = {(time_t)(d / 1000000), (suseconds_t)(d % 1000000)};
            evtimer_add(tick_ev, &tv);
            break;
        }
        struct bucket *b = bucket_at(due);
        if (now - due > b->max_delay_us)
            b->max_delay_us = now - due;
        start(due);
        next_tick++;
        sent++;
    }
    if (sent)
        action(CURL_SOCKET_TIMEOUT, 0);
    if (next_tick == nticks && inflight == 0)
        event_base_loopbreak(base);
}

/* Opens n connections at once (n transfers in parallel), then returns them
 * to the cache: the state a prober is in after a server stall. */
static void warm(int n)
{
    CURL **e = calloc((size_t)n, sizeof *e);
    int running = 1;
    for (int i = 0; i < n; i++) {
        e[i] = easy_new(NULL);
        curl_multi_add_handle(multi, e[i]);
    }
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, NULL);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, NULL);
    while (running) {
        curl_multi_perform(multi, &running);
        curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    for (int i = 0; i < n; i++) {
        curl_multi_remove_handle(multi, e[i]);
        curl_easy_cleanup(e[i]);
    }
    free(e);
}

static void usage(void)
{
    fprintf(stderr, "usage: proto [--rate R] [--duration S] [--fresh] [--imprecise]\n"
                    "  [--max-host N] [--max-total N] [--maxconnects N] [--dns-timeout S]\n"
                    "  [--buffer-size B] [--warm N] [--max-inflight N]\n"
                    "  [--hiccup-ms MS] [--hiccup-every S] [-o FILE] URL\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"rate", 1, NULL, 'r'},        {"duration", 1, NULL, 'd'},     {"fresh", 0, NULL, 'f'},
        {"imprecise", 0, NULL, 'i'},   {"max-host", 1, NULL, 'H'},     {"max-total", 1, NULL, 'T'},
        {"maxconnects", 1, NULL, 'M'}, {"dns-timeout", 1, NULL, 'D'},  {"warm", 1, NULL, 'w'},
        {"buffer-size", 1, NULL, 'b'}, {"max-inflight", 1, NULL, 'm'}, {"output", 1, NULL, 'o'},
        {"hiccup-ms", 1, NULL, 'S'},   {"hiccup-every", 1, NULL, 'E'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "r:d:o:", lo, NULL)) != -1) {
        switch (c) {
        case 'r':
            o.rate = atof(optarg);
            break;
        case 'd':
            o.duration_s = atof(optarg);
            break;
        case 'f':
            o.fresh = 1;
            break;
        case 'i':
            o.imprecise = 1;
            break;
        case 'H':
            o.max_host = atol(optarg);
            break;
        case 'T':
            o.max_total = atol(optarg);
            break;
        case 'M':
            o.maxconnects = atol(optarg);
            break;
        case 'D':
            o.dns_timeout = atol(optarg);
            break;
        case 'w':
            o.warm = atoi(optarg);
            break;
        case 'b':
            o.buffer_size = atol(optarg);
            break;
        case 'm':
            o.max_inflight = atoi(optarg);
            break;
        case 'o':
            o.out = optarg;
            break;
        case 'S':
            o.hiccup_ms = atof(optarg);
            break;
        case 'E':
            o.hiccup_every_s = atof(optarg);
            break;
        default:
            usage();
        }
    }
    if (optind != argc - 1)
        usage();
    o.url = argv[optind];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct event_config *ec = event_config_new();
    if (!o.imprecise)
        event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
    base = event_base_new_with_config(ec);
    event_config_free(ec);
    multi = curl_multi_init();
    if (o.max_host >= 0)
        curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, o.max_host);
    if (o.max_total >= 0)
        curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, o.max_total);
    if (o.maxconnects != -2)
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, o.maxconnects);
    if (o.warm)
        warm(o.warm);
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    timer_ev = evtimer_new(base, on_timer, NULL);
    tick_ev = evtimer_new(base, on_tick, NULL);
    if (o.out)
        out = fopen(o.out, "w");
    nticks = (uint64_t)(o.rate * o.duration_s);
    nbuckets = (int)(o.duration_s * 1e6 / BUCKET_US) + 30;
    buckets = calloc((size_t)nbuckets, sizeof *buckets);
    t0_us = now_us();
    stop_us = t0_us + (int64_t)(o.duration_s * 1e6);
    if (o.hiccup_every_s <= 0)
        o.hiccup_every_s = 1;
    next_hiccup_us = t0_us + (int64_t)(o.hiccup_every_s * 1e6) / 2;
    event_active(tick_ev, 0, 0);
    int64_t cpu0 = cpu_us();
    event_base_dispatch(base);
    int64_t cpu_total = cpu_us() - cpu0;
    account_cpu();

    /* one line per bucket: where the time went, 100 ms at a time: ticks started,
     * skipped, new connections, worst tick delay, wall time inside
     * curl_multi_socket_action, process CPU, CPU inside curl_multi_socket_action */
    uint64_t done = 0, conns = 0;
    for (int i = 0; i < (int)(o.duration_s * 10); i++) {
        struct bucket *b = &buckets[i];
        printf("bucket\t%d\t%llu\t%llu\t%llu\t%lld\t%lld\t%lld\t%lld\n", i,
               (unsigned long long)b->started, (unsigned long long)b->skipped,
               (unsigned long long)b->new_conns, (long long)b->max_delay_us,
               (long long)b->in_action_us, (long long)b->cpu_us, (long long)b->in_action_cpu_us);
        done += b->done;
        conns += b->new_conns;
    }
    printf("total\tdone=%llu\tnew_conns=%llu\tcpu_us=%lld\tcpu_us_per_req=%.1f\n",
           (unsigned long long)done, (unsigned long long)conns, (long long)cpu_total,
           done ? (double)cpu_total / (double)done : 0);
    if (out)
        fclose(out);
    (void)stop_us;
    return 0;
}
