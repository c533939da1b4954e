/* The one result of reading and analysing the logs. Every formatter (text,
 * JSON, JUnit, Markdown, plot) reads a finished struct analysis and computes
 * nothing of its own: a number shown two ways is computed once, here. */
#ifndef REP_ANALYSIS_H
#define REP_ANALYSIS_H

#include <stdint.h>

#include "report_config.h"
#include "baseline.h"
#include "dbanalysis.h"
#include "hist.h"
#include "outcome.h"

/* The outcome classes of the per-second series and the plot. */
enum an_class {
    AN_OK,   /* a status in --ok-status */
    AN_HTTP, /* any other HTTP status */
    AN_CONNECT,
    AN_TIMEOUT,
    AN_RESET,
    AN_OTHER,   /* dns, tls, protocol, other */
    AN_SKIPPED, /* not sent: the prober's limit */
    AN_LATE,    /* sent later than --max-lag, or failed across a prober stall:
                   not observed on time, so neither a success nor a failure */
    AN_NCLASS
};

/* The commonest outcomes of a window or burst, most frequent first. */
#define AN_MIX_MAX 6
struct an_mix {
    int n;
    int outcome[AN_MIX_MAX];
    uint64_t count[AN_MIX_MAX];
    uint64_t rest; /* failures of other outcomes */
};

/* A downtime window or an error burst. */
struct an_span {
    int64_t start_us;  /* scheduled time of its first failure */
    int64_t end_us;    /* scheduled time of the next success, or see open */
    uint64_t requests; /* sent requests scheduled in [start, end) */
    uint64_t failed;
    double error_rate; /* failed / requests, 0 when none were sent */
    int open;          /* no success followed: end is its last failure's completion */
    int phase;         /* index in analysis.timeline of the last event at or before
                          start that is not a platform's event, -1 when none */
    int event;         /* the last platform's event (a "[SOURCE] TEXT" mark) at or
                          before start, at most AN_EVENT_LOOKBACK_US earlier; -1 */
    struct an_mix mix;
};

/* All windows (or bursts) of a target: totals over all, the longest ones listed. */
struct an_spans {
    uint64_t count;
    int64_t total_us;
    struct an_span longest; /* valid when count > 0 */
    int64_t longest_us;     /* its duration; 0 when count is 0 */
    int nlisted;            /* the --list longest, sorted by start */
    struct an_span *listed;
    int cap;
};

/* One second of one target, for the series and the plot. */
struct an_second {
    uint32_t n[AN_NCLASS];
    uint32_t p50_us; /* of the requests sent in that second; 0 when none */
    uint32_t p99_us;
};

#define AN_VERSIONS_MAX 16
struct an_version {
    const char *name;
    uint64_t requests;
    int64_t first_us, last_us; /* scheduled times of its first and last request */
};

struct an_versions {
    int n; /* in order of first appearance */
    struct an_version v[AN_VERSIONS_MAX];
    uint64_t other_requests; /* versions beyond AN_VERSIONS_MAX */
    uint64_t unversioned;    /* successes that carried no version */
    uint64_t switches;       /* consecutive versioned requests that differ */
    uint64_t flip_flops;     /* switches back to a version that appeared earlier */
    int final;               /* index of the last request's version, -1 */
    int64_t mixed_start_us;  /* first request of the final version */
    int64_t mixed_end_us;    /* last request of any other; -1 when no mix */
};

/* The requests of a target sent and observed on time, and their failures, for
 * one value of an attribute of the request: which peer answered (in a
 * cluster, the pod), a new or a reused connection, the HTTP version. */
enum an_split_by { AN_BY_PEER, AN_BY_CONNECTION, AN_BY_PROTOCOL, AN_NSPLIT };

struct an_split {
    const char *key;   /* as logged ("10.0.0.7:8080", "new", "2"); NULL: none (no peer
                          reached, no response) or, for the connection, unknown */
    uint64_t requests; /* sent and observed on time: successes and failures */
    uint64_t failed;
    struct an_mix mix; /* the failures' commonest outcomes */
};

struct an_splits {
    int n;                   /* most failures first, then most requests, then by key */
    struct an_split *v;      /* only values with requests */
    int failing;             /* the first of them, those with failures */
    uint64_t clean_requests; /* the requests of the others */
    int known;               /* some request carried the attribute (older logs have no
                                protocol; a connection kind may be unknown) */
};

/* With failures at two peers or more: the failures per second (aligned with
 * an_target.series) at the peers that failed most, for the plot. */
#define AN_PEER_SERIES 4
struct an_peer_series {
    int n;
    const char *peer[AN_PEER_SERIES]; /* as by[AN_BY_PEER]'s keys; NULL: no peer reached */
    uint32_t *failed[AN_PEER_SERIES]; /* series_len each */
};

struct an_latency {
    int64_t p50, p90, p99, p999, max; /* microseconds from the scheduled time */
    double mean;
};

struct an_target {
    char *name;
    char *url;
    int log;            /* index in analysis.logs with --by-log, else -1 */
    double rate;        /* declared requests per second (summed over logs when merged) */
    int nlogs;          /* how many logs probe it */
    int rate_disagrees; /* logs declare it at different rates */
    uint64_t requests;  /* scheduled ticks: ok + failed + skipped + late */
    uint64_t ok, failed, skipped;
    uint64_t late;       /* sent, but not observed on time (AN_LATE) */
    uint64_t missing;    /* ticks the schedule implies but no line records */
    int cut_short;       /* one of its logs ends without its end line */
    double availability; /* ok / (ok + failed); -1 when nothing was sent */
    uint64_t outcomes[OUTCOME_MAX];
    struct hist latency; /* sent requests, successes and failures */
    struct an_latency lat;
    int64_t first_us, last_us;
    int64_t first_fail_us, last_fail_us; /* the first failure's observed time and the last
                                            one's end; -1 when none failed */
    struct an_spans windows, bursts;
    struct an_spans blind;    /* blind.h: requests counts blind ticks */
    double worst_second_rate; /* the highest share of failures among the requests sent
                                 in one second, 0..1 */
    int64_t worst_second_us;  /* that second's start, -1 when none failed */
    int64_t series_start_s;   /* Unix second of series[0] */
    uint32_t series_len;
    struct an_second *series;
    struct an_versions versions;
    struct an_splits by[AN_NSPLIT];
    struct an_peer_series peer_series;
    /* --baseline: the earlier run's figures of the target of this name, and
     * this run's less them (regression.c); present 0 when there is none */
    struct {
        int present;
        int comparable; /* measured alike: as many logs, the same rate; else its
                           regression rules are not applied */
        int logs;       /* the baseline's */
        double rate;
        uint64_t failed;
        int64_t downtime_us, longest_window_us, p99_us;
        int64_t d_failed, d_downtime_us, d_longest_window_us, d_p99_us;
    } base;
};

enum an_event_kind { AN_EV_MARK, AN_EV_CMD_START, AN_EV_CMD_EXIT, AN_EV_ABORT };
struct an_event {
    int64_t t_us;
    enum an_event_kind kind;
    char *text;  /* mark name, the command, how it ended, or the aborting target */
    long number; /* the pid, or the exit status */
    int log;
    long seq;       /* order of reading: ties keep the log's own order */
    int source_len; /* a mark "[SOURCE] TEXT": a platform's event (the cluster's,
                       the lab driver's), not a step; SOURCE's length, else 0 */
};

/* How far back a window's event may lie: an event long before it is not
 * what preceded it in any useful sense. */
#define AN_EVENT_LOOKBACK_US 60000000

struct an_log {
    char *path;
    int format_version;
    char *host, *prober_version, *cmd;
    /* the prober's git revision and its libraries (header), NULL when absent */
    char *prober_revision, *prober_libs;
    char *ok_status;      /* its prober's success definition (header), NULL when absent */
    int follow_redirects; /* its prober followed redirects: 1, 0, -1 unknown */
    long pid;
    int64_t first_us, last_us; /* of its req lines; -1 when none */
    uint64_t reqs;
    long lines;
    int has_end;
    char *end_reason;
    int64_t end_us;
    int64_t stop_us;                       /* when its schedule stopped (end line), -1 unknown */
    int64_t first_event_us, last_event_us; /* the times of any of its lines, -1 */
    int64_t max_lag_us;                    /* the lateness that makes a tick blind, as applied */
    int64_t batch_window_us;               /* the prober's --batch-window */
    int64_t clock_maxerror_us;             /* its prober's wall clock at start (adjtimex), -1 */
    int clock_synced;                      /* 1, 0, or -1 unknown */
    int has_command;                       /* a cmd-start line */
    struct {
        char *command;    /* as cmd-start gives it */
        int64_t start_us; /* -1 when it never started */
        int64_t end_us;   /* -1 when the log does not see it end */
        int status;       /* as a shell shows it */
        char *how;        /* "exited", "killed:SIGTERM" */
    } command;
    int command_reason; /* index in an_gate.reasons when --require-command-success
                           failed on this log, -1 */
    int interrupted;    /* stopped by a signal while its command ran */
    /* its prober's live gate (--abort-on) stopped the run: the first abort line */
    struct {
        int present;
        int64_t t_us;
        char *target, *rule;
        int64_t value, limit; /* a count, or microseconds when duration */
        int duration;
        /* how long users were hurt on either side of it, over every target:
         * from the first failure to the abort, and from the abort to the
         * last failure (the rollback's healing); -1 when none on that side */
        int64_t before_us, after_us;
    } abort;
    int gate_reason; /* index in an_gate.reasons when the log makes the run
                        inconclusive (cut short, error, interrupted), -1 */
    uint64_t stalls; /* stall lines: the prober's loop did not run */
    int64_t stall_us, longest_stall_us, longest_stall_at_us;
    int truncated; /* the last line had no newline */
    long unknown_lines;
    long malformed; /* skipped with --lenient */
    long warns;     /* warn events from the prober */
};

enum an_verdict { AN_PASS, AN_FAIL, AN_INCONCLUSIVE };

/* One rule applied to one target. */
struct an_check {
    int target;
    enum rep_rule rule;
    const struct rep_limit *limit; /* NULL for the default rule */
    int64_t limit_value;           /* a count, microseconds, or for a share the count it allows */
    int64_t value;
    int passed;
    int reason; /* index in an_gate.reasons when failed, else -1 */
    /* its warn level (a --gate file's "warn RULE"), NULL when none; with
     * limit NULL and a rule that has no default, the check is this level
     * alone and always passes */
    const struct rep_limit *warn_limit;
    int64_t warn_limit_value;
    int64_t baseline_value; /* a --max-regression rule's: the baseline's figure */
    int no_baseline;        /* a --max-regression rule for a target the baseline lacks:
                               not applied (passed, and a line in an_gate.warnings) */
    int warned;             /* passed, but beyond the warn level */
    int warning;            /* index in an_gate.warnings when warned, else -1 */
};

struct an_gate {
    enum an_verdict verdict;
    int passed;
    int nchecks;
    struct an_check *checks;
    int nreasons;
    char **reasons; /* one line each, target first */
    int nwarnings;
    char **warnings; /* beyond a warn level, within the fail level: one line each */
    int no_target;   /* failed: no target and no database rule to judge */
};

struct analysis {
    const struct rep_config *cfg;
    /* the definition of success applied: --ok-status, else the one the logs'
     * prober wrote in their headers, else the default (200) */
    unsigned char ok_status[OUTCOME_MAX];
    const char *ok_status_text; /* as given or as written in the header */
    const char *ok_status_from; /* "option", "log" or "default" */
    int nlogs;
    struct an_log *logs;
    int ntargets;
    struct an_target *targets;
    int ntimeline;
    struct an_event *timeline; /* sorted by time */
    int nnotes;
    char **notes; /* warnings for the reader of the report */
    long notes_dropped;
    int nversion_names;
    char **version_names; /* every version string seen, index 0 unused */
    int npeer_names, nprotocol_names;
    char **peer_names, **protocol_names; /* likewise, for peers and HTTP versions */
    int64_t first_us, last_us;           /* over all req lines; -1 when none */
    int64_t origin_us;                   /* what offsets (+1.5s) count from: the first request,
                                            else the first database probe, else the first line */
    struct {
        uint64_t requests, ok, failed, skipped;
    } total;                         /* over all targets */
    long malformed;                  /* over all logs */
    struct db_analysis db;           /* the database, merged over all logs */
    const struct baseline *baseline; /* --baseline, NULL when none */
    struct an_gate gate;
};

/* "printf"-style warning for the report's notes; kept to a bounded number. */
void analysis_note(struct analysis *an, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void analysis_free(struct analysis *an);

/* The timeline event a moment falls after, as an index, -1 when none; a
 * platform's event is never a phase. */
int analysis_phase_at(const struct analysis *an, int64_t t_us);

/* The platform's event a moment falls after (AN_EVENT_LOOKBACK_US at most),
 * as an index, -1 when none. */
int analysis_event_at(const struct analysis *an, int64_t t_us);

/* A mark's text "[SOURCE] TEXT" (SOURCE: k8s or lab, the sources of this
 * project's scripts): the length of SOURCE; 0 for any other text. */
int analysis_mark_source(const char *text);

#endif
