/* Names of outcomes, as written in the log (docs/log-format.md), and the
 * success list both programs take (--ok-status). */
#include <stdio.h>
#include <string.h>

#include "outcome.h"

static const char *const error_names[OUTCOME_ERROR_END] = {
    [OUTCOME_CONNECT] = "connect", [OUTCOME_TIMEOUT] = "timeout", [OUTCOME_RESET] = "reset",
    [OUTCOME_DNS] = "dns",         [OUTCOME_TLS] = "tls",         [OUTCOME_PROTOCOL] = "protocol",
    [OUTCOME_OTHER] = "other",     [OUTCOME_SKIPPED] = "skipped", [OUTCOME_BODY] = "body",
};

const char *outcome_name(int outcome, char buf[12])
{
    if (outcome > 0 && outcome < OUTCOME_ERROR_END)
        return error_names[outcome];
    snprintf(buf, 12, "%d", outcome);
    return buf;
}

int outcome_parse(const char *s, size_t len)
{
    if (len == 3 && s[0] >= '1' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
        s[2] <= '9')
        return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    for (int i = 1; i < OUTCOME_ERROR_END; i++)
        if (strlen(error_names[i]) == len && memcmp(error_names[i], s, len) == 0)
            return i;
    return -1;
}

/* A status of exactly three digits, 100..999 (what the log can hold). */
static int parse_status(const char *s, size_t len, int *out)
{
    if (len != 3 || s[0] < '1' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] < '0' ||
        s[2] > '9')
        return -1;
    *out = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    return 0;
}

int outcome_parse_ok_list(const char *s, unsigned char ok[OUTCOME_MAX], char *err, size_t errlen)
{
    unsigned char set[OUTCOME_MAX] = {0};
    const char *p = s;
    if (s == NULL || *s == '\0') {
        snprintf(err, errlen, "--ok-status: empty list (e.g. 200 or 200-299,304)");
        return -1;
    }
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *dash = memchr(p, '-', len);
        int lo, hi;
        if (len == 3 && p[1] == 'x' && p[2] == 'x' && p[0] >= '1' && p[0] <= '9') {
            lo = (p[0] - '0') * 100; /* "2xx": the whole class */
            hi = lo + 99;
        } else if (dash) {
            if (parse_status(p, (size_t)(dash - p), &lo) < 0 ||
                parse_status(dash + 1, len - (size_t)(dash - p) - 1, &hi) < 0 || hi < lo) {
                snprintf(err, errlen,
                         "--ok-status: bad range \"%.*s\" (two statuses 100..999, low-high)",
                         (int)(len > 40 ? 40 : len), p);
                return -1;
            }
        } else if (parse_status(p, len, &lo) == 0) {
            hi = lo;
        } else {
            snprintf(
                err, errlen,
                "--ok-status: bad status \"%.*s\" (a status 100..999, a range 200-299, or 2xx)",
                (int)(len > 40 ? 40 : len), p);
            return -1;
        }
        for (int i = lo; i <= hi; i++)
            set[i] = 1;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    memcpy(ok, set, sizeof set);
    return 0;
}
