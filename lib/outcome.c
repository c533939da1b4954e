/* Names of outcomes, as written in the log (docs/log-format.md). */
#include <stdio.h>
#include <string.h>

#include "outcome.h"

static const char *const error_names[OUTCOME_ERROR_END] = {
    [OUTCOME_CONNECT] = "connect", [OUTCOME_TIMEOUT] = "timeout",
    [OUTCOME_RESET] = "reset",     [OUTCOME_DNS] = "dns",
    [OUTCOME_TLS] = "tls",         [OUTCOME_PROTOCOL] = "protocol",
    [OUTCOME_OTHER] = "other",     [OUTCOME_SKIPPED] = "skipped",
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
