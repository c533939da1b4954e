/* HTTP probes on libcurl's multi-socket interface (http.h). The glue follows
 * libcurl's own hiperfifo example: libcurl says which sockets to watch and
 * when to wake it; libevent watches and wakes. */
#include <curl/curl.h>
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "classify.h"
#include "clock.h"
#include "http.h"
#include "outcome.h"
#include "reqid.h"

#define VERSION_MAX 128
#define REQID_HEADER "X-Request-ID: "

struct http_req {
    struct http *h;
    int target;
    CURL *easy;
    struct curl_slist *headers; /* first node is X-Request-ID, rewritten per request */
    char *reqid;                /* points into that node's text */
    int64_t mono_sched_us, mono_handed_us;
    int64_t mono_sent_us; /* when libcurl was about to send the request; 0 before */
    char version[VERSION_MAX];
    char error[CURL_ERROR_SIZE]; /* libcurl's words for a failure */
    /* the start of the body, for --expect-body: at most cfg->expect_bytes */
    char *body;
    size_t body_len, body_cap;
    struct http_req *next_free;
};

struct pool {
    struct http_req **reqs; /* max_inflight slots, filled on demand */
    int made;
    int inflight;
    struct http_req *free_list;
    /* the first tls and protocol failures' reasons are on stderr */
    bool said[OUTCOME_ERROR_END];
};

/* A socket libcurl opened, watched by the loop. When libcurl stops watching
 * a kept-alive connection between requests, the loop goes on watching it for
 * reading: two epoll_ctl calls per request saved. The close callback is what
 * makes that safe: libcurl closes every socket it opened through
 * open_socket() through close_socket(), so a number that comes back is never
 * mistaken for the old socket still watched. */
struct sock {
    struct event *ev;
    short kind;  /* what the loop watches: EV_READ, EV_WRITE, both; 0 for nothing */
    bool wanted; /* libcurl watches it now; else idle in its connection cache */
    bool ours;   /* opened by open_socket(): its close will be seen */
};

struct http {
    const struct probe_config *cfg;
    struct event_base *base;
    CURLM *multi;
    struct event *timer_ev;
    bool starting; /* inside http_start(): http_kick() follows */
    struct pool *pools;
    int inflight;
    int64_t wall_offset_us;
    http_done_fn done;
    void *done_arg;
    size_t version_len;
    struct curl_slist *resolve, *connect_to; /* shared by every handle */
    struct sock **socks;                     /* by socket number */
    int nsocks;
};

static void check_done(struct http *h);

static void on_socket_event(evutil_socket_t fd, short kind, void *arg)
{
    struct http *h = arg;
    struct sock *sk = h->socks[fd];
    int running;
    if (!sk->wanted) {
        /* an idle connection readable: the server closed it, or sent what
         * nobody asked for; libcurl finds out when it next checks it */
        event_del(sk->ev);
        sk->kind = 0;
        return;
    }
    int action = (kind & EV_READ ? CURL_CSELECT_IN : 0) | (kind & EV_WRITE ? CURL_CSELECT_OUT : 0);
    curl_multi_socket_action(h->multi, fd, action, &running);
    check_done(h);
}

static void on_timer(evutil_socket_t fd, short kind, void *arg)
{
    struct http *h = arg;
    int running;
    (void)fd;
    (void)kind;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(h);
}

/* The sock of socket number s, made if there is none; NULL when out of memory. */
static struct sock *sock_get(struct http *h, curl_socket_t s)
{
    if (s >= h->nsocks) {
        int n = h->nsocks ? h->nsocks : 64;
        while (n <= s)
            n *= 2;
        struct sock **socks = realloc(h->socks, (size_t)n * sizeof *socks);
        if (socks == NULL)
            return NULL;
        memset(socks + h->nsocks, 0, (size_t)(n - h->nsocks) * sizeof *socks);
        h->socks = socks;
        h->nsocks = n;
    }
    if (h->socks[s] == NULL) {
        struct sock *sk = calloc(1, sizeof *sk);
        if (sk == NULL)
            return NULL;
        sk->ev = event_new(h->base, s, 0, on_socket_event, h);
        if (sk->ev == NULL) {
            free(sk);
            return NULL;
        }
        h->socks[s] = sk;
    }
    return h->socks[s];
}

static void sock_forget(struct http *h, curl_socket_t s)
{
    if (s < 0 || s >= h->nsocks || h->socks[s] == NULL)
        return;
    event_free(h->socks[s]->ev); /* deletes it from the loop first */
    free(h->socks[s]);
    h->socks[s] = NULL;
}

static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct http *h = clientp;
    (void)purpose;
    /* close-on-exec: the wrapped command must not hold our connections open */
    curl_socket_t s = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (s < 0)
        return CURL_SOCKET_BAD;
    struct sock *sk = sock_get(h, s);
    if (sk == NULL) {
        close(s);
        return CURL_SOCKET_BAD;
    }
    sk->ours = true;
    return s;
}

static int close_socket(void *clientp, curl_socket_t s)
{
    sock_forget(clientp, s);
    return close(s);
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct http *h = userp;
    (void)easy;
    (void)socketp;
    if (what == CURL_POLL_REMOVE) {
        struct sock *sk = s < h->nsocks ? h->socks[s] : NULL;
        if (sk == NULL)
            return 0;
        if (sk->ours && sk->kind == EV_READ) {
            sk->wanted = false; /* still watched: see struct sock */
            return 0;
        }
        if (sk->ours) {
            event_del(sk->ev);
            sk->kind = 0;
            sk->wanted = false;
        } else {
            sock_forget(h, s); /* a resolver's socket: closed without a word */
        }
        return 0;
    }
    struct sock *sk = sock_get(h, s);
    if (sk == NULL)
        return -1;
    short kind =
        (short)((what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0));
    sk->wanted = true;
    if (kind == sk->kind)
        return 0;
    event_del(sk->ev);
    event_assign(sk->ev, h->base, s, kind | EV_PERSIST, on_socket_event, h);
    sk->kind = kind;
    return event_add(sk->ev, NULL);
}

/* libcurl asks to be woken in timeout_ms; it must not be called back from
 * inside this callback, so a zero timeout goes through the loop too, except
 * for a handle just added: http_kick() wakes libcurl for it anyway, and a
 * turn of the loop per request is a system call per request. */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    struct http *h = userp;
    (void)multi;
    if (timeout_ms == 0 && h->starting)
        return 0;
    if (timeout_ms < 0) {
        evtimer_del(h->timer_ev);
    } else {
        struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        evtimer_add(h->timer_ev, &tv);
    }
    return 0;
}

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr;
    (void)userdata;
    return size * nmemb;
}

/* Keeps the first cfg->expect_bytes of the body, for --expect-body. */
static size_t keep_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct http_req *r = userdata;
    size_t n = size * nmemb, room = r->h->cfg->expect_bytes - r->body_len;
    size_t take = n < room ? n : room;
    /* one byte more for a NUL: regexec's sanitizer interceptors read to one,
     * REG_STARTEND or not */
    if (r->body_len + take + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 4096, most = r->h->cfg->expect_bytes + 1;
        while (cap < r->body_len + take + 1)
            cap *= 2;
        if (cap > most)
            cap = most;
        char *b = realloc(r->body, cap);
        if (b == NULL) {
            take = r->body_cap ? r->body_cap - r->body_len - 1 : 0; /* searched as far as it got */
        } else {
            r->body = b;
            r->body_cap = cap;
        }
    }
    if (take)
        memcpy(r->body + r->body_len, ptr, take);
    r->body_len += take;
    return n;
}

/* Whether what was kept of the body matches t's --expect-body. */
static bool body_matches(struct http_req *r, const regex_t *re)
{
    if (r->body)
        r->body[r->body_len] = '\0';
    /* the whole of it, NUL bytes and all (REG_STARTEND, glibc and BSD) */
    regmatch_t m = {.rm_so = 0, .rm_eo = (regoff_t)r->body_len};
    return regexec(re, r->body ? r->body : "", 1, &m, REG_STARTEND) == 0;
}

/* Keeps the --version-header value of the response, trimmed. */
static size_t on_header(char *line, size_t size, size_t nitems, void *userdata)
{
    struct http_req *r = userdata;
    size_t len = size * nitems;
    const char *name = r->h->cfg->version_header;
    size_t nlen = r->h->version_len;
    if (name && len > nlen && line[nlen] == ':' && strncasecmp(line, name, nlen) == 0) {
        const char *v = line + nlen + 1;
        const char *end = line + len;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
            end--;
        size_t vlen = (size_t)(end - v);
        if (vlen >= VERSION_MAX)
            vlen = VERSION_MAX - 1;
        memcpy(r->version, v, vlen);
        r->version[vlen] = '\0';
    }
    return len;
}

/* Called by libcurl on a connected (new or reused) connection just before it
 * writes the request: the send time, on our clock, whatever queueing came first. */
static int on_prereq(void *clientp, char *primary_ip, char *local_ip, int primary_port,
                     int local_port)
{
    struct http_req *r = clientp;
    (void)primary_ip;
    (void)local_ip;
    (void)primary_port;
    (void)local_port;
    r->mono_sent_us = clock_mono_us();
    return CURL_PREREQFUNC_OK;
}

static struct http_req *req_make(struct http *h, int target)
{
    const struct probe_config *cfg = h->cfg;
    struct http_req *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->h = h;
    r->target = target;
    r->easy = curl_easy_init();
    char idh[sizeof REQID_HEADER + REQID_LEN];
    snprintf(idh, sizeof idh, "%s%036d", REQID_HEADER, 0);
    r->headers = curl_slist_append(NULL, idh);
    if (r->easy == NULL || r->headers == NULL)
        goto fail;
    r->reqid = r->headers->data + strlen(REQID_HEADER);
    const struct probe_target *t = &cfg->targets[target];
    const char *encoding = NULL;
    for (int i = 0; i <= t->nheaders; i++) {
        /* with a body, no "Expect: 100-continue": its wait would be latency
         * that no user sees */
        const char *line = i < t->nheaders ? t->headers[i] : t->body ? "Expect:" : NULL;
        if (line && t->expect && strncasecmp(line, "Accept-Encoding:", 16) == 0) {
            /* libcurl asks for it and decodes: --expect-body reads text */
            encoding = line + 16 + strspn(line + 16, " ");
            continue;
        }
        struct curl_slist *n = line ? curl_slist_append(r->headers, line) : r->headers;
        if (n == NULL)
            goto fail;
        r->headers = n;
    }
    CURL *e = r->easy;
    curl_easy_setopt(e, CURLOPT_URL, cfg->targets[target].url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, t->expect ? keep_body : discard_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    if (encoding)
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, encoding);
    /* POST, PUT and PATCH without --data send an empty body: a length of 0,
     * which servers that require one (411) accept */
    bool sends_body = t->body || (t->method && (strcasecmp(t->method, "POST") == 0 ||
                                                strcasecmp(t->method, "PUT") == 0 ||
                                                strcasecmp(t->method, "PATCH") == 0));
    if (sends_body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body ? t->body : "");
    }
    if (t->method && strcasecmp(t->method, "HEAD") == 0)
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L); /* else libcurl would wait for a body */
    else if (t->method)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t->method);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, r);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, h);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, h);
    const struct probe_transfer *x = &t->transfer;
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(x->timeout_us / 1000));
    /* a name lookup that hangs past the timeout: libcurl would join its
     * resolver thread, blocking the loop until getaddrinfo gives up (5 s
     * and more); this forgets the thread instead (libcurl 7.87+) */
    curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "pbprobe/" PACKAGE_VERSION);
    /* by default a redirect is an answer in itself: the user says otherwise */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, cfg->follow_redirects ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->error);
    if (x->cacert)
        curl_easy_setopt(e, CURLOPT_CAINFO, x->cacert);
    if (x->capath)
        curl_easy_setopt(e, CURLOPT_CAPATH, x->capath);
    if (x->cert)
        curl_easy_setopt(e, CURLOPT_SSLCERT, x->cert);
    if (x->cert_password)
        curl_easy_setopt(e, CURLOPT_KEYPASSWD, x->cert_password);
    if (x->key)
        curl_easy_setopt(e, CURLOPT_SSLKEY, x->key);
    if (cfg->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (h->resolve)
        curl_easy_setopt(e, CURLOPT_RESOLVE, h->resolve);
    if (h->connect_to)
        curl_easy_setopt(e, CURLOPT_CONNECT_TO, h->connect_to);
    if (x->dns_ttl_s >= 0)
        curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, x->dns_ttl_s);
    if (x->max_conn_age_s > 0)
        curl_easy_setopt(e, CURLOPT_MAXLIFETIME_CONN, x->max_conn_age_s);
    if (x->tls_min)
        curl_easy_setopt(e, CURLOPT_SSLVERSION, x->tls_min);
    if (cfg->http_version)
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, cfg->http_version);
    if (cfg->targets[target].new_connection) {
        curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    }
    return r;
fail:
    if (r->easy)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    free(r);
    return NULL;
}

static void req_free(struct http_req *r)
{
    curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    free(r->body);
    free(r);
}

static void format_peer(CURL *e, char *buf, size_t len)
{
    char *ip = NULL;
    long port = 0;
    buf[0] = '\0';
    if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK || ip == NULL || !ip[0])
        return;
    curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &port);
    snprintf(buf, len, strchr(ip, ':') ? "[%s]:%ld" : "%s:%ld", ip, port);
}

/* The HTTP version of a response, as the log writes it; NULL for none. */
static const char *protocol_name(CURL *e, long status)
{
    long v = 0;
    if (status <= 0 || curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &v) != CURLE_OK)
        return NULL;
    switch (v) {
    case CURL_HTTP_VERSION_1_0:
        return "1.0";
    case CURL_HTTP_VERSION_1_1:
        return "1.1";
    case CURL_HTTP_VERSION_2_0:
        return "2";
    case CURL_HTTP_VERSION_3:
        return "3";
    default:
        return NULL;
    }
}

static void finish(struct http *h, CURL *e, CURLcode result)
{
    struct http_req *r;
    long status = 0, connects = 0, os_errno = 0;
    curl_off_t bytes = 0, pretransfer_us = 0;
    char peer[64];
    int64_t mono_now_us = clock_mono_us();

    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
    curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &bytes);
    curl_easy_getinfo(e, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
    curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
    format_peer(e, peer, sizeof peer);

    struct log_req q = {
        .wall_sched_us = r->mono_sched_us + h->wall_offset_us,
        .target = h->cfg->targets[r->target].name,
        .outcome = classify_transfer(result, status, os_errno),
        .latency_us = mono_now_us - r->mono_sched_us,
        /* when the request left, on our clock; for one never written (a
         * failed connect), when it was handed over plus libcurl's way to
         * the wire: "handed + pretransfer" alone would miss the time libcurl
         * spent on earlier requests of the same batch */
        .delay_us = r->mono_sent_us ? r->mono_sent_us - r->mono_sched_us
                                    : r->mono_handed_us - r->mono_sched_us + pretransfer_us,
        .bytes = bytes,
        /* libcurl counts no connect when the connect failed: that request
         * did not reuse anything, and one that reached nobody is unknown */
        .reused = result == CURLE_COULDNT_CONNECT || connects > 0 ? 0
                  : peer[0]                                       ? 1
                                                                  : -1,
        .peer = peer[0] ? peer : NULL,
        .version = r->version[0] ? r->version : NULL,
        .request_id = r->reqid,
        .lag_us = r->mono_handed_us - r->mono_sched_us,
        .stalled = 0, /* the run, which watches its loop, decides */
        .protocol = protocol_name(e, status),
    };
    struct pool *p = &h->pools[r->target];
    const regex_t *expect = h->cfg->targets[r->target].expect;
    if (expect && classify_checks_body(q.outcome, h->cfg->ok) && !body_matches(r, expect))
        /* a page that is not the service's: a maintenance page, an error
         * page served as 200 */
        q.outcome = OUTCOME_BODY;
    if (q.outcome == OUTCOME_OTHER) {
        /* "other" hides the detail from the log: say it once per code here */
        static unsigned char said[CURL_LAST + 1];
        if (result <= CURL_LAST && !said[result]) {
            said[result] = 1;
            fprintf(stderr, "pbprobe: %s: libcurl error %d (%s), logged as \"other\"\n", q.target,
                    (int)result, curl_easy_strerror(result));
        }
    }
    if ((q.outcome == OUTCOME_TLS || q.outcome == OUTCOME_PROTOCOL) && !p->said[q.outcome]) {
        /* the class alone does not say which certificate, version or frame:
         * once per target and class, as the rest are alike or read the same */
        char nb[12];
        p->said[q.outcome] = true;
        fprintf(stderr, "pbprobe: %s: %s: %s (logged as \"%s\")\n", q.target,
                q.outcome == OUTCOME_TLS ? "TLS" : "HTTP",
                r->error[0] ? r->error : curl_easy_strerror(result), outcome_name(q.outcome, nb));
    }
    if (q.outcome == OUTCOME_PROTOCOL && result == CURLE_OK)
        q.reused = -1;
    char unsent[320] = "";
    if (q.outcome == OUTCOME_SKIPPED && result != CURLE_COULDNT_CONNECT)
        /* never sent: the run logs the tick as skipped, as it does when
         * --max-inflight is reached, and says why once */
        snprintf(unsent, sizeof unsent, "the prober's own TLS settings failed: %s",
                 r->error[0] ? r->error : curl_easy_strerror(result));
    else if (q.outcome == OUTCOME_SKIPPED)
        snprintf(unsent, sizeof unsent, "the prober could not open a connection: %s%s",
                 strerror((int)os_errno),
                 os_errno == EADDRNOTAVAIL
                     ? " (every local port to the server is in use or in TIME_WAIT: see "
                       "--connections in pbprobe(1))"
                     : "");

    curl_multi_remove_handle(h->multi, e);
    p->inflight--;
    h->inflight--;
    r->next_free = p->free_list;
    p->free_list = r;
    h->done(h->done_arg, r->target, &q, unsent[0] ? unsent : NULL);
}

static void check_done(struct http *h)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(h->multi, &left)) != NULL)
        if (msg->msg == CURLMSG_DONE)
            finish(h, msg->easy_handle, msg->data.result);
}

struct http *http_new(struct event_base *base, const struct probe_config *cfg,
                      int64_t wall_offset_us, http_done_fn done, void *arg, char *err,
                      size_t errlen)
{
    struct http *h = calloc(1, sizeof *h);
    if (h == NULL)
        goto oom;
    h->cfg = cfg;
    h->base = base;
    h->wall_offset_us = wall_offset_us;
    h->done = done;
    h->done_arg = arg;
    h->version_len = cfg->version_header ? strlen(cfg->version_header) : 0;
    h->pools = calloc((size_t)cfg->ntargets, sizeof *h->pools);
    if (h->pools == NULL)
        goto oom;
    for (int i = 0; i < cfg->ntargets; i++) {
        h->pools[i].reqs = calloc((size_t)cfg->max_inflight, sizeof *h->pools[i].reqs);
        if (h->pools[i].reqs == NULL)
            goto oom;
    }
    for (int i = 0; i < cfg->nresolve + cfg->nconnect_to; i++) {
        struct curl_slist **list = i < cfg->nresolve ? &h->resolve : &h->connect_to;
        struct curl_slist *n = curl_slist_append(
            *list, i < cfg->nresolve ? cfg->resolve[i] : cfg->connect_to[i - cfg->nresolve]);
        if (n == NULL)
            goto oom;
        *list = n;
    }
    h->multi = curl_multi_init();
    h->timer_ev = evtimer_new(base, on_timer, h);
    if (h->multi == NULL || h->timer_ev == NULL) {
        snprintf(err, errlen, "cannot set up libcurl's multi handle");
        http_free(h);
        return NULL;
    }
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    /* Keep every connection the cap allows: closing and reopening them would
     * measure our churn, not the server. No host or total limit is set, so
     * libcurl never parks a transfer in its pending queue. */
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)cfg->max_inflight * cfg->ntargets);
    return h;
oom:
    snprintf(err, errlen, "out of memory");
    http_free(h);
    return NULL;
}

int http_start(struct http *h, int target, int64_t mono_sched_us, char *err, size_t errlen)
{
    struct pool *p = &h->pools[target];
    struct http_req *r = p->free_list;
    if (r) {
        p->free_list = r->next_free;
    } else {
        if (p->made == h->cfg->max_inflight)
            return 1;
        r = req_make(h, target);
        if (r == NULL) {
            snprintf(err, errlen, "out of memory for a request");
            return -1;
        }
        p->reqs[p->made++] = r;
    }
    r->mono_sched_us = mono_sched_us;
    r->version[0] = '\0';
    r->body_len = 0;
    r->mono_sent_us = 0;
    reqid_next(r->reqid); /* same length as the placeholder: the header is rewritten in place */
    h->starting = true;
    CURLMcode mc = curl_multi_add_handle(h->multi, r->easy);
    h->starting = false;
    if (mc != CURLM_OK) {
        r->next_free = p->free_list;
        p->free_list = r;
        snprintf(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
        return -1;
    }
    p->inflight++;
    h->inflight++;
    r->mono_handed_us = clock_mono_us();
    return 0;
}

void http_kick(struct http *h)
{
    int running;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(h);
}

int http_inflight(const struct http *h)
{
    return h->inflight;
}

int http_abandon_all(struct http *h)
{
    int n = 0;
    for (int t = 0; t < h->cfg->ntargets; t++) {
        struct pool *p = &h->pools[t];
        for (int i = 0; i < p->made; i++) {
            struct http_req *r = p->reqs[i];
            /* a request is in flight when it is not on the free list */
            int is_free = 0;
            for (struct http_req *f = p->free_list; f; f = f->next_free)
                if (f == r) {
                    is_free = 1;
                    break;
                }
            if (!is_free) {
                curl_multi_remove_handle(h->multi, r->easy);
                r->next_free = p->free_list;
                p->free_list = r;
                n++;
            }
        }
        p->inflight = 0;
    }
    h->inflight = 0;
    return n;
}

void http_free(struct http *h)
{
    if (h == NULL)
        return;
    if (h->multi)
        http_abandon_all(h);
    if (h->pools) {
        for (int t = 0; t < h->cfg->ntargets; t++) {
            for (int i = 0; i < h->pools[t].made; i++)
                req_free(h->pools[t].reqs[i]);
            free(h->pools[t].reqs);
        }
        free(h->pools);
    }
    if (h->multi)
        curl_multi_cleanup(h->multi);
    for (int s = 0; s < h->nsocks; s++)
        sock_forget(h, s);
    free(h->socks);
    if (h->timer_ev)
        event_free(h->timer_ev);
    curl_slist_free_all(h->resolve);
    curl_slist_free_all(h->connect_to);
    free(h);
}
