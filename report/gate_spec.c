/* Parsing of --ok-status and of the gate's limits (gate_spec.h). Durations
 * and counts go through lib/units.c so that they read the same everywhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate_spec.h"
#include "units.h"

static const char *const rule_names[REP_RULE_N] = {
    [REP_RULE_MAX_ERRORS] = "max-errors",     [REP_RULE_MAX_DOWNTIME] = "max-downtime",
    [REP_RULE_MAX_BURST] = "max-burst",       [REP_RULE_MAX_ERROR_RATE] = "max-error-rate",
    [REP_RULE_MAX_WINDOW] = "max-window",     [REP_RULE_MAX_P99] = "max-p99",
    [REP_RULE_MIN_REQUESTS] = "min-requests", [REP_RULE_MAX_BLIND] = "max-blind",
};

const char *spec_rule_name(enum rep_rule rule)
{
    return rule_names[rule];
}

int spec_rule_is_duration(enum rep_rule rule)
{
    return rule == REP_RULE_MAX_DOWNTIME || rule == REP_RULE_MAX_WINDOW ||
           rule == REP_RULE_MAX_P99 || rule == REP_RULE_MAX_BLIND || rule == REP_RULE_MAX_BURST;
}

/* "0.5%": a share of sent requests, 0..100, digits and one dot only. */
static int parse_percent(const char *s, double *out)
{
    double v = 0, scale = 0;
    int digits = 0;
    for (; *s != '%'; s++) {
        if (*s == '.' && scale == 0) {
            scale = 1;
        } else if (*s >= '0' && *s <= '9') {
            if (scale > 0) {
                scale /= 10;
                v += (*s - '0') * scale;
            } else {
                v = v * 10 + (*s - '0');
            }
            digits++;
        } else {
            return -1;
        }
        if (digits > 12)
            return -1;
    }
    if (digits == 0 || s[1] != '\0' || v > 100)
        return -1;
    *out = v;
    return 0;
}

int spec_parse_limit(const char *arg, enum rep_rule rule, struct rep_limit *out, char *err,
                     size_t errlen)
{
    const char *colon = strrchr(arg, ':');
    const char *value = colon ? colon + 1 : arg;
    const char *opt = rule_names[rule];
    char why[160];
    memset(out, 0, sizeof *out);
    out->rule = rule;
    out->arg = arg;
    out->percent = -1;
    if (colon == arg) {
        snprintf(err, errlen, "--%s \"%s\": empty target name before ':'", opt, arg);
        return -1;
    }
    if (*value == '\0') {
        snprintf(err, errlen, "--%s \"%s\": no value after the target name", opt, arg);
        return -1;
    }
    if (spec_rule_is_duration(rule)) {
        if (units_parse_duration_us(value, &out->value, why, sizeof why) < 0) {
            snprintf(err, errlen, "--%s: %s", opt, why);
            return -1;
        }
    } else if (rule == REP_RULE_MAX_ERROR_RATE && !strchr(value, '%')) {
        snprintf(err, errlen, "--%s: \"%.40s\" is not a percentage (e.g. 5%%)", opt, value);
        return -1;
    } else if ((rule == REP_RULE_MAX_ERRORS || rule == REP_RULE_MAX_ERROR_RATE) &&
               strchr(value, '%')) {
        if (parse_percent(value, &out->percent) < 0) {
            snprintf(err, errlen, "--%s: bad share \"%.40s\" (a percentage 0..100, e.g. 0.5%%)",
                     opt, value);
            return -1;
        }
    } else if (units_parse_count(value, &out->value, why, sizeof why) < 0) {
        snprintf(err, errlen, "--%s: %s", opt, why);
        return -1;
    }
    if (colon) {
        out->target = strndup(arg, (size_t)(colon - arg));
        if (out->target == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}
