/* Redaction of secrets (redact.h). */
#include <ctype.h>
#include <stdbool.h>
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

/* Copies s[0..n) to *o and moves *o past it. */
static void put(char **o, const char *s, size_t n)
{
    memcpy(*o, s, n);
    *o += n;
}

/* Where a URL, a value or a quoted argument ends in a command line. */
#define URL_END " '\"#"

/* s[0..n) with its %XX escapes decoded, in a malloc'd string; NULL when
 * out of memory. */
static char *percent_decoded(const char *s, size_t n)
{
    char *d = malloc(n + 1), *o = d;
    if (d == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        /* %00 stays: a NUL would end the string before what follows it */
        if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2]) && (s[i + 1] != '0' || s[i + 2] != '0')) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            *o++ = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return d;
}

/* A parameter's name, as a server decodes it (acc%65ss_token is
 * access_token), is a secret one. */
static int is_secret_param(const char *name, size_t len, const struct redact_names *x)
{
    if (memchr(name, '%', len) == NULL)
        return is_secret(name, len, secret_params, x ? x->params : NULL);
    char *d = percent_decoded(name, len);
    int secret = d == NULL || is_secret(d, strlen(d), secret_params, x ? x->params : NULL);
    free(d);
    return secret; /* out of memory: assume the worst */
}

/* Whether a parameter's value, decoded, carries a secret of its own: a URL
 * with user info (https://u:pw@h/, //u:pw@h/) or a secret parameter
 * (/cb?token=x, a=b&password=x). One pass, no recursion: nesting cannot make
 * a value cost more than its length. */
static int value_has_secret(const char *d, const struct redact_names *x)
{
    for (const char *p = d; *p; p++) {
        if (p[0] == '/' && p[1] == '/' && memchr(p + 2, '@', strcspn(p + 2, "/?#")))
            return 1;
        if (p == d || strchr("?&;#/", p[-1])) {
            size_t name = strcspn(p, "=&;#?/ ");
            if (name && p[name] == '=' && is_secret(p, name, secret_params, x ? x->params : NULL))
                return 1;
        }
    }
    return 0;
}

/* A parameter's value that holds a URL or parameters of its own
 * (?next=https://u:pw@h/, ?next=/cb?token=x, or the same percent-encoded,
 * even twice): written as it is, or <redacted> whole when it carries a
 * secret (the encoding is not rebuilt, a nested URL not redacted in part). */
static void put_value(char **o, const char *v, size_t n, const struct redact_names *x)
{
    char *d = strndup(v, n);
    int secret = d == NULL || value_has_secret(d, x);
    for (int round = 0; round < 3 && !secret && strchr(d, '%'); round++) {
        char *once = percent_decoded(d, strlen(d));
        secret = once == NULL || value_has_secret(once, x);
        int same = once && strcmp(once, d) == 0;
        free(d);
        d = once;
        if (same)
            break;
    }
    free(d);
    if (secret)
        put(o, REDACTED, sizeof REDACTED - 1); /* out of memory too: assume the worst */
    else
        put(o, v, n);
}

/* NAME=VALUE&NAME=VALUE...: the values of secret parameters; returns where
 * they end. */
static const char *redact_params(char **o, const char *p, const struct redact_names *x)
{
    while (*p && !strchr(URL_END, *p)) {
        size_t seg = strcspn(p, "&;" URL_END), name = strcspn(p, "=&;" URL_END);
        if (name < seg && is_secret_param(p, name, x)) {
            put(o, p, name + 1);
            put(o, REDACTED, sizeof REDACTED - 1);
        } else if (name < seg && strcspn(p + name + 1, "%:/?=@&;" URL_END) >= seg - name - 1) {
            put(o, p, seg); /* no URL, parameter or encoding: as it is, cheaply */
        } else if (name < seg) {
            put(o, p, name + 1);
            put_value(o, p + name + 1, seg - name - 1, x);
        } else {
            put(o, p, seg);
        }
        p += seg;
        if (*p == '&' || *p == ';')
            *(*o)++ = *p++;
    }
    return p;
}

/* scheme://USERINFO@host/path?QUERY#FRAGMENT, from just past "://": a
 * password (or, without one, the whole user info: a token as a user name),
 * and the values of secret parameters in the query and in the fragment
 * (OAuth's #access_token=); returns where the URL ends. */
static const char *redact_url(char **o, const char *p, const struct redact_names *x)
{
    size_t auth_len = strcspn(p, "/?" URL_END);
    const char *at = NULL;
    for (const char *c = p; c < p + auth_len; c++)
        if (*c == '@')
            at = c;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon)
            put(o, p, (size_t)(colon + 1 - p));
        put(o, REDACTED, sizeof REDACTED - 1);
        p = at;
    }
    const char *q = p + strcspn(p, "?" URL_END);
    put(o, p, (size_t)(q - p));
    p = q;
    if (*p == '?') {
        *(*o)++ = *p++;
        p = redact_params(o, p, x);
    }
    if (*p == '#') {
        *(*o)++ = *p++;
        p = redact_params(o, p, x);
    }
    return p;
}

/* At p, a libpq conninfo's password or sslpassword ("password = 'a b'"
 * too): its length through the value, 0 if none starts here; *value_at is
 * where the value starts. */
static size_t conninfo_password(const char *p, size_t *value_at)
{
    size_t n = strncmp(p, "password", 8) == 0 ? 8 : strncmp(p, "sslpassword", 11) == 0 ? 11 : 0;
    if (n == 0)
        return 0;
    n += strspn(p + n, " ");
    if (p[n] != '=')
        return 0;
    n += 1 + strspn(p + n + 1, " ");
    *value_at = n;
    if (p[n] != '\'')
        return n + strcspn(p + n, " '\"");
    for (n++; p[n] && p[n] != '\''; n++)
        if (p[n] == '\\' && p[n + 1])
            n++;
    return p[n] ? n + 1 : n;
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
        /* a word starts the text, or follows a space, a quote, '=' or ':'
         * (-H api:Authorization: x) */
        int word = p == s || strchr(" '\"=:", p[-1]);
        size_t name = word ? strcspn(p, ": '\"=") : 0, value_at = 0, len = 0;
        if (strncmp(p, "://", 3) == 0) {
            put(&o, p, 3);
            p = redact_url(&o, p + 3, x);
        } else if (word && (len = conninfo_password(p, &value_at)) > 0) {
            put(&o, p, value_at);
            put(&o, REDACTED, sizeof REDACTED - 1);
            p += len;
        } else if (word && name > 0 && p[name] == ':' &&
                   is_secret(p, name, secret_headers, x ? x->headers : NULL)) {
            /* "Authorization: Bearer ..." to the end of its argument (in a
             * command line, its closing quote): a value has spaces */
            size_t v = name + 1 + (p[name + 1] == ' ');
            put(&o, p, v);
            put(&o, REDACTED, sizeof REDACTED - 1);
            p += v + strcspn(p + v, "'\"");
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

/* a is --LONG or an abbreviation getopt_long takes (at least min
 * characters); glued: followed by "=VALUE". */
static bool is_option(const char *a, const char *longopt, size_t min, bool glued)
{
    size_t n = glued ? strcspn(a, "=") : strlen(a);
    return n >= min && n <= strlen(longopt) && strncmp(a, longopt, n) == 0 &&
           (!glued || a[n] == '=');
}

/* arg's first keep bytes, then <redacted> in place of the rest, if any. */
static char *redact_from(const char *arg, size_t keep)
{
    size_t len = strlen(arg);
    char *out = malloc(keep + sizeof REDACTED);
    if (out) {
        memcpy(out, arg, keep);
        strcpy(out + keep, keep < len ? REDACTED : "");
    }
    return out;
}

static char *redact_arg(const char *prev, const char *arg, const struct redact_names *x)
{
    const char *eq = strchr(arg, '=');
    /* --cert FILE:PASS: the password */
    const char *cert = prev && is_option(prev, "--cert", 4, false) ? arg
                       : is_option(arg, "--cert", 4, true)         ? eq + 1
                                                                   : NULL;
    if (cert) {
        const char *colon = strchr(cert, ':');
        return redact_from(arg, colon ? (size_t)(colon + 1 - arg) : strlen(arg));
    }
    /* --data BODY: all of it (bodies carry logins), but not @FILE, a path */
    const char *data = prev && is_option(prev, "--data", 4, false) ? arg
                       : is_option(arg, "--data", 4, true)         ? eq + 1
                                                                   : NULL;
    if (data)
        return redact_from(arg, *data == '@' ? strlen(arg) : (size_t)(data - arg));
    /* -HVALUE, -kHVALUE: the value after a cluster of flags */
    size_t flags = arg[0] == '-' && arg[1] != '-' ? 1 + strspn(arg + 1, "qhk") : 0;
    if (flags && arg[flags] == 'H' && arg[flags + 1]) {
        char *v = redact_text(arg + flags + 1, x);
        char *out = v ? malloc(flags + 1 + strlen(v) + 1) : NULL;
        if (out) {
            memcpy(out, arg, flags + 1);
            strcpy(out + flags + 1, v);
        }
        free(v);
        return out;
    }
    /* headers (-H VALUE, --header=VALUE) by their names, URLs, conninfos:
     * wherever they stand */
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
