/* Formatting and buffered writing of log lines (logwrite.h). Hand-rolled
 * integer formatting: at 10k requests a second printf is a visible cost. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logwrite.h"
#include "outcome.h"

#define BUF_SIZE (256 * 1024)
#define LINE_MAX_BYTES (64 * 1024) /* a longer line is cut: fields are truncated */

struct logw {
    int fd;
    int own_fd;
    char *path;
    char *buf;
    size_t len;
    int failed;
    char err[256];
};

struct logw *logw_open(const char *path, char *err, size_t errlen)
{
    struct logw *w = calloc(1, sizeof *w);
    if (w == NULL || (w->buf = malloc(BUF_SIZE)) == NULL || (w->path = strdup(path)) == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        if (w)
            free(w->buf);
        free(w);
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        w->fd = STDOUT_FILENO;
    } else {
        w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (w->fd < 0) {
            snprintf(err, errlen, "%s: cannot open for writing: %s", path, strerror(errno));
            free(w->buf);
            free(w->path);
            free(w);
            return NULL;
        }
        w->own_fd = 1;
    }
    return w;
}

/* Room for one more line; flushes first when the buffer is nearly full. */
static char *line_begin(struct logw *w)
{
    if (w->failed)
        return NULL;
    if (BUF_SIZE - w->len < LINE_MAX_BYTES && logw_flush(w) < 0)
        return NULL;
    return w->buf + w->len;
}

static int line_end(struct logw *w, char *p)
{
    *p++ = '\n';
    w->len = (size_t)(p - w->buf);
    return 0;
}

static char *put_i64(char *p, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u;
    if (v < 0) {
        *p++ = '-';
        u = (uint64_t)0 - (uint64_t)v;
    } else {
        u = (uint64_t)v;
    }
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *put_opt_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return p;
    }
    return put_i64(p, v);
}

/* A field with the escapes of docs/log-format.md; NULL is "-". At most
 * `room` bytes are written: a field never runs past the line buffer. */
static char *put_field(char *p, const char *s, size_t room)
{
    char *end = p + room - 2;
    if (s == NULL) {
        *p++ = '-';
        return p;
    }
    if (strcmp(s, "-") == 0) {
        *p++ = '\\';
        *p++ = '-';
        return p;
    }
    for (; *s && p < end; s++) {
        switch (*s) {
        case '\t':
            *p++ = '\\';
            *p++ = 't';
            break;
        case '\n':
            *p++ = '\\';
            *p++ = 'n';
            break;
        case '\r':
            *p++ = '\\';
            *p++ = 'r';
            break;
        case '\\':
            *p++ = '\\';
            *p++ = '\\';
            break;
        default:
            *p++ = *s;
        }
    }
    return p;
}

static char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

/* Per-field budget so that a line with several long fields still fits. */
#define FIELD_ROOM (LINE_MAX_BYTES / 8)

int logw_header(struct logw *w, const struct log_header *h)
{
    char *p = line_begin(w);
    if (p == NULL)
        return -1;
    p = put_str(p, "#pbprobe-log ");
    p = put_i64(p, h->version);
    if (h->wall_start_us >= 0) {
        p = put_str(p, "\tstart_us=");
        p = put_i64(p, h->wall_start_us);
    }
    if (h->host) {
        p = put_str(p, "\thost=");
        p = put_field(p, h->host, FIELD_ROOM);
    }
    if (h->pid > 0) {
        p = put_str(p, "\tpid=");
        p = put_i64(p, h->pid);
    }
    if (h->prober_version) {
        p = put_str(p, "\tversion=");
        p = put_field(p, h->prober_version, FIELD_ROOM);
    }
    if (h->prober_revision) {
        p = put_str(p, "\trevision=");
        p = put_field(p, h->prober_revision, FIELD_ROOM);
    }
    if (h->prober_libs) {
        p = put_str(p, "\tlibs=");
        p = put_field(p, h->prober_libs, FIELD_ROOM);
    }
    if (h->max_lag_us > 0) {
        p = put_str(p, "\tmax_lag_us=");
        p = put_i64(p, h->max_lag_us);
    }
    if (h->batch_window_us > 0) {
        p = put_str(p, "\tbatch_window_us=");
        p = put_i64(p, h->batch_window_us);
    }
    if (h->ok_status) { /* a prober that defines success says how it treats redirects */
        p = put_str(p, "\tok_status=");
        p = put_field(p, h->ok_status, FIELD_ROOM);
        p = put_str(p, "\tfollow_redirects=");
        p = put_i64(p, h->follow_redirects > 0);
    }
    if (h->clock_synced >= 0 && h->clock_maxerror_us > 0) {
        p = put_str(p, "\tclock_synced=");
        p = put_i64(p, h->clock_synced);
        p = put_str(p, "\tclock_maxerror_us=");
        p = put_i64(p, h->clock_maxerror_us);
    }
    if (h->cmd) {
        p = put_str(p, "\tcmd=");
        p = put_field(p, h->cmd, 4 * FIELD_ROOM);
    }
    return line_end(w, p);
}

int logw_req(struct logw *w, const struct log_req *r)
{
    char nbuf[12];
    char *p = line_begin(w);
    if (p == NULL)
        return -1;
    p = put_str(p, "req\t");
    p = put_i64(p, r->wall_sched_us);
    *p++ = '\t';
    p = put_field(p, r->target, FIELD_ROOM);
    *p++ = '\t';
    p = put_str(p, outcome_name(r->outcome, nbuf));
    *p++ = '\t';
    p = put_opt_i64(p, r->latency_us);
    *p++ = '\t';
    p = put_opt_i64(p, r->delay_us);
    *p++ = '\t';
    p = put_opt_i64(p, r->bytes);
    *p++ = '\t';
    p = put_opt_i64(p, r->reused);
    *p++ = '\t';
    p = put_field(p, r->peer, FIELD_ROOM);
    *p++ = '\t';
    p = put_field(p, r->version, FIELD_ROOM);
    *p++ = '\t';
    p = put_field(p, r->request_id, FIELD_ROOM);
    *p++ = '\t';
    p = put_opt_i64(p, r->lag_us);
    *p++ = '\t';
    p = put_opt_i64(p, r->stalled);
    *p++ = '\t';
    p = put_field(p, r->protocol, FIELD_ROOM);
    return line_end(w, p);
}

int logw_target(struct logw *w, int64_t wall_us, const struct log_target *t)
{
    char rate[32];
    char *p = line_begin(w);
    if (p == NULL)
        return -1;
    snprintf(rate, sizeof rate, "%.6g", t->rate);
    p = put_str(p, "target\t");
    p = put_i64(p, wall_us);
    *p++ = '\t';
    p = put_field(p, t->name, FIELD_ROOM);
    *p++ = '\t';
    p = put_field(p, t->url, 2 * FIELD_ROOM);
    *p++ = '\t';
    p = put_str(p, rate);
    *p++ = '\t';
    p = put_field(p, t->flags, FIELD_ROOM);
    return line_end(w, p);
}

int logw_text(struct logw *w, const char *kind, int64_t wall_us, const char *text)
{
    char *p = line_begin(w);
    if (p == NULL)
        return -1;
    p = put_str(p, kind);
    *p++ = '\t';
    p = put_i64(p, wall_us);
    *p++ = '\t';
    p = put_field(p, text, 2 * FIELD_ROOM);
    return line_end(w, p);
}

int logw_end(struct logw *w, int64_t wall_us, const char *reason, int64_t stop_us)
{
    char *p = line_begin(w);
    if (p == NULL)
        return -1;
    p = put_str(p, "end\t");
    p = put_i64(p, wall_us);
    *p++ = '\t';
    p = put_field(p, reason, FIELD_ROOM);
    *p++ = '\t';
    p = put_opt_i64(p, stop_us);
    return line_end(w, p);
}

int logw_cmd_start(struct logw *w, int64_t wall_us, const struct log_cmd_start *c)
{
    char *p = line_begin(w);
    if (p == NULL)
        return -1;
    p = put_str(p, "cmd-start\t");
    p = put_i64(p, wall_us);
    *p++ = '\t';
    p = put_i64(p, c->pid);
    *p++ = '\t';
    p = put_field(p, c->command, 4 * FIELD_ROOM);
    return line_end(w, p);
}

int logw_cmd_exit(struct logw *w, int64_t wall_us, const struct log_cmd_exit *c)
{
    char *p = line_begin(w);
    if (p == NULL)
        return -1;
    p = put_str(p, "cmd-exit\t");
    p = put_i64(p, wall_us);
    *p++ = '\t';
    p = put_i64(p, c->status);
    *p++ = '\t';
    p = put_field(p, c->how, FIELD_ROOM);
    return line_end(w, p);
}

static const char *const db_probe_names[] = {"query", "connect"};
static const char *const db_outcome_names[] = {"ok", "down", "timeout", "error"};

const char *log_db_probe_name(enum log_db_probe p)
{
    return db_probe_names[p];
}

const char *log_db_outcome_name(enum log_db_outcome o)
{
    return db_outcome_names[o];
}

int logw_db(struct logw *w, int64_t wall_us, const struct log_db *d)
{
    char *p = line_begin(w);
    if (p == NULL)
        return -1;
    p = put_str(p, "db\t");
    p = put_i64(p, wall_us);
    *p++ = '\t';
    p = put_str(p, db_probe_names[d->probe]);
    *p++ = '\t';
    p = put_str(p, db_outcome_names[d->outcome]);
    *p++ = '\t';
    p = put_opt_i64(p, d->latency_us);
    *p++ = '\t';
    p = put_field(p, d->sqlstate, 16);
    *p++ = '\t';
    p = put_field(p, d->message, 2 * FIELD_ROOM);
    return line_end(w, p);
}

int logw_db_schema(struct logw *w, int64_t wall_us, const char *value)
{
    char *p = line_begin(w);
    if (p == NULL)
        return -1;
    p = put_str(p, "db-schema\t");
    p = put_i64(p, wall_us);
    *p++ = '\t';
    p = put_field(p, value, FIELD_ROOM);
    return line_end(w, p);
}

int logw_db_locks(struct logw *w, int64_t wall_us, const struct log_db_locks *l)
{
    char *p = line_begin(w);
    if (p == NULL)
        return -1;
    p = put_str(p, "db-locks\t");
    p = put_i64(p, wall_us);
    *p++ = '\t';
    p = put_i64(p, l->waiting);
    *p++ = '\t';
    p = put_i64(p, l->longest_us);
    *p++ = '\t';
    p = put_field(p, l->relation, FIELD_ROOM);
    *p++ = '\t';
    p = put_field(p, l->mode, FIELD_ROOM);
    *p++ = '\t';
    p = put_opt_i64(p, l->blocker_pid);
    return line_end(w, p);
}

int logw_stall(struct logw *w, int64_t wall_us, const struct log_stall *st)
{
    char *p = line_begin(w);
    if (p == NULL)
        return -1;
    p = put_str(p, "stall\t");
    p = put_i64(p, wall_us);
    *p++ = '\t';
    p = put_i64(p, st->end_us);
    *p++ = '\t';
    p = put_i64(p, st->length_us);
    return line_end(w, p);
}

int logw_abort(struct logw *w, int64_t wall_us, const struct log_abort *a)
{
    char *p = line_begin(w);
    if (p == NULL)
        return -1;
    p = put_str(p, "abort\t");
    p = put_i64(p, wall_us);
    *p++ = '\t';
    p = put_field(p, a->target, FIELD_ROOM);
    *p++ = '\t';
    p = put_field(p, a->rule, FIELD_ROOM);
    *p++ = '\t';
    p = put_i64(p, a->value);
    *p++ = '\t';
    p = put_i64(p, a->limit);
    return line_end(w, p);
}

int logw_event(struct logw *w, const struct log_event *ev)
{
    switch (ev->kind) {
    case LOG_REQ:
        return logw_req(w, &ev->u.req);
    case LOG_TARGET:
        return logw_target(w, ev->wall_us, &ev->u.target);
    case LOG_MARK:
        return logw_text(w, "mark", ev->wall_us, ev->u.text);
    case LOG_WARN:
        return logw_text(w, "warn", ev->wall_us, ev->u.text);
    case LOG_END:
        return logw_end(w, ev->wall_us, ev->u.text, ev->stop_us);
    case LOG_STALL:
        return logw_stall(w, ev->wall_us, &ev->u.stall);
    case LOG_ABORT:
        return logw_abort(w, ev->wall_us, &ev->u.abort);
    case LOG_CMD_START:
        return logw_cmd_start(w, ev->wall_us, &ev->u.cmd_start);
    case LOG_CMD_EXIT:
        return logw_cmd_exit(w, ev->wall_us, &ev->u.cmd_exit);
    case LOG_DB:
        return logw_db(w, ev->wall_us, &ev->u.db);
    case LOG_DB_SCHEMA:
        return logw_db_schema(w, ev->wall_us, ev->u.text);
    case LOG_DB_LOCKS:
        return logw_db_locks(w, ev->wall_us, &ev->u.locks);
    case LOG_UNKNOWN:
        break;
    }
    return 0;
}

int logw_flush(struct logw *w)
{
    size_t off = 0;
    if (w->failed)
        return -1;
    while (off < w->len) {
        ssize_t n = write(w->fd, w->buf + off, w->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(w->err, sizeof w->err, "%s: write failed: %s", w->path,
                     n < 0 ? strerror(errno) : "wrote nothing");
            w->failed = 1;
            w->len = 0;
            return -1;
        }
        off += (size_t)n;
    }
    w->len = 0;
    return 0;
}

const char *logw_error(const struct logw *w)
{
    return w->failed ? w->err : NULL;
}

size_t logw_pending(const struct logw *w)
{
    return w->len;
}

int logw_close(struct logw *w, char *err, size_t errlen)
{
    int rc = logw_flush(w);
    if (w->own_fd && close(w->fd) < 0 && rc == 0) {
        snprintf(w->err, sizeof w->err, "%s: close failed: %s", w->path, strerror(errno));
        w->failed = 1;
        rc = -1;
    }
    if (rc < 0)
        snprintf(err, errlen, "%s", w->err);
    free(w->buf);
    free(w->path);
    free(w);
    return rc;
}
