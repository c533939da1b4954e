/* Secrets kept out of what pbprobe and pbprobe-report write: logs, status
 * lines, messages and reports get attached to tickets and CI pages. Both
 * programs redact alike: the prober before it writes, the report again what
 * an older log carries. */
#ifndef PB_REDACT_H
#define PB_REDACT_H

#include <stddef.h>

/* Names to redact beyond the defaults, comma-separated, matched without
 * regard to case (pbprobe --redact-header, --redact-query); NULL: none. A
 * NULL struct redact_names * means the defaults alone. */
struct redact_names {
    const char *headers;
    const char *params;
};

/* Text that may hold a URL (a URL, NAME=URL, a libpq URI) or a libpq
 * conninfo, with <redacted> for the password of a URL's user info, the
 * values of secret query parameters (token, access_token, api_key, key,
 * password, secret, sig, signature, the cloud stores' signing parameters:
 * docs/pbprobe.1) and a conninfo's password=. Returns a malloc'd string
 * (NULL when out of memory). */
char *redact_text(const char *s, const struct redact_names *x);

/* The argv as one shell-quoted line with secrets replaced by <redacted>:
 * the PASS of --cert FILE:PASS, a --data body (not an @FILE), and
 * redact_text() of every other argument (secret headers among them).
 * Returns a malloc'd string (NULL when out of memory). */
char *redact_argv(int argc, char *const *argv, const struct redact_names *x);

#endif
