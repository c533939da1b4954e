/* --gate FILE (gate_file.h). Each rule is handed to spec_parse_limit() as the
 * option's "[NAME:]VALUE" would be, so that a file and the command line read
 * values by one rule. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate_file.h"
#include "gate_spec.h"

#define RULE_LIST                                                                                  \
    "max-errors, max-downtime, max-window, max-burst, max-error-rate, max-p99, min-requests, "     \
    "max-blind, max-regression"

struct parser {
    const char *path;
    long line;
    char *err;
    size_t errlen;
    /* the block being read: its name, when named (else every target's) */
    char block[256];
    bool named;
    int first; /* the first of the limits this file added */
};

__attribute__((format(printf, 2, 3))) static int errorf(struct parser *p, const char *fmt, ...)
{
    int used = snprintf(p->err, p->errlen, "%s:%ld: ", p->path, p->line);
    va_list ap;
    va_start(ap, fmt);
    if (used >= 0 && (size_t)used < p->errlen)
        vsnprintf(p->err + used, p->errlen - (size_t)used, fmt, ap);
    va_end(ap);
    return -1;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* s[0..len) for a message: at most 40 bytes, what a terminal would act on
 * (escapes, control bytes) and other bytes outside printable ASCII as '?'.
 * The file comes from a repository: its text must not drive a CI log. */
static const char *printable(const char *s, size_t len, char *buf, size_t buflen)
{
    size_t n = 0;
    for (size_t i = 0; i < len && i < 40 && n + 1 < buflen; i++)
        buf[n++] = (unsigned char)s[i] >= ' ' && (unsigned char)s[i] < 0x7f ? s[i] : '?';
    buf[n] = '\0';
    return buf;
}

/* s[0..len) without the spaces around it */
static void trim(const char **s, size_t *len)
{
    while (*len && is_space(**s))
        (*s)++, (*len)--;
    while (*len && is_space((*s)[*len - 1]))
        (*len)--;
}

/* A target's name, as pbprobe takes it: no spaces, control characters,
 * ':' or '='. */
static bool name_valid(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == ':' || s[i] == '=' || s[i] == 0x7f)
            return false;
    return true;
}

static int block(struct parser *p, const char *s, size_t len)
{
    if (len < 2 || s[len - 1] != ']')
        return errorf(p, "a block's header is [NAME] or [*]");
    s++;
    len -= 2;
    trim(&s, &len);
    if (len == 1 && s[0] == '*') {
        p->named = false;
        return 0;
    }
    if (len >= sizeof p->block)
        return errorf(p, "a target name of %zu bytes in [...]: too long", len);
    if (!name_valid(s, len))
        return errorf(p, "bad target name in [...]: no spaces, ':' or '='");
    memcpy(p->block, s, len);
    p->block[len] = '\0';
    p->named = true;
    return 0;
}

static int rule(struct parser *p, const char *s, size_t len, struct rep_limit **limits, int *n)
{
    int warn = 0;
    if (len > 5 && strncmp(s, "warn", 4) == 0 && is_space(s[4])) {
        warn = 1;
        s += 5;
        len -= 5;
        trim(&s, &len);
    }
    const char *eq = memchr(s, '=', len);
    if (eq == NULL)
        return errorf(p, "not \"[warn] RULE = VALUE\", a [NAME] block or a comment");
    const char *key = s, *value = eq + 1;
    size_t klen = (size_t)(eq - s), vlen = len - klen - 1;
    trim(&key, &klen);
    trim(&value, &vlen);
    char shown[48];
    int r = 0;
    while (r < REP_RULE_N && !(strlen(spec_rule_name((enum rep_rule)r)) == klen &&
                               memcmp(key, spec_rule_name((enum rep_rule)r), klen) == 0))
        r++;
    if (r == REP_RULE_N)
        return errorf(p, "unknown rule \"%s\" (rules: " RULE_LIST ")",
                      printable(key, klen, shown, sizeof shown));
    if (vlen == 0)
        return errorf(p, "%s: no value", spec_rule_name((enum rep_rule)r));
    if (warn && (r == REP_RULE_MIN_REQUESTS || r == REP_RULE_MAX_BLIND))
        return errorf(p, "%s has no warn level: what was not observed is never a pass by degrees",
                      spec_rule_name((enum rep_rule)r));
    /* a value holds no ':' (but the one after a regression's kind):
     * "home:100" would be home's rule, whatever the block says */
    int regression = spec_rule_kind((enum rep_rule)r) != NULL;
    const char *colon = memchr(value, ':', vlen);
    if (regression && (colon == NULL || memchr(colon + 1, ':', vlen - (size_t)(colon - value) - 1)))
        return errorf(p,
                      "max-regression: \"%s\": not KIND:AMOUNT, e.g. downtime:+500ms (a "
                      "target's rules go under [NAME])",
                      printable(value, vlen, shown, sizeof shown));
    if (!regression && colon)
        return errorf(p, "%s: \"%s\": a value holds no ':' (a target's rules go under [NAME])",
                      spec_rule_name((enum rep_rule)r),
                      printable(value, vlen, shown, sizeof shown));

    /* "[NAME:]VALUE", as the option takes it */
    size_t textlen = (p->named ? strlen(p->block) + 1 : 0) + vlen + 1;
    char *text = malloc(textlen), *from = malloc(strlen(p->path) + 24);
    struct rep_limit *grown = realloc(*limits, (size_t)(*n + 1) * sizeof *grown);
    if (grown)
        *limits = grown;
    if (text == NULL || from == NULL || grown == NULL) {
        free(text);
        free(from);
        return errorf(p, "out of memory");
    }
    snprintf(text, textlen, "%s%s%.*s", p->named ? p->block : "", p->named ? ":" : "", (int)vlen,
             value);
    snprintf(from, strlen(p->path) + 24, "%s:%ld", p->path, p->line);
    struct rep_limit *l = &grown[*n];
    char why[256];
    if ((regression ? spec_parse_regression(text, l, why, sizeof why)
                    : spec_parse_limit(text, (enum rep_rule)r, l, why, sizeof why)) < 0) {
        free(text);
        free(from);
        /* the option's message, without its dashes: the file has none */
        return errorf(p, "%s", strncmp(why, "--", 2) == 0 ? why + 2 : why);
    }
    /* one rule of a level per reach in the whole file: a second one, in
     * another block of the same name or under [*], would silently win */
    for (int k = p->first; k < *n; k++) {
        const struct rep_limit *o = &(*limits)[k];
        if (o->rule == l->rule && o->warn == warn &&
            (p->named ? o->target && strcmp(o->target, p->block) == 0 : o->target == NULL)) {
            const char *kind = spec_rule_kind(l->rule);
            errorf(p, "%s%s%s%s set twice for %s%s%s (%s)", warn ? "warn " : "",
                   spec_rule_name(l->rule), kind ? " " : "", kind ? kind : "",
                   p->named ? "[" : "every target", p->named ? p->block : "", p->named ? "]" : "",
                   o->from);
            free(text);
            free(from);
            free(l->target);
            return -1;
        }
    }
    l->warn = warn;
    l->from = from;
    l->owned = text;
    (*n)++;
    return 0;
}

int gate_file_parse(const char *path, const char *text, size_t len, struct rep_limit **limits,
                    int *n, char *err, size_t errlen)
{
    struct parser p = {.path = path, .err = err, .errlen = errlen, .first = *n};
    if (memchr(text, '\0', len))
        return snprintf(err, errlen, "%s: a NUL byte: not a text file", path), -1;
    const char *s = text, *end = text + len;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        s += 3; /* a UTF-8 byte order mark, as some editors write */
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t llen = nl ? (size_t)(nl - s) : (size_t)(end - s);
        const char *line = s;
        s = nl ? nl + 1 : end;
        p.line++;
        if (llen && line[llen - 1] == '\r')
            llen--;
        /* a comment: the whole line, or from a '#' after a space */
        for (size_t i = 0; i < llen; i++)
            if (line[i] == '#' && (i == 0 || is_space(line[i - 1]))) {
                llen = i;
                break;
            }
        trim(&line, &llen);
        if (llen == 0)
            continue;
        if ((line[0] == '[' ? block(&p, line, llen) : rule(&p, line, llen, limits, n)) < 0)
            return -1;
    }
    return 0;
}

int gate_file_read(const char *path, struct rep_limit **limits, int *n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(GATE_FILE_MAX + 1) : NULL;
    if (f == NULL || buf == NULL) {
        snprintf(err, errlen, "--gate %s: %s", path, f ? "out of memory" : strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    size_t len = fread(buf, 1, GATE_FILE_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    int rc = -1;
    if (bad)
        snprintf(err, errlen, "--gate %s: cannot read it", path);
    else if (len > GATE_FILE_MAX)
        snprintf(err, errlen, "--gate %s: larger than 1 MiB: a gate file holds rules", path);
    else
        rc = gate_file_parse(path, buf, len, limits, n, err, errlen);
    free(buf);
    return rc;
}

void gate_file_free_limit(struct rep_limit *l)
{
    free(l->target);
    free(l->from);
    free(l->owned);
}
