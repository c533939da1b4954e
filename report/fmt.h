/* Small printing helpers shared by the formatters and gate reasons: times in
 * UTC and as offsets from the first request, durations, target labels. They
 * format; they never compute a fact of the analysis. */
#ifndef REP_FMT_H
#define REP_FMT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "analysis.h"

#define FMT_BUF 64

/* "14:03:21.123" (UTC). */
const char *fmt_clock(int64_t wall_us, char *buf, size_t len);

/* "2025-11-26 14:03:21 UTC". */
const char *fmt_date(int64_t wall_us, char *buf, size_t len);
/* "2025-11-26T14:03:21": ISO 8601 in UTC without a zone, as JUnit's
 * timestamp attribute wants it. */
const char *fmt_date_iso(int64_t wall_us, char *buf, size_t len);

/* "+12.4s", "+2m05.123s", "+1h02m05.123s": from the first request. */
const char *fmt_offset(const struct analysis *an, int64_t wall_us, char *buf, size_t len);

/* "1764165600.123456": Unix seconds with microseconds, exact (no floating point). */
const char *fmt_unix(int64_t wall_us, char *buf, size_t len);

/* "1.850000": a duration in seconds, exact. */
const char *fmt_seconds(int64_t us, char *buf, size_t len);

/* "850us", "1.85s" (lib/units.c). */
const char *fmt_duration(int64_t us, char *buf, size_t len);

/* A change from a baseline: "+600.0ms", "-2.00ms", "+0us". */
const char *fmt_duration_change(int64_t us, char *buf, size_t len);

/* "home", or "home (a.log)" with --by-log. */
const char *fmt_target(const struct analysis *an, const struct an_target *t, char *buf, size_t len);

/* "connect 37, 502 12" from a mix. */
const char *fmt_mix(const struct an_mix *m, char *buf, size_t len);

/* A phase: 'after mark "rollout" (+3.2s)', "while the command ran (started +9.0s)",
 * "after the command exited 1 (+20.1s)", or "before any mark". */
const char *fmt_phase(const struct analysis *an, int phase, char *buf, size_t len);

/* "; last event [k8s] Killing pod/web-1 (+1.20s)" for a span's event, "" for -1. */
const char *fmt_event(const struct analysis *an, int event, char *buf, size_t len);

/* What a log's wrapped command did: "`sh upgrade.sh` exited with status 1
 * after 47.2s", "... was killed by SIGTERM (status 143) after 3.0s", "... did
 * not end before the log did"; "" when the log has no command. */
const char *fmt_command(const struct an_log *l, char *buf, size_t len);

/* "PASS", "FAIL", "INCONCLUSIVE". */
/* "the live gate aborted at +12.3s: home: max-window 2.1s, above 2s; ..." for
 * a log whose prober aborted (l->abort.present). */
const char *fmt_abort(const struct analysis *an, const struct an_log *l, char *buf, size_t len);

const char *fmt_verdict(enum an_verdict v);

/* "peer", "connection", "protocol": what a split is by. */
const char *fmt_split_by(enum an_split_by by);

/* A split's value as shown: the logged one, else what its absence means,
 * "(none)" (no peer reached, no response) or "(unknown)" (connection). */
const char *fmt_split_key(const struct an_split *v, enum an_split_by by);

/* Writes the values that failed, most first, at most FMT_SPLITS_SHOWN, and
 * a count of the others: "10.0.0.7:8080 12 of 340 (503 12); no failures
 * from 2 others (680 requests)"; put writes a value from the log as the
 * format escapes it. */
#define FMT_SPLITS_SHOWN 6
void fmt_splits(FILE *f, const struct an_splits *sp, enum an_split_by by,
                void (*put)(FILE *f, const char *s));

/* "99.38%": truncated, never rounded up, so a single failure never reads
 * 100%; "100%" only when nothing failed; "-" when nothing was sent. */
const char *fmt_availability(double a, char *buf, size_t len);

/* The length of the valid UTF-8 sequence at p (1..4), or 0 when the bytes
 * there are not one (a log is UTF-8 by contract, but a report must stay valid
 * JSON, XML or Markdown whatever it read). */
int fmt_utf8_len(const char *p);

/* How a markup language takes text: '<', '>' and '&' always become entities;
 * control characters other than those kept, DEL and invalid UTF-8 become
 * '?'. */
struct fmt_markup {
    const char *controls_kept; /* "\t\n" */
    int quote_entities;        /* '"' and '\'' as &quot; and &apos; */
    const char *backslashed;   /* characters written with a backslash before */
};

/* Writes s to f as markup m takes it. */
void fmt_escaped(FILE *f, const char *s, const struct fmt_markup *m);

/* A copy of s with control characters (a terminal escape in a target name)
 * and invalid UTF-8 replaced by '?', for text meant for a terminal. */
const char *fmt_sane(const char *s, char *buf, size_t len);

#endif
