/* Parsers of the gate's arguments: --max-... / --min-... values with an
 * optional NAME: prefix (the success list, --ok-status, is lib/outcome.h's).
 * Pure functions, unit-tested and fuzzed (report/fuzz-gate-spec.c). */
#ifndef REP_GATE_SPEC_H
#define REP_GATE_SPEC_H

#include <stddef.h>

#include "report_config.h"

/* "[NAME:]VALUE" for rule: counts ("5", "5k", and for max-errors "0.5%") or
 * durations ("1.5s", "250ms"). The name is split at the last ':' (a value
 * never holds one), so target names may. out->target is malloc'd or NULL.
 * Returns 0, or -1 with a reason in err. */
int spec_parse_limit(const char *arg, enum rep_rule rule, struct rep_limit *out, char *err,
                     size_t errlen);

/* "[NAME:]KIND:AMOUNT" of --max-regression: KIND failed, downtime, window or
 * p99 (which sets out->rule); AMOUNT a count (failed) or a duration, or a
 * share of the baseline's value ("20%"), with an optional '+'. The name is
 * what precedes the kind. Returns 0, or -1 with a reason in err. */
int spec_parse_regression(const char *arg, struct rep_limit *out, char *err, size_t errlen);

/* "max-errors", "max-downtime", ...: the option's name without dashes
 * ("max-regression" for the four regression rules). */
const char *spec_rule_name(enum rep_rule rule);

/* A regression rule's KIND ("failed", "downtime", "window", "p99"); NULL for
 * the other rules. */
const char *spec_rule_kind(enum rep_rule rule);

/* Whether the rule's value is a duration (else a count). */
int spec_rule_is_duration(enum rep_rule rule);

#endif
