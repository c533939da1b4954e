/* The live status line on a terminal, and the summary at the end: a pure
 * formatter of counters the loop keeps, and the few writes that draw it. */
#ifndef PB_STATUS_H
#define PB_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct status_row {
    const char *name;
    double done_per_s;            /* live: over the last seconds; summary: the run's average */
    uint64_t ok, failed, skipped; /* since the start; ok: in --ok-status */
    int64_t p99_us;               /* live: of the last second; summary: the run's; -1: none */
};

struct status_view {
    int64_t elapsed_us;
    const struct status_row *rows;
    int nrows;
    const char *db;      /* NULL without --db */
    const char *command; /* "running 12s", "exited 0"...; NULL without a COMMAND */
    const char *mark;    /* the last mark's text; NULL before the first */
    const char *log;     /* the log's path; NULL when it is standard output */
};

#define STATUS_COLOR 1u /* failures red, skipped ticks yellow */
#define STATUS_UTF8 2u  /* the terminal shows UTF-8: valid sequences pass */

/* "3.1s home: 100/s ok 300 fail 0 skip 0 p99 1.20ms | api: ... | db: ok
 * 8fe68fbf6baa | cmd: running 2s | mark: migration start | log: run.log".
 * width 0: every field (the summary). Otherwise at most width-1 display
 * columns (a line that reaches the last column wraps on some terminals), and
 * fields are dropped by priority: the time, then each target's name and rate
 * with its failures and skipped ticks when there are any, then the command's
 * state and the database's, the last mark, the log's path, then zero
 * failures, p99, ok counts and zero skips; the mark and the path are
 * shortened before they are dropped. Text from outside (names, marks, paths,
 * the database's answers) is escaped: control characters, and any byte
 * above 127 unless STATUS_UTF8 and part of valid UTF-8, are shown as \xNN.
 * Returns the display width. */
int status_format(char *buf, size_t len, const struct status_view *v, int width, unsigned flags);

/* The command's state for status_view.command: "starts in 0.4s" (not started,
 * start_in_us >= 0), "running 12s" (how NULL), or how child_reap() said it
 * ended: "exited 0", "killed SIGTERM". */
void status_command(char *buf, size_t len, int64_t start_in_us, int64_t running_us, const char *how,
                    int status);

/* The terminal's width in columns, 0 when fd is not a terminal or says none. */
int status_term_width(int fd);
/* Whether the locale (LC_ALL, LC_CTYPE, LANG) names UTF-8. */
bool status_locale_utf8(void);

/* Draws text over the status line ("\r", the text, erase to the end of the
 * screen, "\r": the cursor is left at the line's start, so that a terminal
 * that rewraps lines on a narrower resize leaves the old line's overflow
 * below the cursor, where the next draw erases it). One write. */
void status_draw(int fd, const char *text);
/* Erases the status line (its line only: rows below are erased by the next
 * draw); the cursor stays at its start. */
void status_clear(int fd);

#endif
