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
    [REP_RULE_REG_FAILED] = "max-regression", [REP_RULE_REG_DOWNTIME] = "max-regression",
    [REP_RULE_REG_WINDOW] = "max-regression", [REP_RULE_REG_P99] = "max-regression",
};

static const char *const rule_kinds[REP_RULE_N] = {
    [REP_RULE_REG_FAILED] = "failed",
    [REP_RULE_REG_DOWNTIME] = "downtime",
    [REP_RULE_REG_WINDOW] = "window",
    [REP_RULE_REG_P99] = "p99",
};

const char *spec_rule_kind(enum rep_rule rule)
{
    return rule_kinds[rule];
}

const char *spec_rule_name(enum rep_rule rule)
{
    return rule_names[rule];
}

int spec_rule_is_duration(enum rep_rule rule)
{
    return rule == REP_RULE_MAX_DOWNTIME || rule == REP_RULE_MAX_WINDOW ||
           rule == REP_RULE_MAX_P99 || rule == REP_RULE_MAX_BLIND || rule == REP_RULE_MAX_BURST ||
           rule == REP_RULE_REG_DOWNTIME || rule == REP_RULE_REG_WINDOW || rule == REP_RULE_REG_P99;
}

/* "0.5%": a share, 0..max, digits and one dot only. */
static int parse_share(const char *s, double max, double *out)
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
    if (digits == 0 || s[1] != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

/* a share of sent requests */
static int parse_percent(const char *s, double *out)
{
    return parse_share(s, 100, out);
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

int spec_parse_regression(const char *arg, struct rep_limit *out, char *err, size_t errlen)
{
    const char *colon = strrchr(arg, ':');
    char why[160];
    memset(out, 0, sizeof *out);
    out->arg = arg;
    out->percent = -1;
    if (colon == NULL) {
        snprintf(err, errlen,
                 "--max-regression \"%.40s\": not [NAME:]KIND:AMOUNT (e.g. downtime:+500ms, "
                 "p99:+20%%)",
                 arg);
        return -1;
    }
    /* the kind: from the colon before the last one, or from the start */
    const char *kind = colon;
    while (kind > arg && kind[-1] != ':')
        kind--;
    size_t klen = (size_t)(colon - kind);
    int r = REP_RULE_REG_FAILED;
    while (r <= REP_RULE_REG_P99 &&
           !(strlen(rule_kinds[r]) == klen && memcmp(kind, rule_kinds[r], klen) == 0))
        r++;
    if (r > REP_RULE_REG_P99) {
        snprintf(err, errlen,
                 "--max-regression \"%.40s\": unknown kind \"%.*s\" (kinds: failed, downtime, "
                 "window, p99)",
                 arg, (int)(klen > 20 ? 20 : klen), kind);
        return -1;
    }
    out->rule = (enum rep_rule)r;
    if (kind > arg && kind - 1 == arg) {
        snprintf(err, errlen, "--max-regression \"%.40s\": empty target name before ':'", arg);
        return -1;
    }
    const char *value = colon + 1;
    if (*value == '+')
        value++;
    if (*value == '\0') {
        snprintf(err, errlen, "--max-regression \"%.40s\": no amount after the kind", arg);
        return -1;
    }
    if (strchr(value, '%')) {
        /* up to 100 times the baseline's value */
        if (parse_share(value, 10000, &out->percent) < 0) {
            snprintf(err, errlen,
                     "--max-regression: bad share \"%.40s\" (a percentage of the baseline's "
                     "value, 0..10000, e.g. 20%%)",
                     value);
            return -1;
        }
    } else if (spec_rule_is_duration(out->rule)) {
        if (units_parse_duration_us(value, &out->value, why, sizeof why) < 0) {
            snprintf(err, errlen, "--max-regression: %s", why);
            return -1;
        }
    } else if (units_parse_count(value, &out->value, why, sizeof why) < 0) {
        snprintf(err, errlen, "--max-regression: %s", why);
        return -1;
    }
    if (kind > arg) {
        out->target = strndup(arg, (size_t)(kind - 1 - arg));
        if (out->target == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}
