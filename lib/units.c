/* Parsing and printing of durations, counts and rates (units.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

/* A non-negative decimal number as written: its digits as an integer and how
 * many of them follow the point, so that "0.009k" can be scaled exactly
 * (0.009 * 1000 in binary floating point is 8.999999999999998). */
struct decimal {
    uint64_t digits;
    int frac;  /* digits after the point */
    int exact; /* 0 when digits overflowed: only the double is meaningful */
    double value;
};

/* Reads a non-negative decimal number without locale surprises; strtod would
 * accept "inf", hex and a leading sign, none of which is a sane duration. */
static int read_decimal(const char **p, struct decimal *d)
{
    const char *s = *p;
    int ndigits = 0, point = 0;
    d->digits = 0;
    d->frac = 0;
    d->exact = 1;
    for (;; s++) {
        if (*s == '.' && !point) {
            point = 1;
            continue;
        }
        if (!isdigit((unsigned char)*s))
            break;
        ndigits++;
        if (d->digits > (UINT64_MAX - 9) / 10) {
            d->exact = 0; /* keep counting frac so the double stays right */
            if (!point)
                d->frac--; /* an integer digit dropped: scale up instead */
        } else {
            d->digits = d->digits * 10 + (uint64_t)(*s - '0');
            if (point)
                d->frac++;
        }
    }
    if (ndigits == 0)
        return -1;
    /* one rounding step, not one per digit */
    d->value =
        d->frac >= 0 ? (double)d->digits / pow(10, d->frac) : (double)d->digits * pow(10, -d->frac);
    *p = s;
    return 0;
}

static int read_number(const char **p, double *out)
{
    struct decimal d;
    if (read_decimal(p, &d) < 0)
        return -1;
    *out = d.value;
    return 0;
}

struct unit {
    const char *name;
    double us;
};

/* Longest names first, so "ms" is not read as "m" followed by garbage. */
static const struct unit duration_units[] = {
    {"us", 1}, {"\xc2\xb5s", 1}, {"ms", 1e3}, {"s", 1e6}, {"m", 60e6}, {"h", 3600e6},
};

int units_parse_duration_us(const char *s, int64_t *out_us, char *err, size_t errlen)
{
    const char *p = s;
    double total = 0;
    int parts = 0;
    if (s == NULL || *s == '\0') {
        snprintf(err, errlen, "empty duration");
        return -1;
    }
    while (*p) {
        double v;
        if (read_number(&p, &v) < 0) {
            snprintf(err, errlen, "bad duration \"%s\": expected a number at \"%s\"", s, p);
            return -1;
        }
        if (*p == '\0' && parts == 0) {
            total = v * 1e6; /* a bare number is seconds, as sleep(1) reads it */
            parts++;
            break;
        }
        const struct unit *u = NULL;
        size_t ulen = 0;
        for (size_t i = 0; i < sizeof duration_units / sizeof *duration_units; i++) {
            size_t n = strlen(duration_units[i].name);
            if (strncmp(p, duration_units[i].name, n) == 0 && n > ulen &&
                !isalpha((unsigned char)p[n])) {
                u = &duration_units[i];
                ulen = n;
            }
        }
        if (u == NULL) {
            snprintf(err, errlen,
                     "bad duration \"%s\": unknown unit at \"%s\" (use us, ms, s, m, h)", s, p);
            return -1;
        }
        total += v * u->us;
        p += ulen;
        parts++;
    }
    if (total > 9.2e15) {
        snprintf(err, errlen, "duration \"%s\" is too long", s);
        return -1;
    }
    *out_us = (int64_t)llround(total);
    return 0;
}

/* A number with an optional k, M or G (powers of 1000). */
static int parse_scaled(const char *s, const char **rest, struct decimal *d, int *pow1000,
                        char *err, size_t errlen, const char *what)
{
    const char *p = s;
    if (s == NULL || read_decimal(&p, d) < 0) {
        snprintf(err, errlen, "bad %s \"%s\": expected a number", what, s ? s : "");
        return -1;
    }
    switch (*p) {
    case 'k':
    case 'K':
        *pow1000 = 1;
        p++;
        break;
    case 'M':
        *pow1000 = 2;
        p++;
        break;
    case 'G':
        *pow1000 = 3;
        p++;
        break;
    default:
        *pow1000 = 0;
    }
    *rest = p;
    return 0;
}

/* digits * 10^(3*pow1000 - frac) as a double, with one rounding. */
static double scaled_value(const struct decimal *d, int pow1000)
{
    int e = 3 * pow1000 - d->frac;
    return e >= 0 ? (double)d->digits * pow(10, e) : (double)d->digits / pow(10, -e);
}

int units_parse_count(const char *s, int64_t *out, char *err, size_t errlen)
{
    const char *rest;
    struct decimal d;
    int pow1000;
    if (parse_scaled(s, &rest, &d, &pow1000, err, errlen, "count") < 0)
        return -1;
    if (*rest != '\0') {
        snprintf(err, errlen, "bad count \"%s\": unexpected \"%s\" (use k, M or G)", s, rest);
        return -1;
    }
    /* integer arithmetic: the count is whole exactly when the digits past
     * the scale are all zero */
    uint64_t v = d.digits;
    int e = 3 * pow1000 - d.frac;
    for (; e < 0; e++) {
        if (v % 10 != 0) {
            snprintf(err, errlen, "bad count \"%s\": not a whole number", s);
            return -1;
        }
        v /= 10;
    }
    for (; e > 0 && v <= (uint64_t)INT64_MAX / 10; e--)
        v *= 10;
    if (!d.exact || e > 0 || v > (uint64_t)INT64_MAX) {
        snprintf(err, errlen, "bad count \"%s\": too large", s);
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

int units_parse_rate(const char *s, double *out_per_s, char *err, size_t errlen)
{
    const char *rest;
    struct decimal d;
    int pow1000;
    if (parse_scaled(s, &rest, &d, &pow1000, err, errlen, "rate") < 0)
        return -1;
    double v = scaled_value(&d, pow1000);
    if (strcmp(rest, "") == 0 || strcmp(rest, "/s") == 0)
        ;
    else if (strcmp(rest, "/m") == 0)
        v /= 60;
    else if (strcmp(rest, "/h") == 0)
        v /= 3600;
    else {
        snprintf(err, errlen, "bad rate \"%s\": unexpected \"%s\" (use /s, /m or /h)", s, rest);
        return -1;
    }
    if (!(v > 0)) {
        snprintf(err, errlen, "bad rate \"%s\": must be above zero", s);
        return -1;
    }
    *out_per_s = v;
    return 0;
}

const char *units_format_duration(int64_t us, char *buf, size_t len)
{
    const char *sign = us < 0 ? "-" : "";
    if (us < 0)
        us = -us;
    if (us < 1000)
        snprintf(buf, len, "%s%dus", sign, (int)us);
    else if (us < 10000)
        snprintf(buf, len, "%s%.2fms", sign, us / 1e3);
    else if (us < 1000000)
        snprintf(buf, len, "%s%.1fms", sign, us / 1e3);
    else if (us < 10000000)
        snprintf(buf, len, "%s%.2fs", sign, us / 1e6);
    else if (us < 60000000)
        snprintf(buf, len, "%s%.1fs", sign, us / 1e6);
    else if (us < 3600000000LL)
        snprintf(buf, len, "%s%dm%02ds", sign, (int)(us / 60000000), (int)(us / 1000000 % 60));
    else
        snprintf(buf, len, "%s%dh%02dm", sign, (int)(us / 3600000000LL), (int)(us / 60000000 % 60));
    return buf;
}

const char *units_format_count(double n, char *buf, size_t len)
{
    if (n < 1000)
        snprintf(buf, len, "%.0f", n);
    else if (n < 1e6)
        snprintf(buf, len, "%.*fk", n < 1e4 ? 2 : 1, n / 1e3);
    else if (n < 1e9)
        snprintf(buf, len, "%.*fM", n < 1e7 ? 2 : 1, n / 1e6);
    else
        snprintf(buf, len, "%.2fG", n / 1e9);
    return buf;
}
