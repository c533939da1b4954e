/* Ingest (ingest.h). The prober writes a req line when its request ends, so a
 * log is in completion order, not scheduled order: a slow request's line comes
 * after lines scheduled up to its latency later. Each log therefore feeds a
 * sorting stage holding --reorder-horizon of schedule, then a k-way merge by
 * scheduled time joins the logs of several probers. Both stream: memory grows
 * with rate x horizon, never with the length of the logs. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "dbanalysis.h"
#include "ingest.h"
#include "logread.h"
#include "outcome.h"
#include "pipe.h"
#include "redact.h"
#include "schedule.h"
#include "splits.h"
#include "strmap.h"
#include "versions.h"

/* An entry packs outcome, version, target and the late flag in 32 bits, and
 * where it went in 32 more: 24 bytes a request with its time, latency and
 * when it observed the server. */
#define OUTCOME_BITS 10
#define VERSION_BITS 10
#define TARGET_BITS 11
#define TARGETS_MAX (1 << TARGET_BITS) /* per log */
#define LATE_BIT (1u << (OUTCOME_BITS + VERSION_BITS + TARGET_BITS))
#define PACK(o, v, t, late)                                                                        \
    ((uint32_t)(o) | (uint32_t)(v) << OUTCOME_BITS |                                               \
     (uint32_t)(t) << (OUTCOME_BITS + VERSION_BITS) | ((late) ? LATE_BIT : 0))
#define UNPACK_OUTCOME(p) ((int)((p) & ((1u << OUTCOME_BITS) - 1)))
#define UNPACK_VERSION(p) ((int)(((p) >> OUTCOME_BITS) & ((1u << VERSION_BITS) - 1)))
#define UNPACK_TARGET(p) ((int)(((p) >> (OUTCOME_BITS + VERSION_BITS)) & (TARGETS_MAX - 1)))
#define UNPACK_LATE(p) (((p)&LATE_BIT) != 0)

/* Where a request went, in the entry's last 32 bits (splits.h). */
#define PEER_BITS 10
#define PROTOCOL_BITS 4
#define PACK_WHERE(peer, protocol, conn)                                                           \
    ((uint32_t)(peer) | (uint32_t)(protocol) << PEER_BITS |                                        \
     (uint32_t)(conn) << (PEER_BITS + PROTOCOL_BITS))
#define UNPACK_WHERE(p)                                                                            \
    ((struct split_where){.peer = (uint16_t)((p) & ((1u << PEER_BITS) - 1)),                       \
                          .protocol = (uint8_t)(((p) >> PEER_BITS) & ((1u << PROTOCOL_BITS) - 1)), \
                          .connection = (uint8_t)((p) >> (PEER_BITS + PROTOCOL_BITS))})

/* A log from a prober that did not write its --max-lag: pbprobe's default. */
#define DEFAULT_MAX_LAG_US 100000

/* Entries held in all sorting stages together, at most: 24 MB (twice that
 * with the buffers' slack). Past it the oldest is released before the
 * horizon, and a line later than that is an error. */
#define HELD_MAX (1 << 20)
#define HELD_MIN_PER_LOG (1 << 14)
#define NOTES_PER_LOG 3 /* malformed lines and prober warnings quoted per log */

struct entry {
    int64_t t_us;
    uint32_t latency_us;
    uint32_t packed;
    uint32_t
        seen_after_us; /* when it observed the server, after t_us: windows are on observed time */
    uint32_t where;    /* peer, protocol and connection: PACK_WHERE */
};
_Static_assert(sizeof(struct entry) == 24, "an entry is 24 bytes: HELD_MAX counts on it");
_Static_assert(SPLIT_PEERS_MAX <= 1 << PEER_BITS && SPLIT_PROTOCOLS_MAX <= 1 << PROTOCOL_BITS,
               "interned indexes fit their bits");

/* Strings the analysis keeps in a list (its version, peer and protocol
 * names), interned on first sight: index 0 is none, and the last index, max -
 * 1, is "(others)": every string beyond. */
struct names {
    struct strmap map; /* string -> index; keys are the list's copies */
    char ***list;      /* &an->version_names and the like */
    int *n;
    int max;
};

/* One log's latest values of a field, found by a hash of a few word loads:
 * a value repeats line after line, or a few take turns (the peers behind a
 * name that resolves to several addresses), and the map's own hash and probe
 * cost more. Direct-mapped: a value evicts the one in its slot. */
#define NAME_CACHE 32
struct name_cache {
    struct {
        uint64_t hash;
        const char *s; /* NULL: empty */
        size_t len;
        int idx;
    } slot[NAME_CACHE];
    int last; /* the slot of the latest value: the next line's, mostly */
};

/* A target as one log declares it. */
struct ltarget {
    char *name;
    int target; /* index in analysis.targets */
    double interval_us;
    int64_t last_us;     /* scheduled time of its last request released, -1 */
    int64_t declared_us; /* its target line: its first tick is due then */
};

struct source {
    struct logr *r;
    int log;
    /* sorting stage: lines in order go to a run (buf[start..end), sorted),
     * late lines to a min-heap; the next request is the smaller front */
    struct entry *buf;
    size_t start, end, cap;
    struct entry *heap;
    size_t nheap, heap_cap;
    size_t limit;
    int64_t newest_us;  /* latest scheduled time read */
    int64_t final_us;   /* entries before this are released: a line earlier is an error */
    int64_t first_us;   /* first scheduled time read, -1 */
    int64_t max_lag_us; /* a later hand-off makes a request late */
    int eof;
    int full;            /* requests were released before the horizon: the stage was full */
    struct strmap names; /* target name -> index in lt */
    struct ltarget *lt;
    int nlt;
    struct name_cache version, peer, protocol;
    long last_err_line;
};

struct ingest {
    struct analysis *an;
    const struct rep_config *cfg;
    struct pipe *pipe;         /* released requests go to analysis through it */
    struct db_work *db;        /* the database events and the requests during lock waits */
    struct analyzer *analyzer; /* the targets' running state */
    struct source *src;
    int nsrc;
    struct strmap targets; /* merged mode: name -> target index */
    struct names versions, peers, protocols;
    int targets_cap;
    int timeline_cap;
    long seq;
    int64_t first_released_us;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct ingest *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->err, g->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *spath(const struct source *s)
{
    return logr_path(s->r);
}

/* A line that breaks the format: fatal, or with --lenient counted, quoted in
 * the notes (the first few), and skipped. msg is "path:line: reason". */
static int malformed(struct ingest *g, struct source *s, const char *msg)
{
    struct an_log *log = &g->an->logs[s->log];
    if (!g->cfg->lenient)
        return fail(g, "%s", msg);
    log->malformed++;
    g->an->malformed++;
    if (log->malformed <= NOTES_PER_LOG)
        analysis_note(g->an, "skipped (--lenient): %s", msg);
    return 0;
}

__attribute__((format(printf, 3, 4))) static int malformedf(struct ingest *g, struct source *s,
                                                            const char *fmt, ...)
{
    char msg[512];
    int n = snprintf(msg, sizeof msg, "%s:%ld: ", spath(s), logr_lineno(s->r));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    return malformed(g, s, msg);
}

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Text from a log as the report shows it: the secrets an older prober did
 * not redact, redacted (lib/redact.h). NULL for NULL, or out of memory. */
static char *shown(const char *s)
{
    return s ? redact_text(s, NULL) : NULL;
}

/* --- the sorting stage --- */

static size_t held(const struct source *s)
{
    return s->end - s->start + s->nheap;
}

static const struct entry *front(const struct source *s)
{
    const struct entry *run = s->end > s->start ? &s->buf[s->start] : NULL;
    const struct entry *late = s->nheap ? &s->heap[0] : NULL;
    if (run == NULL)
        return late;
    if (late == NULL)
        return run;
    return late->t_us < run->t_us ? late : run;
}

static void heap_push(struct source *s, const struct entry *e)
{
    size_t i = s->nheap++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (s->heap[p].t_us <= e->t_us)
            break;
        s->heap[i] = s->heap[p];
        i = p;
    }
    s->heap[i] = *e;
}

static void heap_pop(struct source *s)
{
    struct entry last = s->heap[--s->nheap];
    size_t i = 0, n = s->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && s->heap[c + 1].t_us < s->heap[c].t_us)
            c++;
        if (last.t_us <= s->heap[c].t_us)
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (n)
        s->heap[i] = last;
}

static int grow(void **p, size_t *cap, size_t size)
{
    size_t n = *cap ? *cap * 2 : 4096;
    void *q = realloc(*p, n * size);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

static int push(struct ingest *g, struct source *s, const struct entry *e)
{
    if (s->end > s->start && e->t_us < s->buf[s->end - 1].t_us) {
        /* a late line (a slow request): the heap keeps the run append-only */
        if (s->nheap == s->heap_cap && grow((void **)&s->heap, &s->heap_cap, sizeof *e) < 0)
            return fail(g, "out of memory");
        heap_push(s, e);
    } else {
        if (s->end == s->cap) {
            if (s->start > 0 && s->start >= s->cap / 2) {
                memmove(s->buf, s->buf + s->start, (s->end - s->start) * sizeof *e);
                s->end -= s->start;
                s->start = 0;
            } else if (grow((void **)&s->buf, &s->cap, sizeof *e) < 0) {
                return fail(g, "out of memory");
            }
        }
        s->buf[s->end++] = *e;
    }
    if (e->t_us > s->newest_us) {
        s->newest_us = e->t_us;
        if (s->newest_us - g->cfg->horizon_us > s->final_us)
            s->final_us = s->newest_us - g->cfg->horizon_us;
    }
    return 0;
}

static struct entry pop(struct source *s)
{
    const struct entry *f = front(s);
    struct entry e = *f;
    if (s->end > s->start && f == &s->buf[s->start])
        s->start++;
    else
        heap_pop(s);
    if (e.t_us > s->final_us)
        s->final_us = e.t_us; /* released early (the stage was full): nothing may precede it now */
    return e;
}

/* --- events --- */

static int add_target(struct ingest *g, struct source *s, const struct log_event *ev)
{
    const struct log_target *lt = &ev->u.target;
    uint64_t h = strmap_hash(lt->name);
    struct analysis *an = g->an;
    if (strmap_get(&s->names, lt->name, h) >= 0)
        return malformedf(g, s, "target \"%.60s\" declared twice", lt->name);
    if (s->nlt == TARGETS_MAX)
        return fail(g, "%s:%ld: more than %d targets in one log", spath(s), logr_lineno(s->r),
                    TARGETS_MAX);
    /* the analysis thread reads the targets: let it finish before they change */
    if (pipe_drain(g->pipe) < 0)
        return fail(g, "out of memory");
    /* the URL as the report shows it: the secrets an older log may carry
     * redacted (lib/redact.h) */
    char *url = NULL;
    if (lt->url && (url = shown(lt->url)) == NULL)
        return fail(g, "out of memory");
    int ti = g->cfg->by_log ? -1 : strmap_get(&g->targets, lt->name, h);
    if (ti >= 0) {
        /* the same target probed from another log: one target, merged by time */
        struct an_target *t = &an->targets[ti];
        if (fabs(t->rate / t->nlogs - lt->rate) > 1e-9 * lt->rate && !t->rate_disagrees) {
            t->rate_disagrees = 1;
            analysis_note(an, "target %s: logs disagree on its rate (%g/s in %s, %g/s before)",
                          lt->name, lt->rate, spath(s), t->rate / t->nlogs);
        }
        /* compared as shown: a log redacted and an older one that is not
         * name one URL alike */
        int same = strcmp(t->url ? t->url : "", url ? url : "") == 0;
        if (!same) {
            /* two different things under one name: merged, they would
             * pass one's failures off as the other's */
            fail(g,
                 "%s:%ld: target \"%.60s\" is %.200s here but %.200s in an earlier log: "
                 "merged logs must name one URL alike (or use --by-log)",
                 spath(s), logr_lineno(s->r), lt->name, url ? url : "-", t->url ? t->url : "-");
            free(url);
            return -1;
        }
        free(url);
        t->rate += lt->rate;
        t->nlogs++;
    } else {
        if (an->ntargets == g->targets_cap) {
            int cap = g->targets_cap ? g->targets_cap * 2 : 8;
            struct an_target *n = realloc(an->targets, (size_t)cap * sizeof *n);
            if (n == NULL) {
                free(url);
                return fail(g, "out of memory");
            }
            an->targets = n;
            g->targets_cap = cap;
        }
        ti = an->ntargets;
        struct an_target *t = memset(&an->targets[ti], 0, sizeof *t);
        t->name = xstrdup(lt->name);
        t->url = url;
        t->log = g->cfg->by_log ? s->log : -1;
        t->rate = lt->rate;
        t->nlogs = 1;
        if (t->name == NULL || analyze_target_init(g->analyzer, ti, t, g->cfg, g->an->ok_status,
                                                   g->err, g->errlen) < 0) {
            free(t->name);
            free(t->url);
            return fail(g, "out of memory");
        }
        an->ntargets++;
        if (!g->cfg->by_log && strmap_put(&g->targets, t->name, h, ti) < 0)
            return fail(g, "out of memory");
    }
    struct ltarget *n = realloc(s->lt, (size_t)(s->nlt + 1) * sizeof *n);
    if (n == NULL)
        return fail(g, "out of memory");
    s->lt = n;
    struct ltarget *l = &s->lt[s->nlt];
    l->name = xstrdup(lt->name);
    l->target = ti;
    l->interval_us = schedule_interval_us(lt->rate);
    l->last_us = -1;
    l->declared_us = ev->wall_us;
    if (l->name == NULL || strmap_put(&s->names, l->name, h, s->nlt) < 0)
        return fail(g, "out of memory");
    s->nlt++;
    return 0;
}

/* Equality of two short strings, inline: on the hot path a call to strcmp
 * costs more than the compare itself. */
static inline int same(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static int intern(struct names *nm, const char *v)
{
    uint64_t h = strmap_hash(v);
    int i = strmap_get(&nm->map, v, h);
    if (i >= 0)
        return i;
    if (*nm->n >= nm->max - 1) {
        if (*nm->n == nm->max - 1) {
            if (((*nm->list)[nm->max - 1] = strdup("(others)")) == NULL)
                return -1;
            *nm->n = nm->max;
        }
        return nm->max - 1;
    }
    if (*nm->n == 0) {
        if ((*nm->list = calloc((size_t)nm->max, sizeof **nm->list)) == NULL)
            return -1;
        *nm->n = 1; /* index 0: none */
    }
    char *copy = strdup(v);
    if (copy == NULL || strmap_put(&nm->map, copy, h, *nm->n) < 0) {
        free(copy);
        return -1;
    }
    (*nm->list)[*nm->n] = copy;
    return (*nm->n)++;
}

/* A quick hash of a short string, 8 bytes at a time. */
static inline uint64_t quick_hash(const char *s, size_t len)
{
    uint64_t h = len * 0x9E3779B97F4A7C15ull, w;
    for (; len >= 8; s += 8, len -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
    }
    w = 0;
    memcpy(&w, s, len);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    return h ^ (h >> 29);
}

/* The index of v (NULL: none, 0) in nm, through the log's cache c. */
static int name_index(struct names *nm, struct name_cache *c, const char *v)
{
    if (v == NULL)
        return 0;
    if (c->slot[c->last].s && same(v, c->slot[c->last].s))
        return c->slot[c->last].idx;
    size_t len = strlen(v);
    uint64_t h = quick_hash(v, len);
    int k = c->last = (int)(h % NAME_CACHE);
    if (c->slot[k].s && c->slot[k].hash == h && c->slot[k].len == len &&
        memcmp(c->slot[k].s, v, len) == 0)
        return c->slot[k].idx;
    int i = intern(nm, v);
    if (i >= 0 && i != nm->max - 1) { /* "(others)" stands for many strings */
        c->slot[k].hash = h;
        c->slot[k].s = (*nm->list)[i];
        c->slot[k].len = len;
        c->slot[k].idx = i;
    }
    return i;
}

/* The log's index of a target name: a scan while the log has few targets
 * (they differ at the first character, mostly), the map beyond. */
static int target_index(const struct source *s, const char *name)
{
    if (s->nlt <= 8) {
        for (int i = 0; i < s->nlt; i++)
            if (same(name, s->lt[i].name))
                return i;
        return -1;
    }
    return strmap_get(&s->names, name, strmap_hash(name));
}

static int add_req(struct ingest *g, struct source *s, const struct log_event *ev)
{
    const struct log_req *q = &ev->u.req;
    int li = target_index(s, q->target);
    if (li < 0)
        return malformedf(g, s, "req for target \"%.60s\", which no target line declared before",
                          q->target);
    int64_t t = q->wall_sched_us;
    if (s->first_us < 0)
        s->first_us = t;
    if (t - s->first_us > ANALYZE_SPAN_MAX_US || s->first_us - t > ANALYZE_SPAN_MAX_US)
        return malformedf(g, s,
                          "req: time %" PRId64 " is more than 7 days from the log's first "
                          "request (%" PRId64 "): a corrupt time field",
                          t, s->first_us);
    if (t < s->final_us) {
        char msg[512];
        if (s->full)
            snprintf(msg, sizeof msg,
                     "%s:%ld: req of target \"%.60s\" is scheduled %.3fs before requests read "
                     "earlier: out of order by more than the %zu requests the report holds "
                     "to sort a log (or a corrupt time)",
                     spath(s), logr_lineno(s->r), q->target, (double)(s->newest_us - t) / 1e6,
                     s->limit);
        else
            snprintf(msg, sizeof msg,
                     "%s:%ld: req of target \"%.60s\" is scheduled %.3fs before requests read "
                     "earlier: out of order by more than --reorder-horizon (or a corrupt time)",
                     spath(s), logr_lineno(s->r), q->target, (double)(s->newest_us - t) / 1e6);
        return malformed(g, s, msg);
    }
    int vidx = name_index(&g->versions, &s->version, q->version);
    int peer = name_index(&g->peers, &s->peer, q->peer);
    int protocol = name_index(&g->protocols, &s->protocol, q->protocol);
    if (vidx < 0 || peer < 0 || protocol < 0)
        return fail(g, "out of memory");
    int64_t lat = q->outcome == OUTCOME_SKIPPED ? 0 : q->latency_us;
    /* older probers logged no hand-off lag: their send delay (which adds
     * the connect) is the nearest they have */
    int64_t lag = q->lag_us >= 0 ? q->lag_us : q->delay_us;
    /* Late: handed over late, or in flight across the prober's own stall and
     * failed without an answer (the stall may have caused it). An HTTP status
     * is the server's own whatever the prober did meanwhile: it counts, at
     * the time the request was written (below), however late that was. */
    int late = q->outcome != OUTCOME_SKIPPED &&
               (lag > s->max_lag_us || (q->stalled == 1 && !outcome_is_http(q->outcome)));
    /* When it observed the server: when it was written to the connection
     * (its delay), or, failing before that, when it was handed to libcurl
     * (its lag). Its latency bounds both (a longer one is a corrupt field); a
     * skipped tick was never sent. An older log has no hand-off time, so
     * nothing for requests that failed before sending: its windows stay on
     * scheduled time. */
    int64_t seen = q->delay_us >= 0 ? q->delay_us : q->lag_us;
    int64_t sent_after = q->outcome == OUTCOME_SKIPPED || q->lag_us < 0 || seen < 0 ? 0
                         : seen < lat                                               ? seen
                                                                                    : lat;
    struct entry e = {t, lat > UINT32_MAX ? UINT32_MAX : (uint32_t)lat,
                      PACK(q->outcome, vidx, li, late),
                      sent_after > UINT32_MAX ? UINT32_MAX : (uint32_t)sent_after,
                      PACK_WHERE(peer, protocol,
                                 q->reused == 1   ? SPLIT_CONN_REUSED
                                 : q->reused == 0 ? SPLIT_CONN_NEW
                                                  : SPLIT_CONN_UNKNOWN)};
    struct an_log *log = &g->an->logs[s->log];
    log->reqs++;
    if (log->first_us < 0 || t < log->first_us)
        log->first_us = t;
    if (t > log->last_us)
        log->last_us = t;
    return push(g, s, &e);
}

static int add_event(struct ingest *g, struct source *s, enum an_event_kind kind, int64_t t_us,
                     const char *text, long number)
{
    struct analysis *an = g->an;
    if (an->ntimeline == g->timeline_cap) {
        int cap = g->timeline_cap ? g->timeline_cap * 2 : 16;
        struct an_event *n = realloc(an->timeline, (size_t)cap * sizeof *n);
        if (n == NULL)
            return fail(g, "out of memory");
        an->timeline = n;
        g->timeline_cap = cap;
    }
    struct an_event *e = &an->timeline[an->ntimeline];
    e->t_us = t_us;
    e->kind = kind;
    e->text = shown(text ? text : "");
    e->number = number;
    e->log = s->log;
    e->seq = g->seq++;
    if (e->text == NULL)
        return fail(g, "out of memory");
    e->source_len = kind == AN_EV_MARK ? analysis_mark_source(e->text) : 0;
    an->ntimeline++;
    return 0;
}

static int at_eof(struct ingest *g, struct source *s)
{
    struct an_log *log = &g->an->logs[s->log];
    s->eof = 1;
    log->lines = logr_lineno(s->r);
    log->truncated = logr_truncated(s->r);
    log->unknown_lines = logr_unknown_lines(s->r);
    if (log->truncated)
        analysis_note(g->an,
                      "%s:%ld: truncated last line ignored (the prober was killed while "
                      "writing it)",
                      log->path, log->lines);
    if (!log->has_end)
        analysis_note(g->an,
                      "%s: no end line: the prober was cut short; its complete lines "
                      "are used",
                      log->path);
    else if (strcmp(log->end_reason, "duration") && strcmp(log->end_reason, "command"))
        analysis_note(g->an, "%s: the prober stopped early (%s)", log->path, log->end_reason);
    if (log->unknown_lines)
        analysis_note(g->an,
                      "%s: %ld lines of kinds this reader does not know, ignored "
                      "(written by a newer prober?)",
                      log->path, log->unknown_lines);
    return 0;
}

/* Reads one line of s into the analysis (events) or the sorting stage (req).
 * Returns 0, or -1 with g->err set. */
static int read_line(struct ingest *g, struct source *s)
{
    struct log_event ev;
    char msg[512];
    int rc = logr_next(s->r, &ev, msg, sizeof msg);
    if (rc == 0)
        return at_eof(g, s);
    if (rc < 0) {
        /* the reader skips a bad line, but not a read error or an over-long
         * line: then the line number does not move, and going on would loop */
        long line = logr_lineno(s->r);
        if (line == s->last_err_line)
            return fail(g, "%s", msg);
        s->last_err_line = line;
        return malformed(g, s, msg);
    }
    struct an_log *log = &g->an->logs[s->log];
    if (ev.kind != LOG_UNKNOWN && ev.wall_us > log->last_event_us)
        log->last_event_us = ev.wall_us;
    if (ev.kind != LOG_UNKNOWN && (log->first_event_us < 0 || ev.wall_us < log->first_event_us))
        log->first_event_us = ev.wall_us;
    switch (ev.kind) {
    case LOG_REQ:
        return add_req(g, s, &ev);
    case LOG_STALL:
        if (ev.u.stall.end_us > log->last_event_us)
            log->last_event_us = ev.u.stall.end_us;
        log->stalls++;
        log->stall_us += ev.u.stall.length_us;
        if (ev.u.stall.length_us > log->longest_stall_us) {
            log->longest_stall_us = ev.u.stall.length_us;
            log->longest_stall_at_us = ev.wall_us;
        }
        return 0;
    case LOG_TARGET:
        return add_target(g, s, &ev);
    case LOG_MARK:
        return add_event(g, s, AN_EV_MARK, ev.wall_us, ev.u.text, 0);
    case LOG_CMD_START:
        log->has_command = 1;
        if (log->command.command == NULL) {
            log->command.start_us = ev.wall_us;
            if ((log->command.command =
                     shown(ev.u.cmd_start.command ? ev.u.cmd_start.command : "-")) == NULL)
                return fail(g, "out of memory");
        }
        return add_event(g, s, AN_EV_CMD_START, ev.wall_us, ev.u.cmd_start.command,
                         ev.u.cmd_start.pid);
    case LOG_CMD_EXIT:
        if (log->command.end_us < 0) {
            log->command.end_us = ev.wall_us;
            log->command.status = ev.u.cmd_exit.status;
            if ((log->command.how = strdup(ev.u.cmd_exit.how ? ev.u.cmd_exit.how : "-")) == NULL)
                return fail(g, "out of memory");
        }
        return add_event(g, s, AN_EV_CMD_EXIT, ev.wall_us, ev.u.cmd_exit.how, ev.u.cmd_exit.status);
    case LOG_END:
        if (log->has_end)
            return malformedf(g, s, "a second end line");
        log->has_end = 1;
        log->end_us = ev.wall_us;
        log->stop_us = ev.stop_us;
        log->interrupted = log->has_command && strcmp(ev.u.text, "signal") == 0;
        if ((log->end_reason = strdup(ev.u.text)) == NULL)
            return fail(g, "out of memory");
        return 0;
    case LOG_ABORT:
        if (!log->abort.present) {
            log->abort.present = 1;
            log->abort.t_us = ev.wall_us;
            log->abort.value = ev.u.abort.value;
            log->abort.limit = ev.u.abort.limit;
            /* the duration rules; any other (max-errors, or a newer
             * prober's) is shown as a plain number */
            log->abort.duration = strcmp(ev.u.abort.rule, "max-window") == 0 ||
                                  strcmp(ev.u.abort.rule, "max-downtime") == 0 ||
                                  strcmp(ev.u.abort.rule, "max-blind") == 0;
            log->abort.before_us = log->abort.after_us = -1;
            if ((log->abort.target = shown(ev.u.abort.target)) == NULL ||
                (log->abort.rule = shown(ev.u.abort.rule)) == NULL)
                return fail(g, "out of memory");
        }
        return add_event(g, s, AN_EV_ABORT, ev.wall_us, ev.u.abort.target, 0);
    case LOG_WARN:
        if (++log->warns <= NOTES_PER_LOG)
            analysis_note(g->an, "%s:%ld: the prober warned: %s", log->path, logr_lineno(s->r),
                          ev.u.text);
        return 0;
    case LOG_DB:
    case LOG_DB_SCHEMA:
    case LOG_DB_LOCKS:
        if (dbwork_event(g->db, &ev) < 0)
            return fail(g, "out of memory");
        return 0;
    default:
        /* kinds newer than this reader: valid lines, ignored */
        return 0;
    }
}

/* Reads s until its next request can be released: it is older than the
 * newest read by the horizon, the stage is full, or the log has ended. */
static int ready(struct ingest *g, struct source *s)
{
    while (!s->eof) {
        size_t n = held(s);
        if (n > 0 && front(s)->t_us < s->newest_us - g->cfg->horizon_us)
            return 0;
        if (n >= s->limit) {
            s->full = 1;
            return 0;
        }
        if (read_line(g, s) < 0)
            return -1;
    }
    return 0;
}

/* Hands one request to analysis; counts ticks missing since the previous
 * request of the same target in the same log (the schedule is t0 + i/rate). */
static int release(struct ingest *g, struct source *s, const struct entry *e)
{
    struct ltarget *l = &s->lt[UNPACK_TARGET(e->packed)];
    struct pipe_req q = {.t_us = e->t_us,
                         .latency_us = e->latency_us,
                         .seen_after_us = e->seen_after_us,
                         .outcome = (uint16_t)UNPACK_OUTCOME(e->packed),
                         .vidx = (uint16_t)UNPACK_VERSION(e->packed),
                         .target = (uint32_t)l->target,
                         .where = UNPACK_WHERE(e->where)};
    if (g->first_released_us < 0)
        g->first_released_us = e->t_us;
    else if (e->t_us - g->first_released_us > ANALYZE_SPAN_MAX_US)
        return fail(g,
                    "%s: requests more than 7 days after the first of another log: are "
                    "these logs from one run?",
                    spath(s));
    if (l->last_us >= 0) {
        q.missing = schedule_missing_between(e->t_us - l->last_us, l->interval_us);
        if (q.missing)
            q.missing_from_us = l->last_us + (int64_t)l->interval_us;
    }
    q.late = UNPACK_LATE(e->packed);
    l->last_us = e->t_us;
    if (q.outcome != OUTCOME_SKIPPED && !q.late &&
        dbwork_req(g->db, e->t_us, l->target, e->latency_us, g->an->ok_status[q.outcome]) < 0)
        return fail(g, "out of memory");
    if (pipe_put(g->pipe, &q) < 0)
        return fail(g, "out of memory");
    return 0;
}

/* The definition of success: --ok-status, else the one the probers wrote in
 * their headers (a log of an older prober has none and takes the others'),
 * else the default. Probers that counted different statuses as success
 * cannot be judged as one run without the user saying which applies. */
static int resolve_success(struct ingest *g)
{
    struct analysis *an = g->an;
    const struct rep_config *cfg = g->cfg;
    int from = -1; /* the first log whose definition applies */
    memcpy(an->ok_status, cfg->ok_status, sizeof an->ok_status); /* given, or the default */
    for (int i = 0; i < an->nlogs; i++) {
        const struct an_log *l = &an->logs[i];
        unsigned char set[OUTCOME_MAX];
        char why[160];
        if (i > 0 && l->follow_redirects >= 0 && an->logs[0].follow_redirects >= 0 &&
            l->follow_redirects != an->logs[0].follow_redirects)
            analysis_note(an,
                          "%s followed redirects and %s did not: a redirect counts differently "
                          "in each",
                          l->follow_redirects ? l->path : an->logs[0].path,
                          l->follow_redirects ? an->logs[0].path : l->path);
        if (l->ok_status == NULL)
            continue;
        if (outcome_parse_ok_list(l->ok_status, set, why, sizeof why) < 0)
            return fail(g, "%s:1: header ok_status=%.60s: %s", l->path, l->ok_status, why);
        if (cfg->ok_status_given) {
            /* what a reader comparing with the prober's live count must know */
            if (memcmp(set, an->ok_status, sizeof set) != 0)
                analysis_note(an,
                              "%s: its prober counted ok_status=%.60s as success; this report "
                              "judges by --ok-status %.60s",
                              l->path, l->ok_status, cfg->ok_status_arg);
        } else if (from < 0) {
            from = i;
            memcpy(an->ok_status, set, sizeof set);
        } else if (memcmp(an->ok_status, set, sizeof set) != 0) {
            return fail(g,
                        "%s:1: ok_status=%.60s, but %s:1 has ok_status=%.60s: the probers "
                        "counted different statuses as success; give --ok-status to judge "
                        "the logs alike",
                        l->path, l->ok_status, an->logs[from].path, an->logs[from].ok_status);
        }
    }
    if (from >= 0) {
        an->ok_status_text = an->logs[from].ok_status;
        an->ok_status_from = "log";
    } else {
        an->ok_status_text = cfg->ok_status_arg;
        an->ok_status_from = cfg->ok_status_given ? "option" : "default";
    }
    return 0;
}

static int open_logs(struct ingest *g)
{
    struct analysis *an = g->an;
    char msg[512];
    an->logs = calloc((size_t)g->cfg->nlogs, sizeof *an->logs);
    g->src = calloc((size_t)g->cfg->nlogs, sizeof *g->src);
    if (an->logs == NULL || g->src == NULL)
        return fail(g, "out of memory");
    size_t limit = HELD_MAX / (size_t)g->cfg->nlogs;
    if (limit < HELD_MIN_PER_LOG)
        limit = HELD_MIN_PER_LOG;
    for (int i = 0; i < g->cfg->nlogs; i++) {
        struct source *s = &g->src[i];
        struct an_log *log = &an->logs[i];
        log->first_us = log->last_us = log->end_us = log->stop_us = -1;
        log->first_event_us = log->last_event_us = -1;
        log->command.start_us = log->command.end_us = -1;
        log->command_reason = -1;
        log->path = strdup(g->cfg->logs[i]);
        an->nlogs++;
        g->nsrc++;
        s->log = i;
        s->limit = limit;
        s->newest_us = s->final_us = INT64_MIN;
        s->first_us = -1;
        s->last_err_line = -1;
        if (log->path == NULL)
            return fail(g, "out of memory");
        s->r = logr_open(g->cfg->logs[i], msg, sizeof msg);
        if (s->r == NULL)
            return fail(g, "%s", msg);
        const struct log_header *h = logr_header(s->r);
        log->format_version = h->version;
        log->host = xstrdup(h->host);
        log->prober_version = xstrdup(h->prober_version);
        log->prober_revision = xstrdup(h->prober_revision);
        log->prober_libs = xstrdup(h->prober_libs);
        log->cmd = shown(h->cmd);
        log->ok_status = xstrdup(h->ok_status);
        log->follow_redirects = h->follow_redirects;
        log->pid = h->pid;
        s->max_lag_us = g->cfg->max_lag_us >= 0 ? g->cfg->max_lag_us
                        : h->max_lag_us >= 0    ? h->max_lag_us
                                                : DEFAULT_MAX_LAG_US;
        log->max_lag_us = s->max_lag_us;
        log->batch_window_us = h->batch_window_us;
        log->clock_maxerror_us = h->clock_maxerror_us;
        log->clock_synced = h->clock_synced;
    }
    if (resolve_success(g) < 0)
        return -1;
    for (int i = 1; i < an->nlogs; i++) {
        const struct an_log *a = &an->logs[0], *b = &an->logs[i];
        if (a->format_version != b->format_version)
            analysis_note(an, "logs of different format versions: %d (%s), %d (%s)",
                          a->format_version, a->path, b->format_version, b->path);
        if (strcmp(a->prober_version ? a->prober_version : "-",
                   b->prober_version ? b->prober_version : "-") != 0)
            analysis_note(an, "logs written by different pbprobe versions: %s (%s), %s (%s)",
                          a->prober_version ? a->prober_version : "-", a->path,
                          b->prober_version ? b->prober_version : "-", b->path);
    }
    return 0;
}

/* Ticks due after a log's last request of a target: up to the time its
 * schedule stopped (its end line), or, in a log cut short, at least up to
 * its last line. Runs after the pipe has finished, so the targets' state is
 * this thread's; a tail only extends the blind time of a target past the
 * requests that other logs gave it. */
static void account_tails(struct ingest *g)
{
    for (int i = 0; i < g->nsrc; i++) {
        struct source *s = &g->src[i];
        const struct an_log *log = &g->an->logs[s->log];
        int cut = !log->has_end;
        int64_t until = cut ? log->last_event_us : log->stop_us;
        for (int j = 0; j < s->nlt; j++) {
            const struct ltarget *l = &s->lt[j];
            struct an_target *t = &g->an->targets[l->target];
            int64_t from = l->last_us >= 0 ? l->last_us + (int64_t)l->interval_us : l->declared_us;
            if (cut)
                analyze_cut_short(t);
            if (t->last_us >= from)
                from = t->last_us + 1;
            uint64_t n = until < 0 ? 0 : schedule_due_between(from, until, l->interval_us);
            if (n > 0)
                analyze_missing(g->analyzer, l->target, t, n, from, until);
        }
    }
}

/* Offsets count from the first request; a log of the database alone counts
 * from its first probe, and one with neither from its first line. */
static void set_origin(struct analysis *an)
{
    an->origin_us = 0;
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        if (t->first_us >= 0 && (an->origin_us == 0 || t->first_us < an->origin_us))
            an->origin_us = t->first_us;
    }
    if (an->origin_us == 0 && an->db.first_us >= 0)
        an->origin_us = an->db.first_us;
    for (int i = 0; i < an->nlogs && an->origin_us == 0; i++)
        if (an->logs[i].first_event_us >= 0)
            an->origin_us = an->logs[i].first_event_us;
}

/* A prober whose own loop stalled: what it saw around then is suspect, and
 * the blind intervals say what it missed. */
static void note_stalls(struct analysis *an)
{
    for (int i = 0; i < an->nlogs; i++) {
        const struct an_log *l = &an->logs[i];
        if (l->stalls == 0)
            continue;
        analysis_note(an,
                      "%s: the prober's event loop stalled %" PRIu64 " time%s, %.3fs in all, "
                      "the longest %.3fs at +%.3fs (stopped, paused, or starved of CPU: a CPU "
                      "limit too low for the rate?)",
                      l->path, l->stalls, l->stalls == 1 ? "" : "s", (double)l->stall_us / 1e6,
                      (double)l->longest_stall_us / 1e6,
                      (double)(l->longest_stall_at_us - an->origin_us) / 1e6);
    }
}

/* Several probers of one run start together and overlap: say so when their
 * logs do not, as their clocks may disagree (the merge trusts them). */
static void check_clocks(struct analysis *an)
{
    int first = -1, last = -1;
    for (int i = 0; i < an->nlogs; i++) {
        const struct an_log *l = &an->logs[i];
        if (l->reqs == 0)
            continue;
        if (first < 0 || l->first_us < an->logs[first].first_us)
            first = i;
        if (last < 0 || l->first_us > an->logs[last].first_us)
            last = i;
    }
    if (first < 0 || first == last)
        return;
    const struct an_log *a = &an->logs[first], *b = &an->logs[last];
    /* merged by wall time: a disagreement of the clocks beyond the burst
     * gap moves one prober's failures away from the other's */
    if (b->first_us - a->first_us > an->cfg->burst_gap_us)
        analysis_note(an,
                      "logs start %.1fs apart (%s first, %s last): their probers started "
                      "at different times or their clocks disagree by more than --burst-gap",
                      (double)(b->first_us - a->first_us) / 1e6, a->path, b->path);
    /* probers on one host share its clock: only other hosts can disagree */
    int hosts = 0;
    for (int i = 1; i < an->nlogs; i++)
        hosts |= strcmp(an->logs[i].host ? an->logs[i].host : "",
                        an->logs[0].host ? an->logs[0].host : "") != 0;
    for (int i = 0; i < an->nlogs && hosts && !an->cfg->by_log; i++) {
        const struct an_log *l = &an->logs[i];
        if (l->reqs == 0)
            continue;
        if (l->clock_synced == 0 || l->clock_maxerror_us > an->cfg->burst_gap_us)
            analysis_note(an,
                          "%s: its prober's clock was %s (maximum error %.3fs): merged by time, "
                          "its requests may be placed wrongly against the other logs'",
                          l->path,
                          l->clock_synced == 0 ? "not synchronized" : "loosely synchronized",
                          (double)l->clock_maxerror_us / 1e6);
    }
    for (int i = 0; i < an->nlogs; i++)
        for (int j = i + 1; j < an->nlogs; j++) {
            const struct an_log *x = &an->logs[i], *y = &an->logs[j];
            if (x->reqs && y->reqs && (x->last_us < y->first_us || y->last_us < x->first_us))
                analysis_note(an, "%s and %s do not overlap in time%s", x->path, y->path,
                              an->cfg->by_log ? "" : ": merged anyway");
        }
}

int ingest_run(struct analysis *an, const struct rep_config *cfg, char *err, size_t errlen)
{
    struct ingest g = {
        .an = an,
        .cfg = cfg,
        .err = err,
        .errlen = errlen,
        .first_released_us = -1,
        .versions = {.list = &an->version_names, .n = &an->nversion_names, .max = VER_NAMES_MAX},
        .peers = {.list = &an->peer_names, .n = &an->npeer_names, .max = SPLIT_PEERS_MAX},
        .protocols = {.list = &an->protocol_names,
                      .n = &an->nprotocol_names,
                      .max = SPLIT_PROTOCOLS_MAX},
    };
    int rc = 0;
    an->cfg = cfg;
    an->first_us = an->last_us = -1;
    if ((g.db = dbwork_new()) == NULL || (g.analyzer = analyzer_new()) == NULL ||
        (g.pipe = pipe_start(an, g.analyzer)) == NULL) {
        rc = fail(&g, "out of memory");
        goto out;
    }
    if (open_logs(&g) < 0) {
        rc = -1;
        goto out;
    }
    for (;;) {
        struct source *best = NULL;
        for (int i = 0; i < g.nsrc; i++) {
            struct source *s = &g.src[i];
            if (ready(&g, s) < 0) {
                rc = -1;
                goto out;
            }
            if (held(s) && (best == NULL || front(s)->t_us < front(best)->t_us))
                best = s;
        }
        if (best == NULL)
            break;
        struct entry e = pop(best);
        if (release(&g, best, &e) < 0) {
            rc = -1;
            goto out;
        }
    }
    if (pipe_finish(g.pipe) < 0) {
        g.pipe = NULL;
        rc = fail(&g, "out of memory");
        goto out;
    }
    g.pipe = NULL;
    account_tails(&g);
    /* the database lane is complete before anything asks where it starts */
    if (dbanalysis_finish(&an->db, g.db, an->ntargets, err, errlen) < 0) {
        rc = -1;
        goto out;
    }
    set_origin(an);
    for (int i = 0; i < an->ntargets; i++) {
        const struct an_target *t = &an->targets[i];
        if (t->first_us >= 0 && (an->first_us < 0 || t->first_us < an->first_us))
            an->first_us = t->first_us;
        if (t->last_us > an->last_us)
            an->last_us = t->last_us;
    }
    check_clocks(an);
    note_stalls(an);
    rc = analyze_finish(g.analyzer, an, err, errlen);
out:
    pipe_finish(g.pipe); /* after an error: stops the thread, the result is not used */
    for (int i = 0; i < g.nsrc; i++) {
        struct source *s = &g.src[i];
        logr_close(s->r);
        free(s->buf);
        free(s->heap);
        for (int j = 0; j < s->nlt; j++)
            free(s->lt[j].name);
        free(s->lt);
        strmap_free(&s->names);
    }
    free(g.src);
    dbwork_free(g.db);
    analyzer_free(g.analyzer);
    strmap_free(&g.targets);
    strmap_free(&g.versions.map);
    strmap_free(&g.peers.map);
    strmap_free(&g.protocols.map);
    return rc;
}
