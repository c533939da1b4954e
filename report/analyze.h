/* Per-target analysis, fed one request at a time in scheduled-time order
 * (ingest.c sorts and merges): counters, latency histogram, per-second
 * series, and the window, burst and version state machines. */
#ifndef REP_ANALYZE_H
#define REP_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "splits.h"

/* Ingest refuses a run longer than this: the per-second series is the one
 * thing that grows with duration, and a corrupt time must not make it huge. */
#define ANALYZE_SPAN_MAX_US (7LL * 24 * 3600 * 1000000)

/* The running state of every target while requests arrive: working state,
 * apart from the result (struct analysis), gone after analyze_finish. */
struct analyzer;

/* NULL when memory is short. */
struct analyzer *analyzer_new(void);

/* Target number ti of the analysis, t, starts: t->name, url, log are set by
 * the caller; ok_status is the success definition applied
 * (analysis.ok_status). Returns 0, or -1 with err. */
int analyze_target_init(struct analyzer *a, int ti, struct an_target *t,
                        const struct rep_config *cfg, const unsigned char ok_status[OUTCOME_MAX],
                        char *err, size_t errlen);

/* One scheduled tick, due at t_us and sent at sent_us (t_us when it was not
 * sent): outcome from outcome.h, latency_us (from t_us) ignored when skipped,
 * late when the prober did not observe it on time (blind.h), vidx 0 for no
 * version (else an index in analysis.version_names), where the peer,
 * connection and protocol that carried it. Returns 0, or -1 when memory is
 * short. */
int analyze_req(struct analyzer *a, int ti, struct an_target *t, int64_t t_us, int64_t sent_us,
                int64_t latency_us, int outcome, int late, int vidx, const char *vname,
                struct split_where where);

/* n ticks the schedule implies but no line records (ingest counts them),
 * due in [from_us, until_us): blind time, before the next analyze_req. */
void analyze_missing(struct analyzer *a, int ti, struct an_target *t, uint64_t n, int64_t from_us,
                     int64_t until_us);

/* One of the target's logs ends without its end line: its last blind
 * interval is open. Before analyze_finish. */
void analyze_cut_short(struct an_target *t);

/* After the last request of every target: closes what is open, computes
 * percentiles, sorts the timeline and places windows and bursts in it.
 * Returns 0, or -1 with err when memory is short. */
int analyze_finish(struct analyzer *a, struct analysis *an, char *err, size_t errlen);

/* Frees the running state, finished or not (analysis stopped on an error). */
void analyzer_free(struct analyzer *a);

#endif
