/* Redaction of secrets from command lines (redact.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redact.h"

static const char *const secret_headers[] = {
    "authorization", "proxy-authorization", "cookie", "x-api-key", "x-auth-token",
};

static int is_header_opt(const char *a)
{
    return strcmp(a, "-H") == 0 || strcmp(a, "--header") == 0;
}

static char *redact_header(const char *h)
{
    const char *colon = strchr(h, ':');
    if (colon == NULL)
        return strdup(h);
    size_t nlen = (size_t)(colon - h);
    for (size_t i = 0; i < sizeof secret_headers / sizeof *secret_headers; i++) {
        if (strlen(secret_headers[i]) == nlen && strncasecmp(h, secret_headers[i], nlen) == 0) {
            char *out = malloc(nlen + 13);
            if (out) {
                memcpy(out, h, nlen);
                strcpy(out + nlen, ": <redacted>");
            }
            return out;
        }
    }
    return strdup(h);
}

/* scheme://user:PASSWORD@host -> scheme://user:<redacted>@host, and
 * password=SECRET (conninfo) -> password=<redacted>. */
static char *redact_secrets(const char *a)
{
    size_t len = strlen(a);
    char *out = malloc(len + 16 * 4 + 1);
    if (out == NULL)
        return NULL;
    const char *scheme = strstr(a, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
    if (at && (slash == NULL || at < slash)) {
        const char *colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
        if (colon) {
            size_t head = (size_t)(colon - a) + 1;
            memcpy(out, a, head);
            strcpy(out + head, "<redacted>");
            strcat(out, at);
            return out;
        }
    }
    const char *pw = strstr(a, "password=");
    if (pw) {
        size_t head = (size_t)(pw - a) + 9;
        memcpy(out, a, head);
        strcpy(out + head, "<redacted>");
        const char *rest = pw + 9;
        while (*rest && *rest != ' ' && *rest != '&')
            rest++;
        strcat(out, rest);
        return out;
    }
    memcpy(out, a, len + 1);
    return out;
}

/* "--header=VALUE" or "-HVALUE": the option as typed, its value redacted. */
static char *redact_glued(const char *option, const char *arg)
{
    size_t n = strlen(option);
    char *h = redact_header(arg + n);
    char *out = h ? malloc(n + strlen(h) + 1) : NULL;
    if (out) {
        memcpy(out, option, n);
        strcpy(out + n, h);
    }
    free(h);
    return out;
}

char *redact_arg(const char *prev, const char *arg)
{
    if (prev && is_header_opt(prev))
        return redact_header(arg);
    if (strncmp(arg, "--header=", 9) == 0)
        return redact_glued("--header=", arg);
    if (strncmp(arg, "-H", 2) == 0 && arg[2] != '\0')
        return redact_glued("-H", arg);
    return redact_secrets(arg);
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

char *redact_argv(int argc, char *const *argv)
{
    size_t cap = 1;
    char **parts = calloc((size_t)argc + 1, sizeof *parts);
    if (parts == NULL)
        return NULL;
    for (int i = 0; i < argc; i++) {
        parts[i] = redact_arg(i > 0 ? argv[i - 1] : NULL, argv[i]);
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
