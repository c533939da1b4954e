/* --targets FILE (targets_file.h). A line is blank, a comment (#), a target
 * of one line ("[NAME=]URL", before the first block), a block's header
 * ("[NAME]") or a setting of the block above it ("KEY = VALUE"). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets_file.h"

/* A block's keys: url, then the options that take NAME:, by their long names. */
#define KEY_URL (-1)
static const struct {
    const char *key;
    int kind; /* enum setting, or KEY_URL */
    bool repeats;
} keys[] = {
    {"url", KEY_URL, false},
    {"rate", SET_RATE, false},
    {"connections", SET_CONNECTIONS, false},
    {"header", SET_HEADER, true},
    {"request", SET_REQUEST, false},
    {"data", SET_DATA, false},
    {"expect-body", SET_EXPECT_BODY, false},
    {"timeout", SET_TIMEOUT, false},
    {"cacert", SET_CACERT, false},
    {"capath", SET_CAPATH, false},
    {"cert", SET_CERT, false},
    {"key", SET_KEY, false},
    {"tls-min", SET_TLS_MIN, false},
    {"abort-on", SET_ABORT_ON, true},
};
#define NKEYS (int)(sizeof keys / sizeof keys[0])
#define KEY_LIST                                                                                   \
    "url, rate, connections, header, request, data, expect-body, timeout, cacert, capath, cert, "  \
    "key, tls-min, abort-on"

bool target_name_valid(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == ':' || s[i] == '=' || s[i] == 0x7f)
            return false;
    return true;
}

/* The block being read: its settings wait until its url is known, so that the
 * target comes before them. */
struct block {
    const char *name; /* NULL: none yet */
    long line;
    char *url;
    long key_line[NKEYS]; /* where each key was set, 0 unset */
    int first;            /* index in tf->e of its first setting */
};

struct parser {
    const char *path;
    struct targets_file *tf;
    char *err;
    size_t errlen;
    long line;
    struct block b;
};

static int errorf(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int errorf(struct parser *p, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s:%ld: %s", p->path, p->line, why);
    return -1;
}

static int oom(struct parser *p)
{
    snprintf(p->err, p->errlen, "out of memory");
    return -1;
}

static struct tf_entry *add_entry(struct parser *p)
{
    struct targets_file *tf = p->tf;
    struct tf_entry *e = realloc(tf->e, (size_t)(tf->n + 1) * sizeof *e);
    if (e == NULL)
        return NULL;
    tf->e = e;
    e += tf->n++;
    memset(e, 0, sizeof *e);
    e->line = p->line;
    return e;
}

/* The block's target, "NAME=URL", put before its settings. */
static int end_block(struct parser *p)
{
    struct block *b = &p->b;
    if (b->name == NULL)
        return 0;
    if (b->url == NULL) {
        p->line = b->line;
        return errorf(p, "[%s] has no url", b->name);
    }
    size_t len = strlen(b->name) + 1 + strlen(b->url) + 1;
    char *arg = malloc(len);
    struct tf_entry *e = arg ? add_entry(p) : NULL;
    if (e == NULL) {
        free(arg);
        return oom(p);
    }
    snprintf(arg, len, "%s=%s", b->name, b->url);
    free(b->url);
    b->url = NULL;
    /* move it before the block's settings */
    struct targets_file *tf = p->tf;
    /* a bad URL is an error of the line that gave it */
    struct tf_entry target = {.line = b->key_line[0], .is_target = true, .target = arg};
    memmove(&tf->e[b->first + 1], &tf->e[b->first], (size_t)(tf->n - 1 - b->first) * sizeof *tf->e);
    tf->e[b->first] = target;
    b->name = NULL;
    return 0;
}

static int start_block(struct parser *p, const char *s, size_t len)
{
    if (end_block(p) < 0)
        return -1;
    const char *name = s + 1;
    size_t nlen = len - 2;
    if (!target_name_valid(name, nlen))
        return errorf(p, "bad target name in [...]: no spaces, ':' or '=' (the line is not "
                         "shown: it may hold a URL)");
    struct targets_file *tf = p->tf;
    for (int i = 0; i < tf->nnames; i++)
        if (strlen(tf->names[i]) == nlen && memcmp(tf->names[i], name, nlen) == 0)
            return errorf(p, "[%.*s] again: one block per target", (int)nlen, name);
    char **names = realloc(tf->names, (size_t)(tf->nnames + 1) * sizeof *names);
    if (names == NULL)
        return oom(p);
    tf->names = names;
    if ((names[tf->nnames] = strndup(name, nlen)) == NULL)
        return oom(p);
    struct block *b = &p->b;
    memset(b, 0, sizeof *b);
    b->name = names[tf->nnames++];
    b->line = p->line;
    b->first = tf->n;
    return 0;
}

static int setting(struct parser *p, const char *s, size_t len)
{
    const char *eq = memchr(s, '=', len);
    size_t klen = eq ? (size_t)(eq - s) : 0;
    while (klen && (s[klen - 1] == ' ' || s[klen - 1] == '\t'))
        klen--;
    int k = 0;
    while (eq && k < NKEYS && !(strlen(keys[k].key) == klen && memcmp(keys[k].key, s, klen) == 0))
        k++;
    if (eq == NULL || k == NKEYS) {
        if (memmem(s, len, "://", 3) && p->tf->nnames == 0)
            return errorf(p, "bad target name before '=': no spaces, ':' or '=' (the line is not "
                             "shown: it may hold a URL)");
        if (memmem(s, len, "://", 3))
            return errorf(p, "a target of one line goes before the first [NAME] block");
        if (eq == NULL)
            return errorf(p, "not KEY = VALUE, [NAME] or a target");
        /* shown only when it looks like a key: a line with a mistyped '='
         * may be a header, and its value a secret */
        if (klen > 20 || memchr(s, ':', klen) || memchr(s, ' ', klen) || memchr(s, '\t', klen))
            return errorf(p, "not KEY = VALUE (keys: " KEY_LIST "); the line is not shown");
        return errorf(p, "unknown key \"%.*s\" (keys: " KEY_LIST ")", (int)klen, s);
    }
    struct block *b = &p->b;
    if (b->name == NULL)
        return errorf(p, "%s before any [NAME] block", keys[k].key);
    if (b->key_line[k] && !keys[k].repeats)
        return errorf(p, "%s set twice in [%s] (line %ld)", keys[k].key, b->name, b->key_line[k]);
    b->key_line[k] = p->line;
    const char *v = eq + 1, *end = s + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    char *value = strndup(v, (size_t)(end - v));
    if (value == NULL)
        return oom(p);
    if (keys[k].kind == KEY_URL) {
        b->url = value;
        return 0;
    }
    struct tf_entry *e = add_entry(p);
    if (e == NULL) {
        free(value);
        return oom(p);
    }
    e->name = b->name;
    e->kind = (enum setting)keys[k].kind;
    e->value = value;
    return 0;
}

static int one_line_target(struct parser *p, const char *s, size_t len)
{
    char *arg = strndup(s, len);
    struct tf_entry *e = arg ? add_entry(p) : NULL;
    if (e == NULL) {
        free(arg);
        return oom(p);
    }
    e->is_target = true;
    e->target = arg;
    return 0;
}

static int parse_line(struct parser *p, const char *s, size_t len)
{
    /* the spaces around a line, and a Windows line end, are not part of it */
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    if (len == 0 || s[0] == '#')
        return 0;
    if (s[0] == '[') {
        if (s[len - 1] != ']' || len < 2)
            return errorf(p, "a block starts with a line \"[NAME]\"");
        return start_block(p, s, len);
    }
    if (p->b.name == NULL && p->tf->nnames == 0 && memmem(s, len, "://", 3)) {
        /* a setting has no "://" in its key: "url = http://..." before a
         * block is a misplaced setting, not a target named "url " */
        const char *eq = memchr(s, '=', len), *scheme = memmem(s, len, "://", 3);
        if (eq == NULL || eq > scheme || target_name_valid(s, (size_t)(eq - s)))
            return one_line_target(p, s, len);
    }
    return setting(p, s, len);
}

int targets_file_parse(const char *path, const char *text, size_t len, struct targets_file *tf,
                       char *err, size_t errlen)
{
    struct parser p = {.path = path, .tf = tf, .err = err, .errlen = errlen};
    memset(tf, 0, sizeof *tf);
    const char *s = text, *end = text + len;
    int rc = 0;
    while (rc == 0 && s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *stop = nl ? nl : end;
        p.line++;
        if (memchr(s, '\0', (size_t)(stop - s)))
            rc = errorf(&p, "a NUL byte: not a text file");
        else
            rc = parse_line(&p, s, (size_t)(stop - s));
        s = nl ? nl + 1 : end;
    }
    if (rc == 0)
        rc = end_block(&p);
    free(p.b.url); /* a block's url not yet made its target */
    if (rc < 0)
        return -1;
    int targets = 0;
    for (int i = 0; i < tf->n; i++)
        targets += tf->e[i].is_target;
    if (targets == 0) {
        snprintf(err, errlen, "%s: no target in the file", path);
        return -1;
    }
    return 0;
}

int targets_file_read(const char *path, struct targets_file *tf, char *err, size_t errlen)
{
    memset(tf, 0, sizeof *tf);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(TARGETS_FILE_MAX + 1);
    if (text == NULL) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t len = fread(text, 1, TARGETS_FILE_MAX + 1, f);
    int bad = ferror(f) ? errno : 0;
    fclose(f);
    int rc = -1;
    if (bad)
        snprintf(err, errlen, "%s: %s", path, strerror(bad));
    else if (len > TARGETS_FILE_MAX)
        snprintf(err, errlen, "%s: larger than 4 MiB: a list of targets, not data", path);
    else
        rc = targets_file_parse(path, text, len, tf, err, errlen);
    free(text);
    return rc;
}

void targets_file_free(struct targets_file *tf)
{
    for (int i = 0; i < tf->n; i++) {
        free(tf->e[i].target);
        free(tf->e[i].value);
    }
    free(tf->e);
    for (int i = 0; i < tf->nnames; i++)
        free(tf->names[i]);
    free(tf->names);
    memset(tf, 0, sizeof *tf);
}
