/* The stand-in's output lines: notes (startup, database state, drain) to
 * stderr, and the optional access log, one line per request. Several instances
 * share a terminal in the lab, so every note names the version and port. */
#ifndef LAB_APPLOG_H
#define LAB_APPLOG_H

#include <stddef.h>
#include <stdint.h>

/* Sets the "pybossa-standin[2.8.0 :8081]" prefix of later notes. */
void applog_set_who(const char *version, int port);

/* One line to stderr: wall time, who, message. Newlines in the message are
 * flattened, since libpq's messages span lines. */
void applog_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens the access log for appending ("-" is stderr). Returns 0, or -1 with a
 * reason in err. */
int applog_access_open(const char *path, char *err, size_t errlen);
void applog_access_close(void);

struct applog_access {
    int64_t wall_start_us; /* arrival */
    int64_t dur_us;        /* arrival to reply handed to the server */
    int status;
    const char *method;
    const char *uri;
    const char *request_id; /* X-Request-ID, or NULL */
};

/* Writes one line when the access log is open; does nothing otherwise. */
void applog_access(const struct applog_access *a);

/* Copies msg into buf on one line: runs of whitespace become one space and
 * the ends are trimmed. Returns buf. */
char *applog_oneline(const char *msg, char *buf, size_t len);

#endif
