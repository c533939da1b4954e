/* Printing helpers (fmt.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "units.h"

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

const char *fmt_clock(int64_t wall_us, char *buf, size_t len)
{
    time_t s = (time_t)floor_div(wall_us, 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(buf, len, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)((wall_us - (int64_t)s * 1000000) / 1000));
    return buf;
}

static struct tm utc(int64_t wall_us)
{
    time_t s = (time_t)floor_div(wall_us, 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    return tm;
}

const char *fmt_date(int64_t wall_us, char *buf, size_t len)
{
    struct tm tm = utc(wall_us);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

const char *fmt_date_iso(int64_t wall_us, char *buf, size_t len)
{
    struct tm tm = utc(wall_us);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    return buf;
}

const char *fmt_offset(const struct analysis *an, int64_t wall_us, char *buf, size_t len)
{
    char d[FMT_BUF];
    int64_t off = wall_us - an->origin_us;
    char sign = off < 0 ? '-' : '+';
    uint64_t u = off < 0 ? (uint64_t)0 - (uint64_t)off : (uint64_t)off;
    /* past a minute units_format_duration drops the fraction ("1m11s"), but
     * two windows a few ms apart in a long run must still read apart */
    if (u < 60000000)
        snprintf(buf, len, "%c%s", sign, units_format_duration((int64_t)u, d, sizeof d));
    else if (u < 3600000000ULL)
        snprintf(buf, len, "%c%um%02u.%03us", sign, (unsigned)(u / 60000000),
                 (unsigned)(u / 1000000 % 60), (unsigned)(u / 1000 % 1000));
    else
        snprintf(buf, len, "%c%uh%02um%02u.%03us", sign, (unsigned)(u / 3600000000ULL),
                 (unsigned)(u / 60000000 % 60), (unsigned)(u / 1000000 % 60),
                 (unsigned)(u / 1000 % 1000));
    return buf;
}

const char *fmt_unix(int64_t wall_us, char *buf, size_t len)
{
    int64_t s = floor_div(wall_us, 1000000);
    snprintf(buf, len, "%" PRId64 ".%06" PRId64, s, wall_us - s * 1000000);
    return buf;
}

const char *fmt_seconds(int64_t us, char *buf, size_t len)
{
    const char *sign = us < 0 ? "-" : "";
    uint64_t u = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
    snprintf(buf, len, "%s%" PRIu64 ".%06" PRIu64, sign, u / 1000000, u % 1000000);
    return buf;
}

const char *fmt_duration(int64_t us, char *buf, size_t len)
{
    return units_format_duration(us, buf, len);
}

const char *fmt_duration_change(int64_t us, char *buf, size_t len)
{
    char d[FMT_BUF];
    snprintf(buf, len, "%s%s", us < 0 ? "" : "+", fmt_duration(us, d, sizeof d));
    return buf;
}

const char *fmt_target(const struct analysis *an, const struct an_target *t, char *buf, size_t len)
{
    if (t->log >= 0)
        snprintf(buf, len, "%s (%s)", t->name, an->logs[t->log].path);
    else
        snprintf(buf, len, "%s", t->name);
    return buf;
}

const char *fmt_mix(const struct an_mix *m, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < m->n && used < len; i++) {
        char nb[12];
        used += (size_t)snprintf(buf + used, len - used, "%s%s %" PRIu64, i ? ", " : "",
                                 outcome_name(m->outcome[i], nb), m->count[i]);
    }
    if (m->rest && used < len)
        snprintf(buf + used, len - used, ", others %" PRIu64, m->rest);
    return buf;
}

const char *fmt_phase(const struct analysis *an, int phase, char *buf, size_t len)
{
    char off[FMT_BUF];
    if (phase < 0) {
        snprintf(buf, len, "before any mark");
        return buf;
    }
    const struct an_event *e = &an->timeline[phase];
    fmt_offset(an, e->t_us, off, sizeof off);
    switch (e->kind) {
    case AN_EV_MARK:
        snprintf(buf, len, "after mark \"%s\" (%s)", e->text, off);
        break;
    case AN_EV_CMD_START:
        snprintf(buf, len, "while the command ran (started %s)", off);
        break;
    case AN_EV_CMD_EXIT:
        snprintf(buf, len, "after the command exited %ld (%s)", e->number, off);
        break;
    case AN_EV_ABORT:
        snprintf(buf, len, "after the live gate aborted (%s)", off);
        break;
    }
    return buf;
}

const char *fmt_event(const struct analysis *an, int event, char *buf, size_t len)
{
    char off[FMT_BUF];
    if (event < 0) {
        snprintf(buf, len, "%s", "");
        return buf;
    }
    const struct an_event *e = &an->timeline[event];
    snprintf(buf, len, "; last event %s (%s)", e->text, fmt_offset(an, e->t_us, off, sizeof off));
    return buf;
}

const char *fmt_verdict(enum an_verdict v)
{
    return v == AN_PASS ? "PASS" : v == AN_FAIL ? "FAIL" : "INCONCLUSIVE";
}

const char *fmt_availability(double a, char *buf, size_t len)
{
    if (a < 0)
        snprintf(buf, len, "-");
    else if (a >= 1)
        snprintf(buf, len, "100%%");
    else {
        /* truncates; the epsilon keeps 0.29 from printing 28.99% */
        int64_t hundredths = (int64_t)(a * 10000.0 + 1e-6);
        if (hundredths > 9999)
            hundredths = 9999;
        snprintf(buf, len, "%d.%02d%%", (int)(hundredths / 100), (int)(hundredths % 100));
    }
    return buf;
}

int fmt_utf8_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char ch = p[0];
    int len = ch < 0x80             ? 1
              : (ch & 0xe0) == 0xc0 ? 2
              : (ch & 0xf0) == 0xe0 ? 3
              : (ch & 0xf8) == 0xf0 ? 4
                                    : 0;
    if (len == 0 || (len == 2 && ch < 0xc2) || (len == 4 && ch > 0xf4))
        return 0;
    for (int i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if (len == 3 && ((ch == 0xe0 && p[1] < 0xa0) || (ch == 0xed && p[1] >= 0xa0)))
        return 0; /* overlong, or a surrogate */
    if (len == 4 && ((ch == 0xf0 && p[1] < 0x90) || (ch == 0xf4 && p[1] >= 0x90)))
        return 0; /* overlong, or beyond U+10FFFF */
    return len;
}

void fmt_escaped(FILE *f, const char *s, const struct fmt_markup *m)
{
    while (s && *s) {
        int len = fmt_utf8_len(s);
        if (len > 1) {
            fwrite(s, 1, (size_t)len, f);
            s += len;
            continue;
        }
        int ch = (unsigned char)*s++;
        if (len == 0 || ch == 0x7f || (ch < 0x20 && !strchr(m->controls_kept, ch)))
            fputc('?', f);
        else if (ch == '<')
            fputs("&lt;", f);
        else if (ch == '>')
            fputs("&gt;", f);
        else if (ch == '&')
            fputs("&amp;", f);
        else if (m->quote_entities && (ch == '"' || ch == '\''))
            fputs(ch == '"' ? "&quot;" : "&apos;", f);
        else if (strchr(m->backslashed, ch))
            fprintf(f, "\\%c", ch);
        else
            fputc(ch, f);
    }
}

const char *fmt_sane(const char *s, char *buf, size_t len)
{
    size_t i = 0;
    while (s && *s && i + 5 < len) {
        int n = fmt_utf8_len(s);
        if (n == 0 || (n == 1 && ((unsigned char)*s < 0x20 || *s == 0x7f))) {
            buf[i++] = '?';
            s++;
            continue;
        }
        memcpy(buf + i, s, (size_t)n);
        i += (size_t)n;
        s += n;
    }
    buf[i] = '\0';
    return buf;
}

const char *fmt_command(const struct an_log *l, char *buf, size_t len)
{
    char d[FMT_BUF];
    const char *cmd = l->command.command;
    buf[0] = '\0';
    if (cmd == NULL)
        return buf;
    if (l->command.end_us < 0)
        snprintf(buf, len, "`%.200s` did not end before the log did", cmd);
    else if (l->command.how && strncmp(l->command.how, "killed:", 7) == 0)
        snprintf(buf, len, "`%.200s` was killed by %s (status %d) after %s", cmd,
                 l->command.how + 7, l->command.status,
                 fmt_duration(l->command.end_us - l->command.start_us, d, sizeof d));
    else
        snprintf(buf, len, "`%.200s` exited with status %d after %s", cmd, l->command.status,
                 fmt_duration(l->command.end_us - l->command.start_us, d, sizeof d));
    return buf;
}

const char *fmt_abort(const struct analysis *an, const struct an_log *l, char *buf, size_t len)
{
    char at[FMT_BUF], v[FMT_BUF], lim[FMT_BUF], before[FMT_BUF], after[FMT_BUF];
    if (l->abort.duration) {
        fmt_duration(l->abort.value, v, sizeof v);
        fmt_duration(l->abort.limit, lim, sizeof lim);
    } else {
        snprintf(v, sizeof v, "%" PRId64, l->abort.value);
        snprintf(lim, sizeof lim, "%" PRId64, l->abort.limit);
    }
    if (l->abort.before_us >= 0)
        fmt_duration(l->abort.before_us, before, sizeof before);
    if (l->abort.after_us >= 0)
        fmt_duration(l->abort.after_us, after, sizeof after);
    snprintf(buf, len,
             "the live gate aborted at %s: %.200s: %s %s, above %s (--abort-on); users were hurt "
             "%s%s before the abort and %s%s after it",
             fmt_offset(an, l->abort.t_us, at, sizeof at), l->abort.target, l->abort.rule, v, lim,
             l->abort.before_us >= 0 ? before : "nothing",
             l->abort.before_us >= 0 ? " (from the first failure of any target)" : "",
             l->abort.after_us >= 0 ? after : "nothing",
             l->abort.after_us >= 0 ? " (to the last failure)" : "");
    return buf;
}

const char *fmt_split_by(enum an_split_by by)
{
    static const char *const names[AN_NSPLIT] = {
        [AN_BY_PEER] = "peer", [AN_BY_CONNECTION] = "connection", [AN_BY_PROTOCOL] = "protocol"};
    return names[by];
}

const char *fmt_split_key(const struct an_split *v, enum an_split_by by)
{
    if (v->key)
        return v->key;
    return by == AN_BY_CONNECTION ? "(unknown)" : "(none)";
}

void fmt_splits(FILE *f, const struct an_splits *sp, enum an_split_by by,
                void (*put)(FILE *f, const char *s))
{
    int shown = sp->failing < FMT_SPLITS_SHOWN ? sp->failing : FMT_SPLITS_SHOWN;
    for (int i = 0; i < shown; i++) {
        const struct an_split *v = &sp->v[i];
        char mix[512];
        if (i)
            fputs("; ", f);
        put(f, fmt_split_key(v, by));
        fprintf(f, " %" PRIu64 " of %" PRIu64 " (%s)", v->failed, v->requests,
                fmt_mix(&v->mix, mix, sizeof mix));
    }
    if (sp->failing > shown)
        fprintf(f, "; %d more with failures", sp->failing - shown);
    if (sp->n > sp->failing)
        fprintf(f, "%sno failures from %d other%s (%" PRIu64 " requests)", shown ? "; " : "",
                sp->n - sp->failing, sp->n - sp->failing == 1 ? "" : "s", sp->clean_requests);
}
