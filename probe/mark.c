/* The marker FIFO and its client (mark.h). One write of a short line to a
 * FIFO is atomic (below PIPE_BUF), so concurrent markers never interleave. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "mark.h"
#include "exit.h"

#define MARK_TEXT_MAX 1024

struct markfifo {
    char dir[PATH_MAX - 16];
    char path[PATH_MAX];
    int rfd, wfd; /* wfd keeps the FIFO open so readers never see end-of-file */
    char buf[4 * MARK_TEXT_MAX];
    size_t len;
};

struct markfifo *markfifo_open(char *err, size_t errlen)
{
    struct markfifo *m = calloc(1, sizeof *m);
    const char *tmp = getenv("TMPDIR");
    if (m == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->rfd = m->wfd = -1;
    snprintf(m->dir, sizeof m->dir, "%s/pbprobe-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(m->dir) == NULL) {
        snprintf(err, errlen, "%s: cannot create the marker directory: %s", m->dir,
                 strerror(errno));
        free(m);
        return NULL;
    }
    snprintf(m->path, sizeof m->path, "%s/mark", m->dir);
    if (mkfifo(m->path, 0600) < 0 ||
        (m->rfd = open(m->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
        (m->wfd = open(m->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
        snprintf(err, errlen, "%s: cannot create the marker FIFO: %s", m->path, strerror(errno));
        markfifo_close(m);
        return NULL;
    }
    return m;
}

const char *markfifo_path(const struct markfifo *m)
{
    return m->path;
}

int markfifo_fd(const struct markfifo *m)
{
    return m->rfd;
}

void mark_parse_line(char *line, int64_t wall_now_us, int64_t wall_offset_us, int64_t *wall_us,
                     const char **text)
{
    *wall_us = wall_now_us;
    *text = line;
    if (line[0] == '@') {
        int mono = line[1] == 'm';
        const char *digits = line + 1 + mono;
        char *end;
        long long t = strtoll(digits, &end, 10);
        if (mono && end != digits && *end == ',') {
            /* "@mMONO,WALL": the wall time is for relays to other hosts */
            char *wall_end;
            long long w = strtoll(end + 1, &wall_end, 10);
            end = w > 0 && wall_end != end + 1 ? wall_end : line;
        }
        if (end != digits && *end == ' ' && t > 0) {
            /* the monotonic clock is the machine's, not the process's: on
             * the prober's timeline, whatever the wall clock did since */
            *wall_us = mono ? t + wall_offset_us : t;
            if (*wall_us > wall_now_us)
                *wall_us = wall_now_us; /* a mark is never in the future */
            *text = end + 1;
        }
    }
}

void markfifo_read(struct markfifo *m, int64_t wall_now_us, int64_t wall_offset_us, mark_fn fn,
                   void *arg)
{
    for (;;) {
        ssize_t n = read(m->rfd, m->buf + m->len, sizeof m->buf - 1 - m->len);
        if (n <= 0)
            break;
        m->len += (size_t)n;
        char *start = m->buf, *nl;
        while ((nl = memchr(start, '\n', m->len - (size_t)(start - m->buf))) != NULL) {
            *nl = '\0';
            int64_t t;
            const char *text;
            mark_parse_line(start, wall_now_us, wall_offset_us, &t, &text);
            if (*text)
                fn(arg, t, text);
            start = nl + 1;
        }
        m->len -= (size_t)(start - m->buf);
        memmove(m->buf, start, m->len);
        if (m->len == sizeof m->buf - 1) {
            /* a line longer than any writer sends: take it as it is */
            m->buf[m->len] = '\0';
            fn(arg, wall_now_us, m->buf);
            m->len = 0;
        }
    }
}

void markfifo_close(struct markfifo *m)
{
    if (m == NULL)
        return;
    if (m->rfd >= 0)
        close(m->rfd);
    if (m->wfd >= 0)
        close(m->wfd);
    unlink(m->path);
    rmdir(m->dir);
    free(m);
}

/* A mark that cannot reach a prober: a warning, and exit 0, so that an
 * upgrade script under `set -e` is never stopped by its own instrument;
 * with --strict, status as given. */
static int not_delivered(int strict, int status)
{
    if (!strict) {
        fprintf(stderr, "pbprobe mark: the mark is not recorded (--strict makes this an error)\n");
        return EXIT_OK;
    }
    return status;
}

int mark_command(int argc, char **argv)
{
    const char *path = getenv("PBPROBE_MARK");
    char line[MARK_TEXT_MAX + 32];
    int strict = argc >= 2 && strcmp(argv[1], "--strict") == 0;
    if (strict) {
        argc--;
        argv++;
    }
    if (argc >= 2 && strcmp(argv[1], "--") == 0) {
        argc--;
        argv++;
    }
    if (argc < 2) {
        fprintf(stderr, "pbprobe mark: usage: pbprobe mark [--strict] TEXT\n");
        return EXIT_USAGE;
    }
    if (path == NULL || *path == '\0') {
        fprintf(stderr, "pbprobe mark: PBPROBE_MARK is not set: run this inside "
                        "`pbprobe ... -- COMMAND`\n");
        return not_delivered(strict, EXIT_USAGE);
    }
    /* the monotonic clock: a wall clock stepped meanwhile moves no mark on
     * the prober's timeline; the wall clock too, for a relay that carries
     * the mark to a prober on another host (upgrade/scenario.sh, --prober job) */
    int n = snprintf(line, sizeof line, "@m%lld,%lld ", (long long)clock_mono_us(),
                     (long long)clock_wall_us());
    for (int i = 1; i < argc && n < (int)sizeof line - 2; i++)
        n += snprintf(line + n, sizeof line - (size_t)n - 1, "%s%s", i > 1 ? " " : "", argv[i]);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    for (int i = 0; i < n; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[n++] = '\n';
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "pbprobe mark: %s: %s\n", path,
                errno == ENXIO ? "no pbprobe is reading it (it has ended?)" : strerror(errno));
        return not_delivered(strict, EXIT_OUTPUT);
    }
    ssize_t w = write(fd, line, (size_t)n);
    close(fd);
    if (w != n) {
        fprintf(stderr, "pbprobe mark: %s: write failed: %s\n", path,
                w < 0 ? strerror(errno) : "short write");
        return not_delivered(strict, EXIT_OUTPUT);
    }
    return EXIT_OK;
}
