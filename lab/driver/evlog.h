/* The driver's event log (events.tsv, the format lab/README.md documents) and the
 * matching line for the human on stderr. */
#ifndef PB_EVLOG_H
#define PB_EVLOG_H

#include <stddef.h>
#include <stdint.h>

struct evlog {
    int fd;
    int64_t wall_start_us; /* stderr lines are relative to it */
};

/* One event: what it is about (NULL or "-" for nothing), taken at wall_us. */
struct evlog_event {
    int64_t wall_us;
    const char *event;
    const char *instance;
    const char *version;
    int port; /* 0: not known */
    int slot; /* 0: none */
    const char *detail;
};

int evlog_open(struct evlog *log, const char *path, int64_t wall_start_us, char *err,
               size_t errlen);

/* Formats one events.tsv line (newline included) into buf; returns its length. */
size_t evlog_format(const struct evlog_event *e, char *buf, size_t len);

/* Appends the event (header first when the file is empty); returns -1 when
 * the write failed, which the caller reports. */
int evlog_write(struct evlog *log, const struct evlog_event *e);

/* A stderr line in the same layout that is not an event ("waiting"). */
void evlog_say(const struct evlog *log, int64_t wall_us, const char *what, const char *text);

void evlog_close(struct evlog *log);

#endif
