/* Streaming reader of pbprobe logs (logread.h). Lines are split in place in
 * one big buffer; fields are unescaped only when they hold a backslash, which
 * the writer's own fields almost never do. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* SSE2 is in every x86-64; LOGREAD_PORTABLE forces the word-at-a-time scan
 * that other machines use, so that the unit tests exercise it too. */
#if defined(__SSE2__) && !defined(LOGREAD_PORTABLE)
#define LOGREAD_SSE2 1
#include <emmintrin.h>
#endif

#include "logread.h"
#include "outcome.h"

#define READ_CHUNK (1024 * 1024)
#define LINE_LIMIT (4 * 1024 * 1024) /* a longer line is an error, not a reason to eat memory */
#define MAX_FIELDS 24
/* Behind the unread bytes, buf[end] holds a '\n' sentinel and SCAN_PAD zero
 * bytes follow: the line scan reads whole 16-byte blocks and needs no bounds
 * check, it stops at the first '\n', real or sentinel. */
#define SCAN_PAD 16

struct logr {
    int fd;
    int own_fd;
    char *path;
    char *buf;
    size_t cap, pos, end; /* unread bytes are buf[pos..end) */
    int eof;
    int truncated;
    int skipping; /* inside an over-long line already reported: drop to its newline */
    long lineno;
    long unknown;
    /* whether the line being parsed holds a backslash: when it does not
     * (nearly always), no field needs unescaping */
    int line_has_escape;
    /* the '\n' that ends the line being parsed: it becomes a NUL only when
     * the line's last field is needed as a string (cut_field) */
    char *line_end;
    struct log_header header;
    char *header_strings[6];
};

static void free_reader(struct logr *r)
{
    if (r->own_fd)
        close(r->fd);
    for (size_t i = 0; i < sizeof r->header_strings / sizeof r->header_strings[0]; i++)
        free(r->header_strings[i]);
    free(r->buf);
    free(r->path);
    free(r);
}

static void set_sentinel(struct logr *r)
{
    r->buf[r->end] = '\n';
    memset(r->buf + r->end + 1, 0, SCAN_PAD);
}

/* Reads more input behind what is unread; 0, or -1 on a read error. */
static int fill_raw(struct logr *r, char *err, size_t errlen)
{
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->end - r->pos);
        r->end -= r->pos;
        r->pos = 0;
    }
    if (r->end == r->cap) {
        if (r->cap >= LINE_LIMIT)
            return 0; /* caller reports the over-long line */
        char *nb = realloc(r->buf, r->cap * 2 + 1 + SCAN_PAD);
        if (nb == NULL) {
            snprintf(err, errlen, "%s: out of memory", r->path);
            return -1;
        }
        r->buf = nb;
        r->cap *= 2;
    }
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "%s: read failed: %s", r->path, strerror(errno));
            return -1;
        }
        if (n == 0)
            r->eof = 1;
        r->end += (size_t)n;
        return 0;
    }
}

static int fill(struct logr *r, char *err, size_t errlen)
{
    int rc = fill_raw(r, err, errlen);
    set_sentinel(r);
    return rc;
}

/* Drops the rest of an over-long line already reported: 1 when done, 0 at
 * the end of input, -1 on a read error. */
static int skip_long_line(struct logr *r, char *err, size_t errlen)
{
    while (r->skipping) {
        char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
        if (nl) {
            r->pos = (size_t)(nl - r->buf) + 1;
            r->skipping = 0;
        } else if (r->eof) {
            r->pos = r->end; /* the long line was also the last, cut short */
            r->skipping = 0;
            return 0;
        } else {
            r->pos = r->end;
            if (fill(r, err, errlen) < 0)
                return -1;
        }
    }
    return 1;
}

/* No '\n' in the unread bytes: the line is the last and cut short, or too
 * long, or needs more input. Returns 1 to scan again after a fill, else 0
 * (the end) or -1 (an error, in err). */
static int no_newline(struct logr *r, char *err, size_t errlen)
{
    if (r->eof) {
        if (r->end > r->pos) {
            r->truncated = 1;
            r->lineno++;
            r->pos = r->end;
        }
        return 0;
    }
    if (r->end - r->pos >= LINE_LIMIT) {
        /* Reported once, then skipped: a caller that goes on reading
         * after -1 must get the next line, not this error forever. */
        r->lineno++;
        snprintf(err, errlen, "%s:%ld: line longer than %d bytes", r->path, r->lineno, LINE_LIMIT);
        r->pos = r->end;
        r->skipping = 1;
        return -1;
    }
    if (fill(r, err, errlen) < 0)
        return -1;
    return 1;
}

/* One pass over the line at p finds its end, its TABs (the starts of up to
 * MAX_FIELDS fields go to f) and whether it holds a backslash: 12 memchr
 * calls a line cost more than the whole of the rest of the reader. The line
 * ends at the first '\n' (the sentinel at the latest); returns its length. */
#ifdef LOGREAD_SSE2
static size_t scan_line(char *p, char **f, int *nf, int *has_bs)
{
    const __m128i tab = _mm_set1_epi8('\t'), nl = _mm_set1_epi8('\n'), bsl = _mm_set1_epi8('\\');
    unsigned bs = 0;
    int n = 1;
    f[0] = p;
    for (char *s = p;; s += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
        unsigned mn = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, nl));
        unsigned mt = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, tab));
        unsigned mb = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, bsl));
        if (mn) {
            unsigned before = (mn & -mn) - 1; /* the bytes before the line's end */
            mt &= before;
            mb &= before;
        }
        bs |= mb;
        for (; mt && n < MAX_FIELDS; mt &= mt - 1)
            f[n++] = s + __builtin_ctz(mt) + 1;
        if (mn) {
            *nf = n;
            *has_bs = bs != 0;
            return (size_t)(s - p) + (size_t)__builtin_ctz(mn);
        }
    }
}
#else
/* 0x80 in each byte of x that equals that of c, 0 elsewhere (exact: no
 * borrow from one byte to the next). */
static uint64_t bytes_equal(uint64_t x, uint64_t c)
{
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t v = x ^ c;
    return ~(((v & low7) + low7) | v | low7);
}

static size_t scan_line(char *p, char **f, int *nf, int *has_bs)
{
    const uint64_t ones = 0x0101010101010101ULL;
    uint64_t bs = 0;
    int n = 1;
    f[0] = p;
    for (char *s = p;; s += 8) {
        uint64_t x;
        memcpy(&x, s, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        x = __builtin_bswap64(x); /* the first byte in the low bits, as below */
#endif
        uint64_t mn = bytes_equal(x, ones * '\n');
        uint64_t mt = bytes_equal(x, ones * '\t');
        uint64_t mb = bytes_equal(x, ones * '\\');
        if (mn) {
            uint64_t before = (mn & -mn) - 1;
            mt &= before;
            mb &= before;
        }
        bs |= mb;
        for (; mt && n < MAX_FIELDS; mt &= mt - 1)
            f[n++] = s + __builtin_ctzll(mt) / 8 + 1;
        if (mn) {
            *nf = n;
            *has_bs = bs != 0;
            return (size_t)(s - p) + (size_t)__builtin_ctzll(mn) / 8;
        }
    }
}
#endif

/* The next event line, its fields' starts in f (neither the TABs between
 * them nor the '\n' at r->line_end yet replaced by NULs: cut_field), or NULL
 * at the end (or on error: then *rc is -1). */
static char *next_fields(struct logr *r, char **f, int *nf, int *has_bs, int *rc, char *err,
                         size_t errlen)
{
    *rc = 0;
    if (r->skipping && (*rc = skip_long_line(r, err, errlen)) <= 0)
        return NULL;
    *rc = 0;
    for (;;) {
        char *start = r->buf + r->pos;
        size_t len = scan_line(start, f, nf, has_bs);
        if (len < r->end - r->pos) {
            r->line_end = start + len;
            r->pos += len + 1;
            r->lineno++;
            return start;
        }
        int more = no_newline(r, err, errlen);
        if (more <= 0) {
            *rc = more;
            return NULL;
        }
    }
}

/* Fields are cut (their ends made NULs) only when they are read as
 * strings, in the order of the line. A number is read 8 bytes at a time
 * (parse_i64), and an 8-byte load that overlaps a byte just stored ahead of
 * it waits for that store to reach the cache (no store forwarding): cutting
 * the whole line first made those waits half the reader's time. */
static inline void cut_field(const struct logr *r, char **f, int n, int i)
{
    *(i + 1 < n ? f[i + 1] - 1 : r->line_end) = '\0';
}

static void cut_all(const struct logr *r, char **f, int n)
{
    for (int i = 0; i < n; i++)
        cut_field(r, f, n, i);
}

/* Whether c ends a number's field: the TAB or '\n' behind it, or the NUL of
 * a field already cut. */
static inline int field_end(char c)
{
    return c == '\0' || c == '\t' || c == '\n';
}

static char *unescape(char *f);

/* In-place unescaping of one field (docs/log-format.md). Returns NULL for "-". */
static inline char *field_value(const struct logr *r, char *f)
{
    if (f[0] == '-' && f[1] == '\0')
        return NULL;
    if (!r->line_has_escape)
        return f;
    return unescape(f);
}

static char *unescape(char *f)
{
    char *bs = strchr(f, '\\');
    if (bs == NULL)
        return f;
    char *out = bs;
    for (char *in = bs; *in; in++) {
        if (*in != '\\' || in[1] == '\0') {
            *out++ = *in;
            continue;
        }
        in++;
        switch (*in) {
        case 't':
            *out++ = '\t';
            break;
        case 'n':
            *out++ = '\n';
            break;
        case 'r':
            *out++ = '\r';
            break;
        default: /* "\\" and "\-" stand for themselves */
            *out++ = *in;
        }
    }
    *out = '\0';
    return f;
}

/* A non-negative decimal integer, the checks in their original order: any
 * value that overflows on its way is refused. */
static int parse_i64_slow(const char *s, int64_t *out)
{
    int64_t v = 0;
    if (field_end(*s))
        return -1;
    for (; !field_end(*s); s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Whether the 8 bytes of x (the first in the low bits) are all '0'..'9'. */
static inline int eight_digits(uint64_t x)
{
    return (x & 0xf0f0f0f0f0f0f0f0ULL) == 0x3030303030303030ULL &&
           ((x + 0x0606060606060606ULL) & 0xf0f0f0f0f0f0f0f0ULL) == 0x3030303030303030ULL;
}

/* Their value: pairs, then quads, then the eight, in three multiplies. */
static inline uint64_t eight_digits_value(uint64_t x)
{
    x -= 0x3030303030303030ULL;
    x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ffULL;
    x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffffULL;
    return (x * 10000 + (x >> 32)) & 0xffffffffULL;
}
#endif

/* A non-negative decimal integer, ended by field_end(); "-" gives -1 when
 * allow_absent. s is a field in the line buffer, so the 16 bytes from s are
 * readable (the sentinel and SCAN_PAD bytes follow the data) even when the
 * field is shorter: the 16-digit times are read 8 digits at a time. */
static inline int parse_i64(const char *s, int allow_absent, int64_t *out)
{
    uint64_t v = 0;
    int i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i < 16; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        if (!eight_digits(x))
            break;
        v = v * 100000000 + eight_digits_value(x);
    }
#endif
    /* up to 18 digits cannot overflow: no check */
    for (unsigned d; i < 18 && (d = (unsigned)(unsigned char)s[i] - '0') < 10; i++)
        v = v * 10 + d;
    if (i > 0 && field_end(s[i])) {
        *out = (int64_t)v;
        return 0;
    }
    if (i > 0 && i < 18)
        return -1; /* a digit, then something else */
    if (allow_absent && s[0] == '-' && field_end(s[1])) {
        *out = -1;
        return 0;
    }
    return parse_i64_slow(s, out);
}

/* A header string kept for the reader's lifetime. A key given twice keeps
 * its last value: the first copy is freed, not leaked. */
static const char *keep_string(char **slot, const char *val)
{
    free(*slot);
    *slot = strdup(val);
    return *slot;
}

/* A header value's number. The value is unescaped: a TAB or LF in it came
 * from an escape and ends no field, where parse_i64 would stop at it. */
static int header_number(const char *val, int64_t *out)
{
    return val && strpbrk(val, "\t\n") == NULL && parse_i64(val, 0, out) == 0;
}

/* The first line, split as next_fields() splits every line: f[0] is
 * "#pbprobe-log VERSION", the others are KEY=VALUE. */
static int parse_header(struct logr *r, char **fields, int n, char *err, size_t errlen)
{
    r->line_has_escape = 1;
    static const char magic[] = "#pbprobe-log ";
    cut_all(r, fields, n);
    if (strncmp(fields[0], magic, sizeof magic - 1) != 0) {
        snprintf(err, errlen, "%s:1: not a pbprobe log (no \"#pbprobe-log\" header)", r->path);
        return -1;
    }
    const char *version_text = fields[0] + sizeof magic - 1;
    int64_t version;
    if (parse_i64(version_text, 0, &version) < 0 || version < 1) {
        snprintf(err, errlen, "%s:1: bad format version \"%s\"", r->path, version_text);
        return -1;
    }
    if (version > LOG_FORMAT_VERSION) {
        snprintf(err, errlen,
                 "%s:1: log format version %lld is newer than this reader (%d): upgrade pbprobe",
                 r->path, (long long)version, LOG_FORMAT_VERSION);
        return -1;
    }
    r->header.version = (int)version;
    r->header.wall_start_us = -1;
    r->header.max_lag_us = -1;
    r->header.clock_maxerror_us = -1;
    r->header.clock_synced = -1;
    r->header.follow_redirects = -1;
    for (int i = 1; i < n; i++) {
        char *eq = strchr(fields[i], '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        const char *key = fields[i];
        char *val = field_value(r, eq + 1);
        int64_t num;
        if (strcmp(key, "start_us") == 0 && header_number(val, &num))
            r->header.wall_start_us = num;
        else if (strcmp(key, "pid") == 0 && header_number(val, &num))
            r->header.pid = (long)num;
        else if (strcmp(key, "max_lag_us") == 0 && header_number(val, &num))
            r->header.max_lag_us = num;
        else if (strcmp(key, "batch_window_us") == 0 && header_number(val, &num))
            r->header.batch_window_us = num;
        else if (strcmp(key, "clock_maxerror_us") == 0 && header_number(val, &num))
            r->header.clock_maxerror_us = num;
        else if (strcmp(key, "clock_synced") == 0 && header_number(val, &num) && num <= 1)
            r->header.clock_synced = (int)num;
        else if (strcmp(key, "host") == 0 && val)
            r->header.host = keep_string(&r->header_strings[0], val);
        else if (strcmp(key, "version") == 0 && val)
            r->header.prober_version = keep_string(&r->header_strings[1], val);
        else if (strcmp(key, "cmd") == 0 && val)
            r->header.cmd = keep_string(&r->header_strings[2], val);
        else if (strcmp(key, "ok_status") == 0 && val)
            r->header.ok_status = keep_string(&r->header_strings[3], val);
        else if (strcmp(key, "revision") == 0 && val)
            r->header.prober_revision = keep_string(&r->header_strings[4], val);
        else if (strcmp(key, "libs") == 0 && val)
            r->header.prober_libs = keep_string(&r->header_strings[5], val);
        else if (strcmp(key, "follow_redirects") == 0 && header_number(val, &num) && num <= 1)
            r->header.follow_redirects = (int)num;
    }
    return 0;
}

struct logr *logr_open(const char *path, char *err, size_t errlen)
{
    struct logr *r = calloc(1, sizeof *r);
    if (r == NULL || (r->path = strdup(path)) == NULL ||
        (r->buf = malloc(READ_CHUNK + 1 + SCAN_PAD)) == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        if (r) {
            free(r->path);
            free(r);
        }
        return NULL;
    }
    r->cap = READ_CHUNK;
    set_sentinel(r);
    if (strcmp(path, "-") == 0) {
        r->fd = STDIN_FILENO;
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
            free(r->buf);
            free(r->path);
            free(r);
            return NULL;
        }
        r->own_fd = 1;
    }
    char *fields[MAX_FIELDS];
    int rc, n, has_bs;
    if (next_fields(r, fields, &n, &has_bs, &rc, err, errlen) == NULL) {
        if (rc == 0 && r->truncated)
            snprintf(err, errlen,
                     "%s:1: truncated header: the prober stopped before its first line", path);
        else if (rc == 0)
            snprintf(err, errlen, "%s: empty log", path);
        free_reader(r);
        return NULL;
    }
    if (parse_header(r, fields, n, err, errlen) < 0) {
        free_reader(r);
        return NULL;
    }
    return r;
}

/* The message quotes at most 40 bytes of the value, control characters as
 * '?': a value already unescaped (field_value) may hold a newline, and the
 * message must stay one line. */
static int bad(struct logr *r, char *err, size_t errlen, const char *kind, const char *what,
               const char *value)
{
    char shown[41];
    size_t n = 0;
    for (; value && value[n] && n < sizeof shown - 1; n++)
        shown[n] = (unsigned char)value[n] < 0x20 || value[n] == 0x7f ? '?' : value[n];
    shown[n] = '\0';
    snprintf(err, errlen, "%s:%ld: %s: bad %s \"%s\"", r->path, r->lineno, kind, what, shown);
    return -1;
}

/* A req line's failure: the line is cut whole first, so that the message
 * quotes one field. */
static int bad_req(struct logr *r, char **f, int n, char *err, size_t errlen, const char *what,
                   int i)
{
    cut_all(r, f, n);
    return bad(r, err, errlen, "req", what, f[i]);
}

/* The string in field i, cut first (cut_field: in the order of the line). */
static inline char *req_string(struct logr *r, char **f, int n, int i)
{
    cut_field(r, f, n, i);
    return field_value(r, f[i]);
}

static int parse_req(struct logr *r, char **f, int n, struct log_event *ev, char *err,
                     size_t errlen)
{
    struct log_req *q = &ev->u.req;
    int64_t v;
    if (n < 11) {
        snprintf(err, errlen, "%s:%ld: req: %d fields, expected 11", r->path, r->lineno, n);
        return -1;
    }
    q->wall_sched_us = ev->wall_us;
    q->target = req_string(r, f, n, 2);
    if (q->target == NULL)
        return bad_req(r, f, n, err, errlen, "target", 2);
    /* field 3's length from the TABs, unless it holds a NUL byte */
    size_t olen = (size_t)(f[4] - f[3] - 1);
    if (olen != 3 || !f[3][0] || !f[3][1] || !f[3][2]) {
        cut_field(r, f, n, 3);
        olen = strlen(f[3]);
    }
    q->outcome = outcome_parse(f[3], olen);
    if (q->outcome < 0)
        return bad_req(r, f, n, err, errlen, "outcome", 3);
    if (parse_i64(f[4], 1, &q->latency_us) < 0)
        return bad_req(r, f, n, err, errlen, "latency", 4);
    if (parse_i64(f[5], 1, &q->delay_us) < 0)
        return bad_req(r, f, n, err, errlen, "delay", 5);
    if (parse_i64(f[6], 1, &q->bytes) < 0)
        return bad_req(r, f, n, err, errlen, "bytes", 6);
    if (parse_i64(f[7], 1, &v) < 0 || v > 1)
        return bad_req(r, f, n, err, errlen, "reused flag", 7);
    q->reused = (int)v;
    if (q->outcome != OUTCOME_SKIPPED && q->latency_us < 0)
        return bad_req(r, f, n, err, errlen, "latency (absent for a sent request)", 4);
    q->peer = req_string(r, f, n, 8);
    q->version = req_string(r, f, n, 9);
    q->request_id = req_string(r, f, n, 10);
    q->lag_us = -1;
    q->stalled = -1;
    if (n >= 13) {
        if (parse_i64(f[11], 1, &q->lag_us) < 0)
            return bad_req(r, f, n, err, errlen, "lag", 11);
        if (parse_i64(f[12], 1, &v) < 0 || v > 1)
            return bad_req(r, f, n, err, errlen, "stalled flag", 12);
        q->stalled = (int)v;
    }
    /* the number fields stay uncut: nothing reads them as strings */
    q->protocol = n >= 14 ? req_string(r, f, n, 13) : NULL;
    return 0;
}

static int name_index(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static int parse_db(struct logr *r, char **f, int n, struct log_event *ev, char *err, size_t errlen)
{
    static const char *const probes[] = {"query", "connect"};
    static const char *const outcomes[] = {"ok", "down", "timeout", "error"};
    struct log_db *d = &ev->u.db;
    if (n < 7) {
        snprintf(err, errlen, "%s:%ld: db: %d fields, expected 7", r->path, r->lineno, n);
        return -1;
    }
    int p = name_index(f[2], probes, 2), o = name_index(f[3], outcomes, 4);
    if (p < 0)
        return bad(r, err, errlen, "db", "probe", f[2]);
    if (o < 0)
        return bad(r, err, errlen, "db", "outcome", f[3]);
    if (parse_i64(f[4], 1, &d->latency_us) < 0)
        return bad(r, err, errlen, "db", "latency", f[4]);
    ev->kind = LOG_DB;
    d->probe = (enum log_db_probe)p;
    d->outcome = (enum log_db_outcome)o;
    d->sqlstate = field_value(r, f[5]);
    /* an SQLSTATE is five digits or capitals (SQL standard, PostgreSQL's
     * appendix A); anything else is no server's answer, and the reports
     * print it as it is */
    if (d->sqlstate && (strlen(d->sqlstate) != 5 ||
                        strspn(d->sqlstate, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 5))
        return bad(r, err, errlen, "db", "sqlstate", f[5]);
    d->message = field_value(r, f[6]);
    return 0;
}

static int parse_db_locks(struct logr *r, char **f, int n, struct log_event *ev, char *err,
                          size_t errlen)
{
    struct log_db_locks *l = &ev->u.locks;
    int64_t pid;
    if (n < 7) {
        snprintf(err, errlen, "%s:%ld: db-locks: %d fields, expected 7", r->path, r->lineno, n);
        return -1;
    }
    if (parse_i64(f[2], 0, &l->waiting) < 0)
        return bad(r, err, errlen, "db-locks", "waiting count", f[2]);
    if (parse_i64(f[3], 0, &l->longest_us) < 0)
        return bad(r, err, errlen, "db-locks", "longest wait", f[3]);
    if (parse_i64(f[6], 1, &pid) < 0)
        return bad(r, err, errlen, "db-locks", "blocker pid", f[6]);
    ev->kind = LOG_DB_LOCKS;
    l->relation = field_value(r, f[4]);
    l->mode = field_value(r, f[5]);
    l->blocker_pid = (long)pid;
    return 0;
}

int logr_next(struct logr *r, struct log_event *ev, char *err, size_t errlen)
{
    char *f[MAX_FIELDS];
    for (;;) {
        int rc, n, has_bs;
        char *line = next_fields(r, f, &n, &has_bs, &rc, err, errlen);
        if (line == NULL)
            return rc;
        if (line[0] == '#') {
            if (strncmp(line, "#pbprobe-log", 12) == 0) {
                snprintf(err, errlen,
                         "%s:%ld: a second log header: logs were concatenated; pass each file "
                         "as its own argument",
                         r->path, r->lineno);
                return -1;
            }
            continue; /* a comment */
        }
        r->line_has_escape = has_bs;
        /* (a NUL byte ends the kind as it ends any field: "req\0x\t..." is a req) */
        if (n >= 2 && line[0] == 'r' && line[1] == 'e' && line[2] == 'q' &&
            (line[3] == '\t' || line[3] == '\0')) {
            /* nearly every line: its fields are cut as they are read, and
             * parse_req sets every member of ev->u.req */
            cut_field(r, f, n, 0);
            ev->kind = LOG_REQ;
            ev->kind_name = f[0];
            ev->stop_us = 0;
            if (parse_i64(f[1], 0, &ev->wall_us) < 0) {
                cut_all(r, f, n);
                return bad(r, err, errlen, f[0], "time", f[1]);
            }
            return parse_req(r, f, n, ev, err, errlen) < 0 ? -1 : 1;
        }
        cut_all(r, f, n);
        if (n < 2) {
            snprintf(err, errlen, "%s:%ld: not an event line (no TAB)", r->path, r->lineno);
            return -1;
        }
        memset(ev, 0, sizeof *ev);
        ev->kind_name = f[0];
        if (parse_i64(f[1], 0, &ev->wall_us) < 0)
            return bad(r, err, errlen, f[0], "time", f[1]);
        const char *k = f[0];
        if (strcmp(k, "target") == 0) {
            if (n < 6) {
                snprintf(err, errlen, "%s:%ld: target: %d fields, expected 6", r->path, r->lineno,
                         n);
                return -1;
            }
            ev->kind = LOG_TARGET;
            ev->u.target.name = field_value(r, f[2]);
            ev->u.target.url = field_value(r, f[3]);
            char *endp;
            ev->u.target.rate = strtod(f[4], &endp);
            if (ev->u.target.name == NULL || *endp != '\0' || !(ev->u.target.rate > 0))
                return bad(r, err, errlen, "target", "name or rate", f[4]);
            ev->u.target.flags = field_value(r, f[5]);
        } else if (strcmp(k, "mark") == 0 || strcmp(k, "end") == 0 || strcmp(k, "warn") == 0) {
            if (n < 3) {
                snprintf(err, errlen, "%s:%ld: %s: missing its text", r->path, r->lineno, k);
                return -1;
            }
            ev->kind = k[0] == 'm' ? LOG_MARK : k[0] == 'e' ? LOG_END : LOG_WARN;
            ev->u.text = field_value(r, f[2]);
            if (ev->u.text == NULL)
                ev->u.text = "";
            ev->stop_us = -1;
            if (ev->kind == LOG_END && n >= 4 && parse_i64(f[3], 1, &ev->stop_us) < 0)
                return bad(r, err, errlen, k, "stop time", f[3]);
        } else if (strcmp(k, "cmd-start") == 0) {
            int64_t pid;
            if (n < 4 || parse_i64(f[2], 0, &pid) < 0)
                return bad(r, err, errlen, k, "pid", n < 3 ? "" : f[2]);
            ev->kind = LOG_CMD_START;
            ev->u.cmd_start.pid = (long)pid;
            ev->u.cmd_start.command = field_value(r, f[3]);
        } else if (strcmp(k, "cmd-exit") == 0) {
            int64_t st;
            if (n < 4 || parse_i64(f[2], 0, &st) < 0 || st > 255)
                return bad(r, err, errlen, k, "status", n < 3 ? "" : f[2]);
            ev->kind = LOG_CMD_EXIT;
            ev->u.cmd_exit.status = (int)st;
            ev->u.cmd_exit.how = field_value(r, f[3]);
        } else if (strcmp(k, "db") == 0) {
            if (parse_db(r, f, n, ev, err, errlen) < 0)
                return -1;
        } else if (strcmp(k, "db-schema") == 0) {
            if (n < 3) {
                snprintf(err, errlen, "%s:%ld: db-schema: missing its value", r->path, r->lineno);
                return -1;
            }
            ev->kind = LOG_DB_SCHEMA;
            ev->u.text = field_value(r, f[2]);
        } else if (strcmp(k, "stall") == 0) {
            if (n < 4 || parse_i64(f[2], 0, &ev->u.stall.end_us) < 0 ||
                parse_i64(f[3], 0, &ev->u.stall.length_us) < 0 || ev->u.stall.end_us < ev->wall_us)
                return bad(r, err, errlen, k, "end or length", n < 3 ? "" : f[2]);
            ev->kind = LOG_STALL;
        } else if (strcmp(k, "abort") == 0) {
            struct log_abort *a = &ev->u.abort;
            if (n < 6) {
                snprintf(err, errlen, "%s:%ld: abort: %d fields, expected 6", r->path, r->lineno,
                         n);
                return -1;
            }
            if ((a->target = field_value(r, f[2])) == NULL)
                return bad(r, err, errlen, k, "target", f[2]);
            if ((a->rule = field_value(r, f[3])) == NULL)
                return bad(r, err, errlen, k, "rule", f[3]);
            if (parse_i64(f[4], 0, &a->value) < 0)
                return bad(r, err, errlen, k, "value", f[4]);
            if (parse_i64(f[5], 0, &a->limit) < 0)
                return bad(r, err, errlen, k, "limit", f[5]);
            ev->kind = LOG_ABORT;
        } else if (strcmp(k, "db-locks") == 0) {
            if (parse_db_locks(r, f, n, ev, err, errlen) < 0)
                return -1;
        } else {
            ev->kind = LOG_UNKNOWN;
            r->unknown++;
        }
        return 1;
    }
}

/* How much of a log's end logr_last_time reads: many lines, so that a slow
 * request's line written last does not hide a later one written before it. */
#define TAIL_BYTES (64 * 1024)

/* The latest time of the whole event lines in buf[0..len), NUL-terminated
 * behind; whole_start says whether buf starts a line. */
static int latest_time(char *buf, size_t len, int whole_start, int64_t *t_us)
{
    int found = 0;
    char *p = buf, *end = buf + len, *nl;
    if (!whole_start) {
        if ((p = memchr(buf, '\n', len)) == NULL)
            return 0;
        p++;
    }
    /* a last line without its newline was cut mid-write: not a line */
    for (; (nl = memchr(p, '\n', (size_t)(end - p))) != NULL; p = nl + 1) {
        *nl = '\0';
        char *tab = strchr(p, '\t');
        int64_t t;
        if (p[0] == '#' || tab == NULL)
            continue;
        char *next = strchr(tab + 1, '\t');
        if (next)
            *next = '\0';
        /* the slow parser: no padding behind this buffer */
        if (parse_i64_slow(tab + 1, &t) == 0 && (!found || t > *t_us)) {
            *t_us = t;
            found = 1;
        }
    }
    return found;
}

int logr_last_time(const struct logr *r, int64_t *t_us)
{
    struct stat st;
    if (fstat(r->fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
        return 0;
    /* a chunk that holds no whole line (one very long line) is doubled */
    for (off_t want = TAIL_BYTES;; want *= 2) {
        off_t from = st.st_size > want ? st.st_size - want : 0;
        size_t len = (size_t)(st.st_size - from);
        char *buf = malloc(len + 1);
        if (buf == NULL)
            return 0;
        ssize_t got;
        do
            got = pread(r->fd, buf, len, from);
        while (got < 0 && errno == EINTR);
        int found = 0;
        if (got > 0) {
            buf[got] = '\0';
            found = latest_time(buf, (size_t)got, from == 0, t_us);
        }
        free(buf);
        if (found || got <= 0 || from == 0 || want > 2 * LINE_LIMIT)
            return found;
    }
}

const struct log_header *logr_header(const struct logr *r)
{
    return &r->header;
}

const char *logr_path(const struct logr *r)
{
    return r->path;
}

long logr_lineno(const struct logr *r)
{
    return r->lineno;
}

int logr_truncated(const struct logr *r)
{
    return r->truncated;
}

long logr_unknown_lines(const struct logr *r)
{
    return r->unknown;
}

void logr_close(struct logr *r)
{
    if (r)
        free_reader(r);
}
