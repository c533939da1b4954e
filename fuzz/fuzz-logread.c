/* libFuzzer target for the log reader (lib/logread.c): any bytes, as a file,
 * must give events or errors naming the file, never a crash, a hang or a
 * read out of bounds. And what the reader accepts, the writer writes back
 * stably: write(read(write(read(x)))) == write(read(x)).
 * Built with --enable-fuzz (clang); run by fuzz/run. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "logread.h"
#include "logwrite.h"
#include "redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reader takes a path: an in-memory file seen through /dev/fd/N. */
struct memfile {
    int fd;
    char path[32];
};

static void memfile_init(struct memfile *m, const char *name)
{
    if (m->path[0])
        return;
    m->fd = memfd_create(name, MFD_CLOEXEC);
    if (m->fd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(m->path, sizeof m->path, "/dev/fd/%d", m->fd);
}

static void memfile_set(struct memfile *m, const uint8_t *data, size_t size)
{
    if (ftruncate(m->fd, 0) < 0 || (size && pwrite(m->fd, data, size, 0) != (ssize_t)size)) {
        perror("memfile_set");
        abort();
    }
}

/* The whole content, malloc'ed (NUL-terminated, length in *len). */
static char *memfile_get(const struct memfile *m, size_t *len)
{
    off_t end = lseek(m->fd, 0, SEEK_END);
    char *buf = malloc((size_t)end + 1);
    if (end < 0 || buf == NULL || pread(m->fd, buf, (size_t)end, 0) != end)
        abort();
    buf[end] = '\0';
    *len = (size_t)end;
    return buf;
}

/* Errors name the file: "path: ..." or "path:line: ...". */
static void check_error(const char *path, const char *err)
{
    size_t n = strlen(path);
    if (strncmp(err, path, n) != 0 || err[n] != ':' || strchr(err, '\n') != NULL) {
        fprintf(stderr, "error does not start with \"%s:\" or spans lines: \"%s\"\n", path, err);
        abort();
    }
}

/* Lets ASan check every string handed out, and the redaction the report
 * runs on a log's strings (lib/redact.h) on each of them. */
static size_t touch(const char *s)
{
    if (s == NULL)
        return 0;
    free(redact_text(s, NULL));
    return strlen(s);
}

/* Reads `in` to the end and, when w is not NULL, writes every event it can
 * back with the writer. Returns the number of events read. */
static long read_all(const char *in, struct logw *w)
{
    char err[512];
    struct logr *r = logr_open(in, err, sizeof err);
    if (r == NULL) {
        check_error(in, err);
        return -1;
    }
    const struct log_header *h = logr_header(r);
    touch(h->host);
    touch(h->cmd);
    touch(h->prober_version);
    int64_t last_us;
    logr_last_time(r, &last_us); /* the tail parser, on the same bytes */
    if (w)
        logw_header(w, h);
    struct log_event ev;
    long events = 0, last_line = logr_lineno(r);
    int rc;
    while ((rc = logr_next(r, &ev, err, sizeof err)) != 0) {
        long line = logr_lineno(r);
        if (line <= last_line) {
            /* the reader must move on, or a caller that goes on after -1 spins */
            fprintf(stderr, "logr_next returned %d without reading a line (line %ld)\n", rc, line);
            abort();
        }
        last_line = line;
        if (rc < 0) {
            check_error(in, err);
            continue;
        }
        events++;
        touch(ev.kind_name);
        switch (ev.kind) {
        case LOG_REQ:
            touch(ev.u.req.target);
            touch(ev.u.req.peer);
            touch(ev.u.req.version);
            touch(ev.u.req.request_id);
            break;
        case LOG_TARGET:
            touch(ev.u.target.name);
            touch(ev.u.target.url);
            touch(ev.u.target.flags);
            break;
        case LOG_MARK:
        case LOG_WARN:
        case LOG_END:
        case LOG_DB_SCHEMA:
            touch(ev.u.text);
            break;
        case LOG_CMD_START:
            touch(ev.u.cmd_start.command);
            break;
        case LOG_CMD_EXIT:
            touch(ev.u.cmd_exit.how);
            break;
        case LOG_DB:
            touch(ev.u.db.sqlstate);
            touch(ev.u.db.message);
            break;
        case LOG_DB_LOCKS:
            touch(ev.u.locks.relation);
            touch(ev.u.locks.mode);
            break;
        case LOG_ABORT:
            touch(ev.u.abort.target);
            touch(ev.u.abort.rule);
            break;
        case LOG_STALL:
        case LOG_UNKNOWN:
            break;
        }
        if (w)
            logw_event(w, &ev);
    }
    (void)logr_truncated(r);
    (void)logr_unknown_lines(r);
    logr_close(r);
    return events;
}

static long rewrite(const struct memfile *in, const struct memfile *out)
{
    char err[512];
    struct logw *w = logw_open(out->path, err, sizeof err);
    if (w == NULL) {
        fprintf(stderr, "logw_open: %s\n", err);
        abort();
    }
    long events = read_all(in->path, w);
    if (logw_close(w, err, sizeof err) != 0) {
        fprintf(stderr, "logw_close: %s\n", err);
        abort();
    }
    return events;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct memfile input, gen1, gen2;
    memfile_init(&input, "input");
    memfile_init(&gen1, "gen1");
    memfile_init(&gen2, "gen2");
    memfile_set(&input, data, size);

    long events = rewrite(&input, &gen1);
    if (events < 0)
        return 0; /* refused as a whole: the error was checked */
    long events1 = rewrite(&gen1, &gen2);
    size_t len1, len2;
    char *a = memfile_get(&gen1, &len1);
    char *b = memfile_get(&gen2, &len2);
    if (len1 != len2 || memcmp(a, b, len1) != 0) {
        fprintf(stderr,
                "rewriting is not stable (%ld then %ld events):\n--- gen1\n%s\n--- gen2\n%s\n",
                events, events1, a, b);
        abort();
    }
    free(a);
    free(b);
    return 0;
}
