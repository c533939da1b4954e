/* The database section (dbanalysis.h). Database events are few (one of each
 * kind per --db-interval), so ingest keeps them all and they are sorted once
 * at the end; HTTP requests are kept only while sessions wait on a lock, so
 * memory grows with the waits, never with the run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbanalysis.h"
#include "logevent.h"

struct db_raw {
    int64_t t_us;
    long seq; /* order of reading: ties keep it */
    enum log_kind kind;
    enum log_db_probe probe;
    enum log_db_outcome outcome;
    int64_t latency_us;
    char code[8];
    int64_t waiting, longest_us;
    char *text; /* schema value or relation; NULL when none */
    char *mode;
    long blocker;
};

struct db_lock_sample {
    int64_t t_us;
    int waiting;
};

struct db_req {
    int64_t t_us;
    int64_t latency_us;
    int target;
    int ok;
};

struct db_work {
    int present; /* any database event */
    struct db_raw *raw;
    size_t nraw, raw_cap;
    struct db_lock_sample *samples; /* db-locks, sorted by time, for dbwork_req */
    size_t nsamples, samples_cap;
    struct db_req *reqs; /* HTTP requests scheduled while sessions waited */
    size_t nreqs, reqs_cap;
    long seq;
};

struct db_work *dbwork_new(void)
{
    return calloc(1, sizeof(struct db_work));
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    void *q = realloc(*p, c * size);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

int dbwork_event(struct db_work *db, const struct log_event *ev)
{
    if (grow((void **)&db->raw, &db->raw_cap, db->nraw, sizeof *db->raw) < 0)
        return -1;
    struct db_raw *r = memset(&db->raw[db->nraw], 0, sizeof *r);
    r->t_us = ev->wall_us;
    r->seq = db->seq++;
    r->kind = ev->kind;
    r->blocker = -1;
    db->present = 1;
    switch (ev->kind) {
    case LOG_DB:
        r->probe = ev->u.db.probe;
        r->outcome = ev->u.db.outcome;
        r->latency_us = ev->u.db.latency_us;
        if (ev->u.db.sqlstate)
            snprintf(r->code, sizeof r->code, "%s", ev->u.db.sqlstate);
        break;
    case LOG_DB_SCHEMA:
        if (ev->u.text && (r->text = strdup(ev->u.text)) == NULL)
            return -1;
        break;
    case LOG_DB_LOCKS:
        r->waiting = ev->u.locks.waiting;
        r->longest_us = ev->u.locks.longest_us;
        r->blocker = ev->u.locks.blocker_pid;
        if ((ev->u.locks.relation && (r->text = strdup(ev->u.locks.relation)) == NULL) ||
            (ev->u.locks.mode && (r->mode = strdup(ev->u.locks.mode)) == NULL)) {
            free(r->text);
            return -1;
        }
        /* the samples stay sorted: lines come nearly in order, insert from the end */
        if (grow((void **)&db->samples, &db->samples_cap, db->nsamples, sizeof *db->samples) < 0) {
            free(r->text);
            free(r->mode);
            return -1;
        }
        size_t i = db->nsamples++;
        while (i > 0 && db->samples[i - 1].t_us > r->t_us) {
            db->samples[i] = db->samples[i - 1];
            i--;
        }
        db->samples[i].t_us = r->t_us;
        db->samples[i].waiting = r->waiting > 0;
        break;
    default:
        return 0;
    }
    db->nraw++;
    return 0;
}

int dbwork_req(struct db_work *db, int64_t t_us, int target, int64_t latency_us, int ok)
{
    if (db->nsamples == 0 || t_us < db->samples[0].t_us)
        return 0;
    /* the last sample at or before t_us */
    size_t lo = 0, hi = db->nsamples;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (db->samples[mid].t_us <= t_us)
            lo = mid;
        else
            hi = mid;
    }
    if (!db->samples[lo].waiting)
        return 0;
    if (grow((void **)&db->reqs, &db->reqs_cap, db->nreqs, sizeof *db->reqs) < 0)
        return -1;
    db->reqs[db->nreqs++] = (struct db_req){t_us, latency_us, target, ok};
    return 0;
}

static int by_time(const void *a, const void *b)
{
    const struct db_raw *x = a, *y = b;
    if (x->t_us != y->t_us)
        return x->t_us < y->t_us ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void codes_add(struct db_codes *c, const char *code)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->c[i].code, code) == 0) {
            c->c[i].count++;
            /* most frequent first */
            while (i > 0 && c->c[i].count > c->c[i - 1].count) {
                struct db_code t = c->c[i];
                c->c[i] = c->c[i - 1];
                c->c[i - 1] = t;
                i--;
            }
            return;
        }
    if (c->n == DB_CODES_MAX) {
        c->rest++;
        return;
    }
    snprintf(c->c[c->n].code, sizeof c->c[c->n].code, "%s", code);
    c->c[c->n++].count = 1;
}

static struct db_window *window_open(struct db_window **w, int *n, int64_t t_us)
{
    struct db_window *q = realloc(*w, (size_t)(*n + 1) * sizeof *q);
    if (q == NULL)
        return NULL;
    *w = q;
    struct db_window *x = memset(&q[(*n)++], 0, sizeof *x);
    x->start_us = t_us;
    x->open = 1;
    return x;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The latency of each target's requests scheduled within the wait. */
static int lock_latency(const struct db_work *work, struct db_lock_wait *w, int ntargets)
{
    int64_t *lat = NULL;
    size_t cap = 0;
    for (int t = 0; t < ntargets; t++) {
        size_t n = 0;
        uint64_t requests = 0, failed = 0;
        for (size_t i = 0; i < work->nreqs; i++) {
            const struct db_req *q = &work->reqs[i];
            if (q->target != t || q->t_us < w->start_us ||
                (w->open ? q->t_us > w->end_us : q->t_us >= w->end_us))
                continue;
            requests++;
            failed += !q->ok;
            if (grow((void **)&lat, &cap, n, sizeof *lat) < 0) {
                free(lat);
                return -1;
            }
            lat[n++] = q->latency_us;
        }
        if (requests == 0)
            continue;
        struct db_lock_latency *l = realloc(w->lat, (size_t)(w->nlat + 1) * sizeof *l);
        if (l == NULL) {
            free(lat);
            return -1;
        }
        w->lat = l;
        qsort(lat, n, sizeof *lat, cmp_i64);
        /* nearest rank, as the histogram's percentiles */
        size_t rank = (size_t)((99 * n + 99) / 100);
        w->lat[w->nlat++] =
            (struct db_lock_latency){t, requests, failed, lat[rank - 1], lat[n - 1]};
    }
    free(lat);
    return 0;
}

int dbanalysis_finish(struct db_analysis *db, struct db_work *work, int ntargets, char *err,
                      size_t errlen)
{
    struct db_window *down = NULL, *refused = NULL;
    struct db_lock_wait *lw = NULL;
    db->first_us = db->last_us = -1;
    db->longest_unreachable = db->longest_lock = -1;
    db->present = work->present;
    if (work->nraw > 0) /* qsort of a null pointer is undefined, even for no elements */
        qsort(work->raw, work->nraw, sizeof *work->raw, by_time);
    for (size_t i = 0; i < work->nraw; i++) {
        struct db_raw *r = &work->raw[i];
        switch (r->kind) {
        case LOG_DB: {
            int failed = r->outcome != LOG_DB_OK;
            db->probes[r->probe][r->outcome]++;
            db->nprobes[r->probe]++;
            if (db->first_us < 0)
                db->first_us = r->t_us;
            db->last_us = r->t_us;
            if (failed)
                codes_add(&db->errors, r->code);
            if (r->probe == LOG_DB_QUERY) {
                /* an error is an answer: the database is reachable */
                int unreachable = r->outcome == LOG_DB_DOWN || r->outcome == LOG_DB_TIMEOUT;
                if (!unreachable) {
                    db->reachable = 1;
                    if (down) {
                        down->end_us = r->t_us;
                        down->open = 0;
                        down = NULL;
                    }
                } else {
                    if (!down &&
                        (down = window_open(&db->unreachable, &db->nunreachable, r->t_us)) == NULL)
                        goto nomem;
                    down->probes++;
                    codes_add(&down->codes, r->code);
                    down->end_us = r->t_us + (r->latency_us > 0 ? r->latency_us : 0);
                }
            } else if (failed && down) {
                /* the database is unreachable: not a refusal of fresh connections */
            } else if (failed) {
                if (!refused &&
                    (refused = window_open(&db->refused, &db->nrefused, r->t_us)) == NULL)
                    goto nomem;
                refused->probes++;
                codes_add(&refused->codes, r->code);
                refused->end_us = r->t_us + (r->latency_us > 0 ? r->latency_us : 0);
            } else if (refused) {
                refused->end_us = r->t_us;
                refused->open = 0;
                refused = NULL;
            }
            break;
        }
        case LOG_DB_SCHEMA: {
            /* several logs each log their first value: keep the changes only */
            const struct db_schema_change *last = db->nschema ? &db->schema[db->nschema - 1] : NULL;
            if (last && (last->value == NULL ? r->text == NULL
                                             : r->text && strcmp(last->value, r->text) == 0))
                break;
            struct db_schema_change *s = realloc(db->schema, (size_t)(db->nschema + 1) * sizeof *s);
            if (s == NULL)
                goto nomem;
            db->schema = s;
            s[db->nschema].t_us = r->t_us;
            s[db->nschema++].value = r->text;
            r->text = NULL;
            break;
        }
        case LOG_DB_LOCKS:
            if (r->longest_us > db->longest_single_wait_us)
                db->longest_single_wait_us = r->longest_us;
            if (r->waiting <= 0) {
                if (lw) {
                    lw->end_us = r->t_us;
                    lw->open = 0;
                    lw = NULL;
                }
                break;
            }
            if (!lw) {
                struct db_lock_wait *n = realloc(db->locks, (size_t)(db->nlocks + 1) * sizeof *n);
                if (n == NULL)
                    goto nomem;
                db->locks = n;
                lw = memset(&n[db->nlocks++], 0, sizeof *lw);
                lw->start_us = r->t_us;
                lw->open = 1;
                lw->longest_wait_us = -1;
                lw->blocker = -1;
            }
            lw->end_us = r->t_us;
            if (r->waiting > lw->peak_waiting)
                lw->peak_waiting = r->waiting;
            if (r->longest_us > lw->longest_wait_us) {
                lw->longest_wait_us = r->longest_us;
                free(lw->relation);
                free(lw->mode);
                lw->relation = r->text;
                lw->mode = r->mode;
                r->text = r->mode = NULL;
                lw->blocker = r->blocker;
            }
            break;
        default:
            break;
        }
    }
    for (int i = 0; i < db->nunreachable; i++) {
        const struct db_window *w = &db->unreachable[i];
        db->unreachable_total_us += w->end_us - w->start_us;
        if (db->longest_unreachable < 0 ||
            w->end_us - w->start_us > db->unreachable[db->longest_unreachable].end_us -
                                          db->unreachable[db->longest_unreachable].start_us)
            db->longest_unreachable = i;
    }
    for (int i = 0; i < db->nlocks; i++) {
        struct db_lock_wait *w = &db->locks[i];
        if (w->longest_wait_us < 0)
            w->longest_wait_us = 0;
        if (lock_latency(work, w, ntargets) < 0)
            goto nomem;
        if (db->longest_lock < 0 ||
            w->end_us - w->start_us >
                db->locks[db->longest_lock].end_us - db->locks[db->longest_lock].start_us)
            db->longest_lock = i;
    }
    if (db->longest_unreachable >= 0)
        db->longest_unreachable_us = db->unreachable[db->longest_unreachable].end_us -
                                     db->unreachable[db->longest_unreachable].start_us;
    if (db->longest_lock >= 0)
        db->longest_lock_us =
            db->locks[db->longest_lock].end_us - db->locks[db->longest_lock].start_us;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -1;
}

void dbwork_free(struct db_work *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->nraw; i++) {
        free(w->raw[i].text);
        free(w->raw[i].mode);
    }
    free(w->raw);
    free(w->samples);
    free(w->reqs);
    free(w);
}

void dbanalysis_free(struct db_analysis *db)
{
    free(db->unreachable);
    free(db->refused);
    for (int i = 0; i < db->nschema; i++)
        free(db->schema[i].value);
    free(db->schema);
    for (int i = 0; i < db->nlocks; i++) {
        free(db->locks[i].relation);
        free(db->locks[i].mode);
        free(db->locks[i].lat);
    }
    free(db->locks);
    memset(db, 0, sizeof *db);
}
