/* The event log (evlog.h). One write(2) per line on an O_APPEND descriptor:
 * a reader tailing the file never sees half a line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evlog.h"

static const char evlog_header[] = "time_us\tevent\tinstance\tversion\tport\tslot\tdetail\n";

int evlog_open(struct evlog *log, const char *path, int64_t wall_start_us, char *err, size_t errlen)
{
    log->wall_start_us = wall_start_us;
    log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log->fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static const char *or_dash(const char *s)
{
    return s != NULL && *s != '\0' ? s : "-";
}

size_t evlog_format(const struct evlog_event *e, char *buf, size_t len)
{
    char port[16] = "-", slot[16] = "-";
    if (e->port > 0)
        snprintf(port, sizeof port, "%d", e->port);
    if (e->slot > 0)
        snprintf(slot, sizeof slot, "s%d", e->slot);
    int n = snprintf(buf, len, "%lld\t%s\t%s\t%s\t%s\t%s\t%s\n", (long long)e->wall_us, e->event,
                     or_dash(e->instance), or_dash(e->version), port, slot, or_dash(e->detail));
    if (n < 0)
        return 0;
    if ((size_t)n >= len) { /* cut, but still one line */
        buf[len - 2] = '\n';
        return len - 1;
    }
    return (size_t)n;
}

void evlog_say(const struct evlog *log, int64_t wall_us, const char *what, const char *text)
{
    int64_t rel = wall_us - log->wall_start_us;
    if (rel < 0)
        rel = 0;
    fprintf(stderr, "rollout: %3lld.%03llds %-17s %s\n", (long long)(rel / 1000000),
            (long long)(rel % 1000000 / 1000), what, text);
}

int evlog_write(struct evlog *log, const struct evlog_event *e)
{
    char line[2048], human[1024];
    struct stat st;
    size_t n = evlog_format(e, line, sizeof line);
    int rc = 0;
    if (fstat(log->fd, &st) == 0 && st.st_size == 0 &&
        write(log->fd, evlog_header, sizeof evlog_header - 1) < 0)
        rc = -1;
    if (write(log->fd, line, n) != (ssize_t)n)
        rc = -1;
    snprintf(human, sizeof human, "%-8s %s",
             e->instance != NULL && strcmp(e->instance, "-") != 0 ? e->instance : "",
             e->detail != NULL ? e->detail : "");
    evlog_say(log, e->wall_us, e->event, human);
    return rc;
}

void evlog_close(struct evlog *log)
{
    if (log->fd >= 0)
        close(log->fd);
    log->fd = -1;
}
