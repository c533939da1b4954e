/* Redaction of secrets (redact.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redact.h"

/* Matched without regard to case; the user's names (--redact-header,
 * --redact-query) add to these. */
static const char *const secret_headers[] = {
    "authorization", "proxy-authorization", "cookie", "x-api-key", "x-auth-token", NULL,
};
static const char *const secret_params[] = {
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "api_key",
    "apikey",
    "key",
    "password",
    "secret",
    "client_secret",
    "sig",
    "signature",
    /* the cloud stores' signed URLs: AWS S3 and Google Cloud Storage */
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
    NULL,
};

#define REDACTED "<redacted>"

/* name[0..len) is in the NULL-terminated defaults or in the comma-separated
 * list (which may be NULL). */
static int is_secret(const char *name, size_t len, const char *const *defaults, const char *list)
{
    for (int i = 0; defaults[i]; i++)
        if (strlen(defaults[i]) == len && strncasecmp(name, defaults[i], len) == 0)
            return 1;
    while (list && *list) {
        size_t n = strcspn(list, ",");
        if (n == len && strncasecmp(name, list, len) == 0)
            return 1;
        list += n + (list[n] == ',');
    }
    return 0;
}

static int is_header_opt(const char *a)
{
    return strcmp(a, "-H") == 0 || strcmp(a, "--header") == 0;
}

static char *redact_header(const char *h, const struct redact_names *x)
{
    const char *colon = strchr(h, ':');
    if (colon && is_secret(h, (size_t)(colon - h), secret_headers, x ? x->headers : NULL)) {
        size_t nlen = (size_t)(colon - h);
        char *out = malloc(nlen + sizeof ": " REDACTED);
        if (out) {
            memcpy(out, h, nlen);
            strcpy(out + nlen, ": " REDACTED);
        }
        return out;
    }
    return strdup(h);
}

/* Copies s[0..n) to *o and moves *o past it. */
static void put(char **o, const char *s, size_t n)
{
    memcpy(*o, s, n);
    *o += n;
}

/* Where a URL, a value or a quoted argument ends in a command line. */
#define URL_END " '\"#"

/* scheme://user:PASSWORD@host/path?NAME=SECRET&...: from just past "://",
 * the password and the values of secret parameters; returns where the URL
 * ends. */
static const char *redact_url(char **o, const char *p, const struct redact_names *x)
{
    size_t auth_len = strcspn(p, "/?" URL_END);
    const char *at = NULL;
    for (const char *c = p; c < p + auth_len; c++)
        if (*c == '@')
            at = c;
    const char *colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
    if (colon) {
        put(o, p, (size_t)(colon + 1 - p));
        put(o, REDACTED, sizeof REDACTED - 1);
        p = at;
    }
    const char *q = p + strcspn(p, "?" URL_END);
    put(o, p, (size_t)(q - p));
    if (*q != '?')
        return q;
    *(*o)++ = '?';
    p = q + 1;
    while (*p && !strchr(URL_END, *p)) {
        size_t seg = strcspn(p, "&;" URL_END), name = strcspn(p, "=&;" URL_END);
        if (name < seg && is_secret(p, name, secret_params, x ? x->params : NULL)) {
            put(o, p, name + 1);
            put(o, REDACTED, sizeof REDACTED - 1);
        } else {
            put(o, p, seg);
        }
        p += seg;
        if (*p == '&' || *p == ';')
            *(*o)++ = *p++;
    }
    return p;
}

char *redact_text(const char *s, const struct redact_names *x)
{
    size_t worst = strlen(s) + 1;
    /* each redaction follows a '=', '@' or ':' and adds at most REDACTED */
    for (const char *p = s; *p; p++)
        if (*p == '=' || *p == '@' || *p == ':')
            worst += sizeof REDACTED;
    char *out = malloc(worst), *o = out;
    if (out == NULL)
        return NULL;
    const char *p = s;
    while (*p) {
        /* a word starts the text, or follows a space, a quote or '=' */
        int word = p == s || strchr(" '\"=", p[-1]);
        size_t name = word ? strcspn(p, ": '\"=") : 0;
        if (strncmp(p, "://", 3) == 0) {
            put(&o, p, 3);
            p = redact_url(&o, p + 3, x);
        } else if (word && strncmp(p, "password=", 9) == 0) {
            /* a libpq conninfo's password */
            put(&o, p, 9);
            put(&o, REDACTED, sizeof REDACTED - 1);
            p += 9 + strcspn(p + 9, " '\"");
        } else if (word && name > 0 && p[name] == ':' && p[name + 1] == ' ' &&
                   is_secret(p, name, secret_headers, x ? x->headers : NULL)) {
            /* "Authorization: Bearer ...", to the end of its argument */
            put(&o, p, name + 2);
            put(&o, REDACTED, sizeof REDACTED - 1);
            p += name + 2 + strcspn(p + name + 2, "'\"");
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

/* "--header=VALUE" or "-HVALUE": the option as typed, its value redacted. */
static char *redact_glued(const char *option, const char *arg, const struct redact_names *x)
{
    size_t n = strlen(option);
    char *h = redact_header(arg + n, x);
    char *out = h ? malloc(n + strlen(h) + 1) : NULL;
    if (out) {
        memcpy(out, option, n);
        strcpy(out + n, h);
    }
    free(h);
    return out;
}

/* "--cert FILE:PASS" (option "" after a separate "--cert") or
 * "--cert=FILE:PASS": the key's password. */
static char *redact_cert(const char *option, const char *arg)
{
    const char *colon = strchr(arg + strlen(option), ':');
    size_t keep = colon ? (size_t)(colon + 1 - arg) : strlen(arg);
    char *out = malloc(keep + sizeof REDACTED);
    if (out) {
        memcpy(out, arg, keep);
        strcpy(out + keep, colon ? REDACTED : "");
    }
    return out;
}

char *redact_arg(const char *prev, const char *arg, const struct redact_names *x)
{
    if (prev && is_header_opt(prev))
        return redact_header(arg, x);
    if (prev && strcmp(prev, "--cert") == 0)
        return redact_cert("", arg);
    if (strncmp(arg, "--cert=", 7) == 0)
        return redact_cert("--cert=", arg);
    if (strncmp(arg, "--header=", 9) == 0)
        return redact_glued("--header=", arg, x);
    if (strncmp(arg, "-H", 2) == 0 && arg[2] != '\0')
        return redact_glued("-H", arg, x);
    return redact_text(arg, x);
}

/* Single-quotes an argument for a shell when it needs it. */
static size_t quote_into(char *out, const char *a)
{
    size_t n = 0;
    int plain = *a != '\0';
    for (const char *p = a; *p; p++)
        if (!(strchr("@%+=:,./-_", *p) || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9')))
            plain = 0;
    if (plain) {
        strcpy(out, a);
        return strlen(a);
    }
    out[n++] = '\'';
    for (const char *p = a; *p; p++) {
        if (*p == '\'') {
            memcpy(out + n, "'\\''", 4);
            n += 4;
        } else {
            out[n++] = *p;
        }
    }
    out[n++] = '\'';
    out[n] = '\0';
    return n;
}

char *redact_argv(int argc, char *const *argv, const struct redact_names *x)
{
    size_t cap = 1;
    char **parts = calloc((size_t)argc + 1, sizeof *parts);
    if (parts == NULL)
        return NULL;
    for (int i = 0; i < argc; i++) {
        parts[i] = redact_arg(i > 0 ? argv[i - 1] : NULL, argv[i], x);
        if (parts[i] == NULL)
            goto fail;
        cap += strlen(parts[i]) * 4 + 3;
    }
    char *line = malloc(cap);
    if (line == NULL)
        goto fail;
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        if (i)
            line[n++] = ' ';
        n += quote_into(line + n, parts[i]);
    }
    line[n] = '\0';
    for (int i = 0; i < argc; i++)
        free(parts[i]);
    free(parts);
    return line;
fail:
    for (int i = 0; i < argc; i++)
        free(parts[i]);
    free(parts);
    return NULL;
}
