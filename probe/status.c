/* The status line (status.h): which fields fit the terminal, text from
 * outside made safe to print, and the terminal's bottom row kept for it (a
 * scroll region) and drawn without ever waiting for the terminal. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "status.h"
#include "units.h"

#define RED "\033[31m"
#define YELLOW "\033[33m"
#define PLAIN "\033[0m"

#define MAX_ROWS 16
#define MAX_FIELDS (1 + 5 * MAX_ROWS + 4)
#define BODY_MAX 256 /* escaped text of one field; longer is cut with "..." */
/* A mark or a path may take this much of a live line: the rest is for the
 * targets' figures, which change, where the mark and the path do not. */
#define SHRINK_CAP_COLS 32
#define SHRINK_MIN_COLS 4 /* one character and "..." */

enum shrink { FIXED, CUT_RIGHT, CUT_LEFT };

struct field {
    int tier;  /* 0 is kept first */
    int group; /* the target's index, -1 for the others */
    bool head; /* the target's name and rate: its other fields need it */
    bool all;  /* the tier shows on every target or on none */
    enum shrink shrink;
    const char *color;
    const char *pre; /* separator and label, plain ASCII */
    char body[BODY_MAX];
    int cols; /* of pre and body */
    bool on;
};

/* The length of the valid UTF-8 sequence at s that a terminal may print as
 * is (its code point in *cp), or 0: invalid, overlong, a surrogate, a C1
 * control, or a format character that reorders or hides text (bidi
 * overrides, line separators). */
static int utf8_printable(const unsigned char *s, uint32_t *cp)
{
    int n;
    uint32_t c;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, c = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, c = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, c = s[0] & 0x07;
    else
        return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3f);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff) || c <= 0x9f || c == 0x61c || (c >= 0x200b && c <= 0x200f) ||
        (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0xfeff)
        return 0;
    *cp = c;
    return n;
}

/* Columns of a code point: 2 for the wide ranges (CJK, Hangul, fullwidth
 * forms, emoji), 1 for the rest. Zero-width marks are counted 1: too wide
 * an estimate leaves a blank column, too narrow a one wraps the line. */
static int cp_cols(uint32_t c)
{
    static const uint32_t wide[][2] = {
        {0x1100, 0x115f}, {0x231a, 0x231b},   {0x2329, 0x232a},   {0x23e9, 0x23ec},
        {0x2600, 0x27bf}, {0x2e80, 0x303e},   {0x3041, 0x33ff},   {0x3400, 0x4dbf},
        {0x4e00, 0x9fff}, {0xa000, 0xa4cf},   {0xa960, 0xa97f},   {0xac00, 0xd7a3},
        {0xf900, 0xfaff}, {0xfe10, 0xfe19},   {0xfe30, 0xfe6f},   {0xff00, 0xff60},
        {0xffe0, 0xffe6}, {0x1f000, 0x1faff}, {0x20000, 0x3fffd},
    };
    for (size_t i = 0; i < sizeof wide / sizeof *wide; i++)
        if (c >= wide[i][0] && c <= wide[i][1])
            return 2;
    return 1;
}

/* Copies s into out (outlen > 4), escaped: printable ASCII as is, valid
 * UTF-8 when the terminal shows it, everything else as \xNN. Stops, with
 * "..." in place of the rest, when out is full. */
static void escape_text(char *out, size_t outlen, const char *s, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    while (*p) {
        uint32_t cp;
        int n = (flags & STATUS_UTF8) && *p >= 0x80 ? utf8_printable(p, &cp) : 0;
        size_t need = n ? (size_t)n : (*p >= 0x20 && *p < 0x7f) ? 1 : 4;
        if (o + need + 4 > outlen) {
            memcpy(out + o, "...", 4);
            return;
        }
        if (n) {
            memcpy(out + o, p, (size_t)n);
            p += n;
        } else if (need == 1) {
            out[o] = (char)*p++;
        } else {
            snprintf(out + o, 5, "\\x%02x", *p++);
        }
        o += need;
    }
    out[o] = '\0';
}

/* Bytes and columns of the character at s in escaped text. */
static int char_at(const char *s, int *cols)
{
    uint32_t cp;
    int n = (unsigned char)*s >= 0x80 ? utf8_printable((const unsigned char *)s, &cp) : 0;
    *cols = n ? cp_cols(cp) : 1;
    return n ? n : 1;
}

static int text_cols(const char *s)
{
    int total = 0, c;
    while (*s) {
        s += char_at(s, &c);
        total += c;
    }
    return total;
}

/* Shortens escaped text to at most cols columns (cols >= 4), "..." standing
 * for what was cut: the end (CUT_RIGHT) or the start (CUT_LEFT, for a path,
 * whose end names the file). */
static void cut_text(char *s, int cols, enum shrink how)
{
    if (text_cols(s) <= cols)
        return;
    int keep = cols - 3, used = 0, c;
    size_t len = strlen(s), at = 0;
    if (how == CUT_RIGHT) {
        while (s[at]) {
            int n = char_at(s + at, &c);
            if (used + c > keep)
                break;
            used += c;
            at += (size_t)n;
        }
        memcpy(s + at, "...", 4);
        return;
    }
    /* from the left: skip characters until what remains fits */
    int total = text_cols(s);
    while (s[at] && total - used > keep) {
        at += (size_t)char_at(s + at, &c);
        used += c;
    }
    memmove(s + 3, s + at, len - at + 1);
    memcpy(s, "...", 3);
}

static struct field *add(struct field *f, int *n, int tier, int group, const char *pre)
{
    struct field *x = &f[(*n)++];
    memset(x, 0, sizeof *x);
    x->tier = tier;
    x->group = group;
    x->pre = pre;
    return x;
}

static void set_cols(struct field *x)
{
    x->cols = (int)strlen(x->pre) + text_cols(x->body);
}

/* Builds the fields in the order they are shown, with their tiers. */
static int build_fields(struct field *f, const struct status_view *v, unsigned flags)
{
    int n = 0, nrows = v->nrows < MAX_ROWS ? v->nrows : MAX_ROWS;
    char num[16];
    struct field *x = add(f, &n, 0, -1, "");
    units_format_duration(v->elapsed_us, x->body, sizeof x->body);
    for (int i = 0; i < nrows; i++) {
        const struct status_row *r = &v->rows[i];
        char name[BODY_MAX - 32];
        escape_text(name, sizeof name, r->name, flags);
        x = add(f, &n, 1, i, i ? " | " : " ");
        x->head = true;
        snprintf(x->body, sizeof x->body, "%s: %s/s", name,
                 units_format_count(r->done_per_s, num, sizeof num));
        x = add(f, &n, 7, i, " ");
        x->all = true;
        snprintf(x->body, sizeof x->body, "ok %" PRIu64, r->ok);
        /* failures and skipped ticks are what the prober is watched for:
         * never dropped while the target shows, once there are any */
        x = add(f, &n, r->failed ? 1 : 5, i, " ");
        x->all = r->failed == 0;
        x->color = (flags & STATUS_COLOR) && r->failed ? RED : NULL;
        snprintf(x->body, sizeof x->body, "fail %" PRIu64, r->failed);
        x = add(f, &n, r->skipped ? 1 : 8, i, " ");
        x->all = r->skipped == 0;
        x->color = (flags & STATUS_COLOR) && r->skipped ? YELLOW : NULL;
        snprintf(x->body, sizeof x->body, "skip %" PRIu64, r->skipped);
        x = add(f, &n, 6, i, " p99 ");
        x->all = true;
        if (r->p99_us < 0)
            snprintf(x->body, sizeof x->body, "-");
        else
            units_format_duration(r->p99_us, x->body, sizeof x->body);
    }
    if (v->db) {
        x = add(f, &n, 2, -1, " | db: ");
        escape_text(x->body, sizeof x->body, v->db, flags);
        if ((flags & STATUS_COLOR) && strncmp(v->db, "ok", 2) != 0)
            x->color = RED;
    }
    if (v->command) {
        x = add(f, &n, 2, -1, " | cmd: ");
        escape_text(x->body, sizeof x->body, v->command, flags);
    }
    if (v->mark) {
        x = add(f, &n, 3, -1, " | mark: ");
        x->shrink = CUT_RIGHT;
        escape_text(x->body, sizeof x->body, v->mark, flags);
    }
    if (v->log) {
        x = add(f, &n, 4, -1, " | log: ");
        x->shrink = CUT_LEFT;
        escape_text(x->body, sizeof x->body, v->log, flags);
    }
    for (int i = 0; i < n; i++)
        set_cols(&f[i]);
    return n;
}

/* Turns fields on, tier by tier, while they fit in budget columns. Within a
 * tier, a target's fields come as one (its name and rate with its
 * failures); an "all" tier shows on every target shown or on none, so that
 * the targets read alike. */
static void choose_fields(struct field *f, int n, int budget)
{
    int used = 0, max_tier = 0;
    bool head_on[MAX_ROWS] = {false};
    for (int i = 0; i < n; i++)
        if (f[i].tier > max_tier)
            max_tier = f[i].tier;
    for (int t = 0; t <= max_tier; t++) {
        int all_cols = 0, nall = 0;
        for (int i = 0; i < n; i++)
            if (f[i].tier == t && f[i].all && f[i].group >= 0 && head_on[f[i].group]) {
                all_cols += f[i].cols;
                nall++;
            }
        if (nall && used + all_cols <= budget) {
            for (int i = 0; i < n; i++)
                if (f[i].tier == t && f[i].all && f[i].group >= 0 && head_on[f[i].group])
                    f[i].on = true;
            used += all_cols;
        }
        for (int i = 0; i < n; i++) {
            struct field *x = &f[i];
            if (x->tier != t || x->all || x->on)
                continue;
            if (x->group >= 0 && !x->head)
                continue; /* comes with its head, below */
            int cols = x->cols;
            if (x->head)
                for (int j = 0; j < n; j++)
                    if (j != i && f[j].group == x->group && f[j].tier == t && !f[j].all)
                        cols += f[j].cols;
            int pre = (int)strlen(x->pre);
            if (x->shrink != FIXED && budget > 0) {
                int room = budget - used - pre;
                if (room > SHRINK_CAP_COLS)
                    room = SHRINK_CAP_COLS;
                if (room < SHRINK_MIN_COLS)
                    continue;
                cut_text(x->body, room, x->shrink);
                set_cols(x);
                cols = x->cols;
            }
            if (budget > 0 && used + cols > budget)
                continue;
            x->on = true;
            used += cols;
            if (x->head) {
                head_on[x->group] = true;
                for (int j = 0; j < n; j++)
                    if (f[j].group == x->group && f[j].tier == t && !f[j].all)
                        f[j].on = true;
            }
        }
    }
}

int status_format(char *buf, size_t len, const struct status_view *v, int width, unsigned flags)
{
    struct field f[MAX_FIELDS];
    int n = build_fields(f, v, flags);
    if (width > 0) {
        choose_fields(f, n, width - 1);
    } else {
        for (int i = 0; i < n; i++)
            f[i].on = true;
    }
    size_t o = 0;
    int cols = 0;
    bool only_time = true;
    buf[0] = '\0';
    for (int i = 0; i < n && o < len; i++) {
        if (!f[i].on)
            continue;
        const char *pre = f[i].pre;
        /* nothing but the time before it: no bar */
        if (i > 0 && only_time && strncmp(pre, " | ", 3) == 0)
            pre += 2;
        int w = snprintf(buf + o, len - o, "%s%s%s%s", pre, f[i].color ? f[i].color : "", f[i].body,
                         f[i].color ? PLAIN : "");
        if (w < 0)
            break;
        o += (size_t)w;
        cols += (int)strlen(pre) + text_cols(f[i].body);
        if (i > 0)
            only_time = false;
    }
    if (o >= len && len > 0)
        buf[len - 1] = '\0';
    return cols;
}

void status_command(char *buf, size_t len, int64_t start_in_us, int64_t running_us, const char *how,
                    int status)
{
    if (how == NULL && start_in_us >= 0) {
        char d[16];
        snprintf(buf, len, "starts in %s", units_format_duration(start_in_us, d, sizeof d));
    } else if (how == NULL) {
        /* whole seconds: a figure that does not flicker */
        int64_t s = running_us / 1000000;
        if (s < 60)
            snprintf(buf, len, "running %" PRId64 "s", s);
        else if (s < 3600)
            snprintf(buf, len, "running %" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
        else
            snprintf(buf, len, "running %" PRId64 "h%02" PRId64 "m", s / 3600, s / 60 % 60);
    } else if (strcmp(how, "exited") == 0) {
        snprintf(buf, len, "exited %d", status);
    } else if (strncmp(how, "killed:", 7) == 0) {
        snprintf(buf, len, "killed %s", how + 7);
    } else {
        snprintf(buf, len, "%s", how);
    }
}

bool status_locale_utf8(void)
{
    const char *names[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *v = getenv(names[i]);
        if (v && *v) {
            const char *dot = strchr(v, '.');
            return dot &&
                   (strncasecmp(dot + 1, "utf-8", 5) == 0 || strncasecmp(dot + 1, "utf8", 4) == 0);
        }
    }
    return false;
}

/* The terminal's size; 0 rows and columns when fd is not one or says none. */
static void term_size(int fd, int *rows, int *cols)
{
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
        ws.ws_row = ws.ws_col = 0;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
}

/* Blocking, to the end or until the terminal is gone: only where pbprobe
 * writes to the terminal anyway (its messages, the end), never for a draw. */
static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the terminal is gone: nothing to show it on */
        s += w;
        n -= (size_t)w;
    }
}

enum put { PUT_DROP, PUT_KEEP, PUT_BLOCK };

/* Writes an escape sequence to the terminal whole or not at all: a sequence
 * cut short would leave the terminal inside it, taking what comes next (the
 * command's output) for its arguments. PUT_DROP: nothing when the terminal
 * takes nothing now; PUT_KEEP: all of it later (status_term_resume);
 * either way what a partial write left is kept for later, and nothing else
 * is written before it. PUT_BLOCK: through the blocking descriptor. Returns
 * false when the sequence was dropped. */
static bool term_put(struct status_term *t, const char *seq, size_t n, enum put how)
{
    if (how == PUT_BLOCK) {
        write_all(t->block_fd, seq, n);
        return true;
    }
    ssize_t w;
    do
        w = write(t->fd, seq, n);
    while (w < 0 && errno == EINTR);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        t->gone = true; /* hung up (EIO): no more drawing */
        t->region_rows = 0;
        return false;
    }
    if (w < 0)
        w = 0;
    if (w == 0 && how == PUT_DROP)
        return false;
    memcpy(t->rest, seq + w, n - (size_t)w);
    t->rest_len = n - (size_t)w;
    return true;
}

/* The scroll region for the size last read, once nothing is left unwritten:
 * rows 1 to rows-1, the bottom row the status line's; none when the
 * terminal is too small for one. Terminals reset the region when resized,
 * so it is set again after every resize. */
static void term_region(struct status_term *t, enum put how)
{
    char seq[64];
    int n;
    if (!t->region_due || t->rest_len || t->gone)
        return;
    t->region_due = false;
    bool fits = t->rows >= STATUS_MIN_ROWS && t->cols >= STATUS_MIN_COLS;
    if (fits)
        /* index (down a row, scrolling at the bottom: what was on the
         * bottom row moves up, not under the status line; unlike "\n", the
         * column stays), save the cursor, the region (which homes the
         * cursor), the cursor back, up a row: inside the region */
        n = snprintf(seq, sizeof seq, "\033D\0337\033[1;%dr\0338\033[1A", t->rows - 1);
    else if (t->region_rows)
        n = snprintf(seq, sizeof seq, "\0337\033[r\0338");
    else
        return;
    t->region_rows = fits ? t->rows : 0;
    t->redraw = fits;
    term_put(t, seq, (size_t)n, how);
}

int status_term_open(struct status_term *t, int tty_fd)
{
    char path[64];
    memset(t, 0, sizeof *t);
    t->block_fd = tty_fd;
    /* a file description of its own: O_NONBLOCK on the shell's (shared by
     * the command) would make their writes fail with EAGAIN */
    snprintf(path, sizeof path, "/proc/self/fd/%d", tty_fd);
    t->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (t->fd < 0 && ttyname(tty_fd) != NULL)
        t->fd = open(ttyname(tty_fd), O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (t->fd >= 0 && !isatty(t->fd)) {
        close(t->fd);
        t->fd = -1;
    }
    return t->fd < 0 ? -1 : 0;
}

bool status_term_resize(struct status_term *t)
{
    term_size(t->block_fd, &t->rows, &t->cols);
    t->region_due = true;
    term_region(t, PUT_KEEP);
    return t->rest_len > 0;
}

bool status_term_draw(struct status_term *t, const char *text)
{
    char seq[STATUS_SEQ_MAX];
    if (t->gone || t->region_rows == 0)
        return t->rest_len > 0;
    if (t->rest_len || t->region_due) {
        t->redraw = true; /* never a draw before the last sequence's end */
        return t->rest_len > 0;
    }
    /* save the cursor, the bottom row, plain (the command may be in the
     * middle of coloured output: restoring the cursor restores its
     * attributes), the text, erase what is left of the row, the cursor
     * back: one write, which the terminal's driver does not interleave with
     * the command's */
    int n = snprintf(seq, sizeof seq, "\0337\033[%d;1H\033[0m%s\033[K\0338", t->region_rows, text);
    if (n < 0 || (size_t)n >= sizeof seq)
        return false;
    t->redraw = !term_put(t, seq, (size_t)n, PUT_DROP);
    return t->rest_len > 0;
}

bool status_term_resume(struct status_term *t)
{
    if (t->rest_len && !t->gone) {
        char rest[STATUS_SEQ_MAX];
        size_t n = t->rest_len;
        memcpy(rest, t->rest, n);
        t->rest_len = 0;
        term_put(t, rest, n, PUT_KEEP);
    }
    term_region(t, PUT_KEEP);
    return t->rest_len > 0;
}

void status_term_settle(struct status_term *t)
{
    if (t->fd < 0 || t->gone)
        return;
    if (t->rest_len)
        term_put(t, t->rest, t->rest_len, PUT_BLOCK);
    t->rest_len = 0;
    term_region(t, PUT_BLOCK);
}

void status_term_close(struct status_term *t)
{
    if (t->fd < 0)
        return;
    status_term_settle(t);
    if (!t->gone && t->region_rows) {
        /* the whole screen scrolls again; the status line is erased where
         * it is, unless a resize not yet seen has moved it */
        char seq[64];
        int rows, cols, n;
        term_size(t->block_fd, &rows, &cols);
        if (rows == t->region_rows)
            n = snprintf(seq, sizeof seq, "\0337\033[r\033[%d;1H\033[K\0338", rows);
        else
            n = snprintf(seq, sizeof seq, "\0337\033[r\0338");
        term_put(t, seq, (size_t)n, PUT_BLOCK);
    }
    t->region_rows = 0;
    close(t->fd);
    t->fd = -1;
}
