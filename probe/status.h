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

/* Whether the locale (LC_ALL, LC_CTYPE, LANG) names UTF-8. */
bool status_locale_utf8(void);

/* The status line on a terminal's bottom row, which a scroll region keeps
 * for it: the command and pbprobe's own messages write to the terminal as
 * they would without it, and scroll above it. pbprobe writes the line
 * through a descriptor of its own that never blocks: a terminal that reads
 * slowly gets fewer draws, and the schedule never waits for it. Escape
 * sequences are written whole: the rest of one a partial write left is
 * written (status_term_resume) before anything else. */
#define STATUS_SEQ_MAX 512  /* a draw's bytes, text included */
#define STATUS_TEXT_MAX 448 /* the text's, within STATUS_SEQ_MAX */
#define STATUS_MIN_ROWS 3   /* smaller: no status line, no region */
#define STATUS_MIN_COLS 10

struct status_term {
    int fd;          /* the terminal, opened again: O_NONBLOCK; -1 none */
    int block_fd;    /* the terminal as pbprobe's standard error has it */
    int rows, cols;  /* the size last read */
    int region_rows; /* the status line is on this row, the region above; 0: none */
    bool region_due; /* resized: the region is to be set again */
    bool redraw;     /* a draw was dropped or the region moved: draw again */
    bool gone;       /* a write failed (hung up): nothing more is written */
    char rest[STATUS_SEQ_MAX];
    size_t rest_len; /* what a partial write left of a sequence */
};

/* Opens tty_fd's terminal again (a new open file description, so that
 * O_NONBLOCK stays its own). -1: cannot, and no status line. */
int status_term_open(struct status_term *t, int tty_fd);
/* Reads the size and sets the scroll region for it, at the start and on
 * SIGWINCH (none, and no status line, below STATUS_MIN_ROWS or
 * STATUS_MIN_COLS). The functions that write return true while part of a
 * sequence waits for the terminal: call status_term_resume when it is
 * writable. */
bool status_term_resize(struct status_term *t);
/* Draws text (status_format's, at most STATUS_TEXT_MAX bytes) on the bottom
 * row in one write, the cursor left where it was; dropped (redraw set) when
 * the terminal takes nothing now or the last sequence is unfinished. */
bool status_term_draw(struct status_term *t, const char *text);
bool status_term_resume(struct status_term *t);
/* Before a message of pbprobe's own: what is left of a sequence is written,
 * waiting for the terminal as the message will. */
void status_term_settle(struct status_term *t);
/* At the end: the region reset (the whole screen scrolls again) and the
 * status line erased, waiting for the terminal; the descriptor closed. */
void status_term_close(struct status_term *t);

#endif
