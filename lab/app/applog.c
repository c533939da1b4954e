/* Notes to stderr and the access log (applog.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "applog.h"
#include "clock.h"

static char applog_who[64] = "pybossa-standin";
static FILE *applog_access_file;

void applog_set_who(const char *version, int port)
{
    if (port > 0)
        snprintf(applog_who, sizeof applog_who, "pybossa-standin[%s :%d]", version, port);
    else
        snprintf(applog_who, sizeof applog_who, "pybossa-standin[%s]", version);
}

/* "2024-05-01T12:00:00.123456Z": UTC, so lines from several processes sort. */
static void format_wall(int64_t wall_us, char *buf, size_t len)
{
    time_t sec = (time_t)(wall_us / 1000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%06dZ", (int)(wall_us % 1000000));
}

char *applog_oneline(const char *msg, char *buf, size_t len)
{
    size_t o = 0;
    int space = 0;
    if (len == 0)
        return buf;
    for (const char *p = msg; *p && o + 1 < len; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < len)
            buf[o++] = ' ';
        space = 0;
        buf[o++] = *p;
    }
    buf[o] = '\0';
    return buf;
}

void applog_note(const char *fmt, ...)
{
    char msg[1024], flat[1024], when[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    format_wall(clock_wall_us(), when, sizeof when);
    fprintf(stderr, "%s %s: %s\n", when, applog_who, applog_oneline(msg, flat, sizeof flat));
}

int applog_access_open(const char *path, char *err, size_t errlen)
{
    if (strcmp(path, "-") == 0) {
        applog_access_file = stderr;
        return 0;
    }
    applog_access_file = fopen(path, "a");
    if (applog_access_file == NULL) {
        snprintf(err, errlen, "cannot open access log %s: %s", path, strerror(errno));
        return -1;
    }
    setvbuf(applog_access_file, NULL, _IOLBF, 0); /* a crash must not lose lines */
    return 0;
}

void applog_access_close(void)
{
    if (applog_access_file != NULL && applog_access_file != stderr)
        fclose(applog_access_file);
    applog_access_file = NULL;
}

/* A request id is client text: keep the line one record of space-separated
 * fields whatever it holds. */
static void sanitize_field(const char *in, char *out, size_t len)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 1 < len; p++)
        out[o++] = (*p > ' ' && *p < 0x7f) ? *p : '_';
    out[o] = '\0';
}

void applog_access(const struct applog_access *a)
{
    char when[40], rid[128], uri[1024];
    if (applog_access_file == NULL)
        return;
    format_wall(a->wall_start_us, when, sizeof when);
    sanitize_field(a->request_id ? a->request_id : "-", rid, sizeof rid);
    sanitize_field(a->uri ? a->uri : "-", uri, sizeof uri);
    fprintf(applog_access_file, "%s status=%d dur_us=%lld method=%s uri=%s request_id=%s\n", when,
            a->status, (long long)a->dur_us, a->method, uri, rid);
}
