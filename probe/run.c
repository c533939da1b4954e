/* The probing run (run.h). Callbacks here stay thin: they read the clock,
 * call the schedule, hand requests to http.c and records to the log writer. */
#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/timex.h>
#include <unistd.h>

#include "about.h"
#include "child.h"
#include "clock.h"
#include "db.h"
#include "evtimer.h"
#include "ptimer.h"
#include "exit.h"
#include "guard.h"
#include "hist.h"
#include "http.h"
#include "logwrite.h"
#include "mark.h"
#include "outcome.h"
#include "run.h"
#include "schedule.h"
#include "status.h"
#include "version.h"

#define FLUSH_INTERVAL_US 100000 /* the most a SIGKILL can lose */
#define STATUS_INTERVAL_US 1000000
/* The live rate is over the last 5 s (6 samples a status interval apart): a
 * figure that moves with an outage within seconds, but not with the jitter
 * of one interval's completions. */
#define RATE_SAMPLES 6
#define TICKS_PER_TURN 256      /* then let the loop serve sockets */
#define DRAIN_MARGIN_US 1000000 /* past the timeout, in-flight requests are abandoned */
/* After a second signal the command gets SIGTERM, then SIGKILL this much
 * later: pbprobe never leaves an upgrade running behind it. */
#define COMMAND_GRACE_US 5000000

struct target_state {
    int64_t mono_t0_us;
    uint64_t next_tick;
    uint64_t limit; /* ticks to send; UINT64_MAX when open-ended */
    uint64_t ok, failed, skipped;
    bool warned_unsent; /* the first request not sent for want of the prober's resources */
    uint64_t interval_done;
    struct hist interval_latency;
    struct hist run_latency;          /* the summary's p99 */
    uint64_t rate_done[RATE_SAMPLES]; /* ok + failed at each of the run's rate_us */
    double live_per_s;
    int64_t live_p99_us;
};

struct run {
    const struct probe_config *cfg;
    struct event_base *base;
    struct http *http;
    struct db *db; /* NULL without --db */
    struct logw *log;
    struct target_state *ts;
    int64_t wall_offset_us; /* wall = mono + offset */
    int64_t mono_start_us;
    int64_t mono_stop_us; /* no tick at or after this is sent */
    int64_t mono_drain_deadline_us;
    int64_t mono_last_status_us;
    /* the watchdog: when the loop last ran it, and the last stall it saw */
    int64_t mono_last_watch_us;
    int64_t mono_stall_end_us;
    int scheduling_done;
    int finished;
    const char *end_reason;
    int exit_code; /* pbprobe's own failure, 0 when none */
    int signals;
    /* the wrapped command */
    pid_t child_pid; /* 0 before start, -1 after reaping */
    int child_status;
    struct markfifo *marks;
    /* the live gate (--abort-on), NULL without a rule */
    struct guard *guard;
    bool aborted;
    pid_t abort_pid;   /* the --on-abort command: 0 none, -1 after reaping */
    bool abort_failed; /* it failed, could not be started, or outlived its timeout */
    int abort_stops;   /* signals sent to it at --on-abort-timeout: 1 SIGTERM, 2 SIGKILL */
    struct event *abort_kill_ev;
    struct ptimer *tick;  /* the schedule's precise timer */
    struct ptimer *flush; /* the watchdog's: a coarse one would be 4 ms off */
    struct event *status_ev, *child_ev, *mark_ev, *drain_ev, *kill_ev;
    int stop_signal; /* the second signal, which decides pbprobe's exit status */
    struct event *sig_ev[3];
    int status_tty;
    /* the live status line (status_live: stderr is a terminal, no --quiet) */
    bool status_live;
    struct status_term term;
    struct event *term_ev; /* the terminal writable: the rest of a sequence */
    unsigned status_flags;
    int64_t rate_us[RATE_SAMPLES];
    int rate_head, rate_count;
    struct event *winch_ev;
    int64_t mono_cmd_start_us;
    char cmd_how[64]; /* how the command ended, "" while it runs */
    char last_mark[256];
};

static int64_t wall_now(const struct run *r)
{
    return clock_mono_us() + r->wall_offset_us;
}

/* "pbprobe: " and a message on standard error, on a line of its own; with
 * a status line, in the scroll region above it like the command's output,
 * never inside an escape sequence the status line left unfinished. */
static void say(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct run *r, const char *fmt, ...)
{
    va_list ap;
    if (r->status_live)
        status_term_settle(&r->term);
    fputs("pbprobe: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* A write error stops probing (the evidence would have a hole) but never the
 * command: an upgrade is not killed halfway because our disk filled. */
static void log_failed(struct run *r)
{
    if (r->exit_code)
        return;
    say(r, "%s; probing stopped", logw_error(r->log));
    r->exit_code = EXIT_OUTPUT;
    r->end_reason = "error";
    r->mono_stop_us = clock_mono_us();
    ptimer_fire_now(r->tick);
}

static void maybe_finish(struct run *r);
static void judge(struct run *r, int target, const struct log_req *q);

/* A request in flight while the loop did not run may be logged a timeout
 * that no server caused (libcurl's clock ran on while nobody read the
 * socket): it was handed over before the last stall ended, or a stall is
 * going on now that the watchdog has not yet had the chance to log. */
static int was_stalled(const struct run *r, const struct log_req *q)
{
    int64_t mono_sched_us = q->wall_sched_us - r->wall_offset_us;
    int64_t mono_handed_us = mono_sched_us + q->lag_us;
    int64_t mono_done_us = mono_sched_us + q->latency_us;
    return mono_handed_us < r->mono_stall_end_us ||
           mono_done_us - r->mono_last_watch_us > FLUSH_INTERVAL_US + r->cfg->max_lag_us;
}

/* One writer of skipped records: a tick the prober did not send, for want
 * of a slot (--max-inflight) or of a local port or descriptor. */
static void log_skipped(struct run *r, int target, int64_t mono_sched_us)
{
    struct log_req q = {
        .wall_sched_us = mono_sched_us + r->wall_offset_us,
        .target = r->cfg->targets[target].name,
        .outcome = OUTCOME_SKIPPED,
        .latency_us = -1,
        .delay_us = -1,
        .bytes = -1,
        .reused = -1,
        .lag_us = -1,
        .stalled = -1,
    };
    r->ts[target].skipped++;
    if (logw_req(r->log, &q) < 0)
        log_failed(r);
    judge(r, target, &q);
}

static void on_request_done(void *arg, int target, const struct log_req *done, const char *unsent)
{
    struct run *r = arg;
    struct target_state *t = &r->ts[target];
    if (done->outcome == OUTCOME_SKIPPED) {
        if (unsent && !t->warned_unsent) {
            /* once per target: the skipped records that follow say the rest */
            char msg[512];
            t->warned_unsent = true;
            snprintf(msg, sizeof msg, "%s: ticks logged as skipped, not sent: %s", done->target,
                     unsent);
            say(r, "%s", msg);
            if (logw_text(r->log, "warn", wall_now(r), msg) < 0)
                log_failed(r);
        }
        log_skipped(r, target, done->wall_sched_us - r->wall_offset_us);
    } else {
        struct log_req stamped = *done;
        stamped.stalled = was_stalled(r, done);
        /* the success the log header gives the report (--ok-status, default
         * 200), so that the live count and the verdict agree */
        if (outcome_is_http(done->outcome) && r->cfg->ok[done->outcome])
            t->ok++;
        else
            t->failed++;
        t->interval_done++;
        hist_record(&t->interval_latency, done->latency_us);
        hist_record(&t->run_latency, done->latency_us);
        if (logw_req(r->log, &stamped) < 0)
            log_failed(r);
        judge(r, target, &stamped);
    }
    if (r->scheduling_done)
        maybe_finish(r);
}

static void on_db_event(void *arg, const struct log_event *ev)
{
    struct run *r = arg;
    if (logw_event(r->log, ev) < 0)
        log_failed(r);
}

/* When the timer should wake the loop for the next batch: at the last tick due
 * within --batch-window of the next one, so that none leaves before its
 * time and one wakeup sends them all. */
static int64_t batch_due(const struct run *r, int64_t next_due)
{
    int64_t last = next_due, horizon = next_due + r->cfg->batch_window_us;
    for (int i = 0; i < r->cfg->ntargets; i++) {
        const struct target_state *t = &r->ts[i];
        for (uint64_t n = t->next_tick; n < t->limit; n++) {
            int64_t due = schedule_tick_us(t->mono_t0_us, r->cfg->targets[i].rate, n);
            if (due >= horizon || due >= r->mono_stop_us)
                break;
            if (due > last)
                last = due;
        }
    }
    return last;
}

/* Sends every tick that is due, then sleeps until the next batch. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    int64_t now = clock_mono_us();
    int64_t next_due = INT64_MAX;
    int sent = 0;
    char err[256];
    (void)fd;
    (void)what;

    for (int i = 0; i < r->cfg->ntargets; i++) {
        struct target_state *t = &r->ts[i];
        double rate = r->cfg->targets[i].rate;
        while (t->next_tick < t->limit) {
            int64_t due = schedule_tick_us(t->mono_t0_us, rate, t->next_tick);
            if (due >= r->mono_stop_us) {
                t->limit = t->next_tick;
                break;
            }
            if (due > now || sent == TICKS_PER_TURN) {
                if (due < next_due)
                    next_due = due;
                break;
            }
            if (r->guard && guard_tick(r->guard, i, due + r->wall_offset_us) < 0) {
                say(r, "out of memory");
                r->exit_code = EXIT_INTERNAL;
                r->end_reason = "error";
                r->mono_stop_us = now;
                break;
            }
            int rc = http_start(r->http, i, due, err, sizeof err);
            if (rc == 1) {
                log_skipped(r, i, due);
            } else if (rc < 0) {
                say(r, "%s: %s", r->cfg->targets[i].name, err);
                r->exit_code = EXIT_INTERNAL;
                r->end_reason = "error";
                r->mono_stop_us = now;
                break;
            }
            t->next_tick++;
            sent++;
        }
    }
    if (sent)
        http_kick(r->http);
    if (next_due != INT64_MAX) {
        if (sent == TICKS_PER_TURN)
            ptimer_fire_now(r->tick);
        else
            ptimer_arm_at(r->tick, batch_due(r, next_due));
        return;
    }
    if (r->db && now < r->mono_stop_us) {
        /* the URLs are done (or there are none) but the database probe runs
         * until the stop time; with none set, a signal or the command's end
         * wakes this callback */
        if (r->mono_stop_us != INT64_MAX)
            ptimer_arm_at(r->tick, r->mono_stop_us);
        return;
    }
    if (!r->scheduling_done) {
        r->scheduling_done = 1;
        if (r->db)
            db_stop(r->db);
        r->mono_drain_deadline_us = clock_mono_us() + r->cfg->timeout_max_us + DRAIN_MARGIN_US;
        evtimer_arm_us(r->drain_ev, r->mono_drain_deadline_us - clock_mono_us());
    }
    maybe_finish(r);
}

static void finish_now(struct run *r)
{
    if (r->finished)
        return;
    r->finished = 1;
    if (r->end_reason == NULL)
        r->end_reason = r->cfg->command ? "command" : "duration";
    int64_t stop_us = r->mono_stop_us == INT64_MAX ? -1 : r->mono_stop_us + r->wall_offset_us;
    if (logw_end(r->log, wall_now(r), r->end_reason, stop_us) < 0 || logw_flush(r->log) < 0)
        log_failed(r);
    event_base_loopbreak(r->base);
}

/* The run ends when nothing is scheduled, nothing is in flight and the
 * command, if any, has ended. */
static void maybe_finish(struct run *r)
{
    if (!r->scheduling_done || http_inflight(r->http) > 0)
        return;
    if (r->cfg->command && r->child_pid > 0)
        return;
    /* the rollback is waited for, unless a second signal said stop now */
    if (r->abort_pid > 0 && !r->stop_signal)
        return;
    finish_now(r);
}

static void on_drain_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    char msg[128];
    (void)fd;
    (void)what;
    int n = http_abandon_all(r->http);
    if (n > 0) {
        snprintf(msg, sizeof msg, "%d requests still in flight past the timeout, not logged", n);
        say(r, "%s", msg);
        if (logw_text(r->log, "warn", wall_now(r), msg) < 0)
            log_failed(r);
    }
    maybe_finish(r);
}

/* The watchdog runs every FLUSH_INTERVAL_US at the loop's first priority: a
 * longer gap than asked, by more than --max-lag, means the loop did not run
 * (the process was stopped, throttled by a CPU quota, or starved). The stall
 * is logged from the last moment the loop is known to have run. */
static void watch_loop(struct run *r)
{
    int64_t now = clock_mono_us();
    if (now - r->mono_last_watch_us > FLUSH_INTERVAL_US + r->cfg->max_lag_us) {
        struct log_stall st = {.end_us = now + r->wall_offset_us,
                               .length_us = now - r->mono_last_watch_us};
        r->mono_stall_end_us = now;
        if (logw_stall(r->log, r->mono_last_watch_us + r->wall_offset_us, &st) < 0)
            log_failed(r);
    }
    r->mono_last_watch_us = now;
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    (void)fd;
    (void)what;
    watch_loop(r);
    ptimer_arm_at(r->flush, r->mono_last_watch_us + FLUSH_INTERVAL_US);
    if (logw_flush(r->log) < 0)
        log_failed(r);
}

/* A sample of each target's completions, for the live rate. */
static void rate_push(struct run *r, int64_t now)
{
    r->rate_head = (r->rate_head + 1) % RATE_SAMPLES;
    if (r->rate_count < RATE_SAMPLES)
        r->rate_count++;
    r->rate_us[r->rate_head] = now;
    for (int i = 0; i < r->cfg->ntargets; i++)
        r->ts[i].rate_done[r->rate_head] = r->ts[i].ok + r->ts[i].failed;
}

/* At each status interval: the live rate over the samples kept, the live
 * p99 over the last interval. */
static void sample_status(struct run *r)
{
    int64_t now = clock_mono_us();
    rate_push(r, now);
    int oldest = (r->rate_head - r->rate_count + 1 + RATE_SAMPLES) % RATE_SAMPLES;
    double window_s = (double)(now - r->rate_us[oldest]) / 1e6;
    for (int i = 0; i < r->cfg->ntargets; i++) {
        struct target_state *t = &r->ts[i];
        uint64_t done = t->ok + t->failed - t->rate_done[oldest];
        t->live_per_s = window_s > 0 ? (double)done / window_s : 0;
        t->live_p99_us = t->interval_done ? hist_percentile(&t->interval_latency, 99) : -1;
        t->interval_done = 0;
        hist_reset(&t->interval_latency);
    }
    r->mono_last_status_us = now;
}

/* After a write of the status line's: when the terminal took only part of
 * a sequence, the rest waits (in the loop) until it can take it. */
static void term_wrote(struct run *r, bool pending)
{
    if (pending)
        event_add(r->term_ev, NULL);
}

/* The live status line (final false: on a terminal only), or the summary. */
static void show_status(struct run *r, bool final)
{
    struct status_row rows[16];
    char line[4096], db[128], cmd[96];
    int64_t now = clock_mono_us();
    if (!final && !r->status_live)
        return;
    /* the summary's rate: the requests completed over the time they were
     * scheduled in (to the stop, not to the drain's end), never over the
     * last interval alone */
    int64_t end = now < r->mono_stop_us ? now : r->mono_stop_us;
    double run_s = (double)(end - r->mono_start_us) / 1e6;
    int n = r->cfg->ntargets < 16 ? r->cfg->ntargets : 16;
    for (int i = 0; i < n; i++) {
        struct target_state *t = &r->ts[i];
        double run_per_s = run_s > 0 ? (double)(t->ok + t->failed) / run_s : 0;
        int64_t run_p99 = t->run_latency.count ? hist_percentile(&t->run_latency, 99) : -1;
        rows[i] = (struct status_row){
            .name = r->cfg->targets[i].name,
            .done_per_s = final ? run_per_s : t->live_per_s,
            .ok = t->ok,
            .failed = t->failed,
            .skipped = t->skipped,
            .p99_us = final ? run_p99 : t->live_p99_us,
        };
    }
    struct status_view v = {.elapsed_us = now - r->mono_start_us, .rows = rows, .nrows = n};
    if (r->db) {
        db_status(r->db, db, sizeof db);
        v.db = db;
    }
    if (r->cfg->command) {
        if (r->cmd_how[0])
            status_command(cmd, sizeof cmd, -1, 0, r->cmd_how, r->child_status);
        else if (r->child_pid > 0)
            status_command(cmd, sizeof cmd, -1, now - r->mono_cmd_start_us, NULL, 0);
        else if (r->aborted || r->exit_code)
            snprintf(cmd, sizeof cmd, "not started");
        else
            status_command(cmd, sizeof cmd, r->mono_start_us + r->cfg->lead_us - now, 0, NULL, 0);
        v.command = cmd;
    }
    v.mark = r->last_mark[0] ? r->last_mark : NULL;
    v.log = strcmp(r->cfg->output, "-") != 0 ? r->cfg->output : NULL;
    if (final) {
        status_format(line, sizeof line, &v, 0, r->status_flags);
        say(r, "%s", line);
        return;
    }
    /* narrower until it makes a short write (wide characters, a wide
     * terminal): the fewer bytes, the fewer partial writes */
    for (int width = r->term.cols; width >= STATUS_MIN_COLS; width -= width / 4)
        if (status_format(line, sizeof line, &v, width, r->status_flags) >= 0 &&
            strlen(line) <= STATUS_TEXT_MAX)
            break;
    if (strlen(line) <= STATUS_TEXT_MAX)
        term_wrote(r, status_term_draw(&r->term, line));
}

static void on_status(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sample_status(arg);
    show_status(arg, false);
}

static void on_winch(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    (void)fd;
    (void)what;
    term_wrote(r, status_term_resize(&r->term));
    show_status(r, false);
}

static void on_term_writable(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    (void)fd;
    (void)what;
    if (status_term_resume(&r->term))
        event_add(r->term_ev, NULL);
    else if (r->term.redraw)
        show_status(r, false);
}

static void on_mark(void *arg, int64_t wall_us, const char *text)
{
    struct run *r = arg;
    if (logw_text(r->log, "mark", wall_us, text) < 0)
        log_failed(r);
    snprintf(r->last_mark, sizeof r->last_mark, "%s", text);
    show_status(r, false);
}

static void on_mark_readable(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    (void)fd;
    (void)what;
    markfifo_read(r->marks, wall_now(r), r->wall_offset_us, on_mark, r);
}

static void start_command(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    char err[512];
    (void)fd;
    (void)what;
    /* probing already failed: do not start an upgrade blind; or the gate
     * aborted during --lead: do not start it at all */
    if (r->exit_code || r->aborted)
        return;
    /* pbprobe's own standard output and error: the terminal itself, where
     * the status line's scroll region keeps the bottom row out of its way */
    pid_t pid = child_start(r->cfg->command, markfifo_path(r->marks), false, err, sizeof err);
    r->mono_cmd_start_us = clock_mono_us();
    if (pid < 0) {
        snprintf(r->cmd_how, sizeof r->cmd_how, "cannot run");
        say(r, "%s", err);
        logw_text(r->log, "warn", wall_now(r), err);
        r->exit_code = EXIT_EXEC;
        r->end_reason = "error";
        r->child_pid = -1;
        r->mono_stop_us = clock_mono_us();
        ptimer_fire_now(r->tick);
        return;
    }
    r->child_pid = pid;
    /* the command line as given after "--", from its own argv, with
     * secrets redacted */
    struct log_cmd_start c = {.pid = (long)pid,
                              .command = r->cfg->command_redacted ? r->cfg->command_redacted
                                                                  : r->cfg->command[0]};
    if (logw_cmd_start(r->log, wall_now(r), &c) < 0)
        log_failed(r);
}

/* Probing goes on for --tail, then stops. */
static void start_tail(struct run *r)
{
    int64_t stop = clock_mono_us() + r->cfg->tail_us;
    if (stop < r->mono_stop_us)
        r->mono_stop_us = stop;
    if (!r->scheduling_done)
        ptimer_fire_now(r->tick);
    else
        maybe_finish(r);
}

/* The --on-abort command ended: the rollback is done, or failed. */
static void on_abort_command_exit(struct run *r)
{
    char how[64], text[128];
    int status;
    if (r->abort_pid <= 0 || !child_reap(r->abort_pid, &status, how, sizeof how))
        return;
    if (r->abort_kill_ev)
        event_del(r->abort_kill_ev);
    /* marks it wrote just before exiting are still in the FIFO */
    if (r->marks)
        markfifo_read(r->marks, wall_now(r), r->wall_offset_us, on_mark, r);
    r->abort_pid = -1;
    snprintf(text, sizeof text, "on-abort command %s %d", how, status);
    if (logw_text(r->log, "mark", wall_now(r), text) < 0)
        log_failed(r);
    if (status != 0) {
        r->abort_failed = true;
        say(r, "the --on-abort command %s with status %d", how, status);
        snprintf(text, sizeof text, "the --on-abort command %s with status %d", how, status);
        if (logw_text(r->log, "warn", wall_now(r), text) < 0)
            log_failed(r);
    }
    if (r->child_pid <= 0) /* none, not started (an abort in --lead), or ended */
        start_tail(r);
}

static void on_child_exit(struct run *r)
{
    char how[64];
    int status;
    if (r->child_pid <= 0 || !child_reap(r->child_pid, &status, how, sizeof how))
        return;
    /* markers written just before exiting are still in the FIFO */
    markfifo_read(r->marks, wall_now(r), r->wall_offset_us, on_mark, r);
    r->child_pid = -1;
    r->child_status = status;
    snprintf(r->cmd_how, sizeof r->cmd_how, "%s", how);
    show_status(r, false);
    struct log_cmd_exit c = {.status = status, .how = how};
    if (logw_cmd_exit(r->log, wall_now(r), &c) < 0)
        log_failed(r);
    /* after an abort the tail starts when the rollback, too, has ended */
    if (r->abort_pid <= 0)
        start_tail(r);
    else
        maybe_finish(r);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct run *r = arg;
    (void)what;
    if (sig == SIGCHLD) {
        on_abort_command_exit(r);
        on_child_exit(r);
        return;
    }
    r->signals++;
    if (r->signals == 1) {
        /* stop scheduling; in-flight requests finish; the command is told */
        r->end_reason = "signal";
        r->mono_stop_us = clock_mono_us();
        if (r->child_pid > 0)
            child_signal(r->child_pid, (int)sig);
        ptimer_fire_now(r->tick);
        return;
    }
    if (r->signals == 2) {
        /* a second signal: stop now, keeping what is logged; the requests
         * in flight are abandoned (the report counts their ticks missing),
         * and the command is stopped and waited for, never left running */
        r->stop_signal = (int)sig;
        r->end_reason = "signal";
        int64_t now = clock_mono_us();
        if (now < r->mono_stop_us) /* the schedule stopped at the first signal */
            r->mono_stop_us = now;
        int n = http_abandon_all(r->http);
        say(r, "stopping now%s",
            r->child_pid > 0 ? ": stopping the command (SIGTERM, SIGKILL in 5s)" : "");
        if (n > 0) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "%d requests in flight at a second signal, abandoned: their ticks are missing",
                     n);
            if (logw_text(r->log, "warn", wall_now(r), msg) < 0)
                log_failed(r);
        }
        if (!r->scheduling_done && r->db)
            db_stop(r->db);
        r->scheduling_done = 1;
        if (r->child_pid > 0) {
            child_signal(r->child_pid, SIGTERM);
            evtimer_arm_us(r->kill_ev, COMMAND_GRACE_US);
        }
        maybe_finish(r);
        return;
    }
    /* a third: no more grace */
    if (r->child_pid > 0)
        child_signal(r->child_pid, SIGKILL);
}

static void on_command_grace(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    (void)fd;
    (void)what;
    if (r->child_pid > 0) {
        say(r, "the command outlived SIGTERM by 5s: SIGKILL");
        child_signal(r->child_pid, SIGKILL);
    }
}

/* The --on-abort command outlived --on-abort-timeout: SIGTERM, and SIGKILL
 * COMMAND_GRACE_US later. A rollback that hangs must not hang pbprobe. */
static void on_abort_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    char msg[160];
    (void)fd;
    (void)what;
    if (r->abort_pid <= 0)
        return;
    r->abort_failed = true;
    if (r->abort_stops++ == 0) {
        snprintf(msg, sizeof msg,
                 "the --on-abort command did not end within %.7gs (--on-abort-timeout): "
                 "SIGTERM, SIGKILL in 5s",
                 (double)r->cfg->on_abort_timeout_us / 1e6);
        say(r, "%s", msg);
        if (logw_text(r->log, "warn", wall_now(r), msg) < 0)
            log_failed(r);
        child_signal(r->abort_pid, SIGTERM);
        evtimer_arm_us(r->abort_kill_ev, COMMAND_GRACE_US);
    } else {
        child_signal(r->abort_pid, SIGKILL);
    }
}

/* A rule of the live gate broke: say so in the log, start the rollback,
 * stop the upgrade, and probe on through both. */
static void abort_run(struct run *r, const struct guard_breach *b)
{
    const char *target = r->cfg->targets[b->target].name;
    const char *rule = guard_rule_name(b->rule);
    char value[32], limit[32], err[512];
    r->aborted = true;
    struct log_abort a = {.target = target, .rule = rule, .value = b->value, .limit = b->limit};
    if (logw_abort(r->log, wall_now(r), &a) < 0 || logw_flush(r->log) < 0)
        log_failed(r);
    if (guard_rule_is_duration(b->rule)) {
        /* enough digits to tell the value from the limit it passed */
        snprintf(value, sizeof value, "%.7gs", (double)b->value / 1e6);
        snprintf(limit, sizeof limit, "%.7gs", (double)b->limit / 1e6);
    } else {
        snprintf(value, sizeof value, "%" PRId64, b->value);
        snprintf(limit, sizeof limit, "%" PRId64, b->limit);
    }
    say(r, "aborting: %s: %s %s, above %s (--abort-on)%s%s", target, rule, value, limit,
        r->cfg->on_abort ? "; running --on-abort" : "",
        r->child_pid > 0 ? "; stopping the command (SIGTERM, SIGKILL in 5s)" : "");
    if (r->cfg->on_abort) {
        char *argv[] = {"/bin/sh", "-c", (char *)r->cfg->on_abort, NULL};
        /* standard output to standard error: a log on standard output stays
         * clean */
        pid_t pid =
            child_start(argv, r->marks ? markfifo_path(r->marks) : NULL, true, err, sizeof err);
        if (pid < 0) {
            r->abort_failed = true;
            say(r, "--on-abort: %s", err);
            if (logw_text(r->log, "warn", wall_now(r), err) < 0)
                log_failed(r);
        } else {
            r->abort_pid = pid;
            evtimer_arm_us(r->abort_kill_ev, r->cfg->on_abort_timeout_us);
            if (logw_text(r->log, "mark", wall_now(r), "on-abort command started") < 0)
                log_failed(r);
        }
    }
    if (r->child_pid > 0) {
        child_signal(r->child_pid, SIGTERM);
        evtimer_arm_us(r->kill_ev, COMMAND_GRACE_US);
    } else if (r->abort_pid <= 0) {
        start_tail(r); /* no command, or it has ended; nothing to wait for */
    } else if (!r->scheduling_done && r->end_reason == NULL) {
        /* the command ended (its tail started) or there is none: probe on
         * through the rollback, then its tail, within any --duration; not
         * after a signal or an error, which stopped the schedule. A target
         * whose next tick fell past the old stop was cut there: it resumes
         * at that tick. Once every target has stopped (scheduling_done) the
         * rollback is not observed, and a warning says so. */
        r->mono_stop_us = r->cfg->duration_us ? r->mono_start_us + r->cfg->duration_us : INT64_MAX;
        for (int i = 0; i < r->cfg->ntargets; i++)
            r->ts[i].limit = r->cfg->duration_us
                                 ? schedule_ticks_in(r->cfg->duration_us, r->cfg->targets[i].rate)
                                 : UINT64_MAX;
        ptimer_fire_now(r->tick);
    } else {
        const char *msg = "aborted after probing had stopped: the rollback is not observed";
        say(r, "%s", msg);
        if (logw_text(r->log, "warn", wall_now(r), msg) < 0)
            log_failed(r);
    }
}

static void judge(struct run *r, int target, const struct log_req *q)
{
    struct guard_breach b;
    if (r->guard && !r->aborted && guard_done(r->guard, target, q, &b) == 1)
        abort_run(r, &b);
}

static void raise_fd_limit(void)
{
    /* each request in flight may hold a socket: 1000 in flight needs more
     * than the usual soft limit of 1024 files once there are two targets */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int write_prologue(struct run *r)
{
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    char libs[512];
    about_libs(libs, sizeof libs);
    /* probers on several hosts are merged by wall time: the log says how
     * far this one's clock can be trusted */
    struct timex tx = {0};
    int synced = -1;
    int64_t maxerror = -1;
    int state = adjtimex(&tx);
    if (state >= 0) {
        synced = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
        maxerror = tx.maxerror;
    }
    struct log_header h = {
        .version = LOG_FORMAT_VERSION,
        .wall_start_us = wall_now(r),
        .host = host[0] ? host : NULL,
        .pid = (long)getpid(),
        .prober_version = PACKAGE_VERSION,
        .prober_revision = version_revision(),
        .prober_libs = libs,
        .cmd = r->cfg->cmdline_redacted,
        .max_lag_us = r->cfg->max_lag_us,
        .batch_window_us = r->cfg->batch_window_us,
        .ok_status = r->cfg->ok_status,
        .follow_redirects = r->cfg->follow_redirects,
        .clock_maxerror_us = maxerror,
        .clock_synced = synced,
    };
    if (logw_header(r->log, &h) < 0)
        return -1;
    for (int i = 0; i < r->cfg->ntargets; i++) {
        struct log_target t = {
            .name = r->cfg->targets[i].name,
            .url = r->cfg->targets[i].url_shown,
            .rate = r->cfg->targets[i].rate,
            .flags = r->cfg->targets[i].new_connection ? "new-connection" : "keepalive",
        };
        if (logw_target(r->log, wall_now(r), &t) < 0)
            return -1;
    }
    return logw_flush(r->log);
}

static int setup(struct run *r, char *err, size_t errlen)
{
    const struct probe_config *cfg = r->cfg;
    struct event_config *ec = event_config_new();
    if (ec == NULL)
        goto fail;
    /* no EVENT_BASE_FLAG_PRECISE_TIMER: it re-arms a timerfd on every turn
     * of the loop; the schedules have timerfds of their own (ptimer.h), and
     * the loop's coarse timers (4 ms) serve timeouts and housekeeping */
    r->base = event_base_new_with_config(ec);
    event_config_free(ec);
    /* two priorities: the watchdog (0) runs before any socket or timer (1)
     * that woke in the same turn, so a stall is known before the requests
     * that were in flight across it are logged */
    if (r->base == NULL || event_base_priority_init(r->base, 2) < 0)
        goto fail;

    r->ts = calloc((size_t)cfg->ntargets, sizeof *r->ts);
    if (r->ts == NULL)
        goto fail;
    for (int i = 0; i < cfg->ntargets; i++)
        if (hist_init(&r->ts[i].interval_latency, 2, 3600LL * 1000000) < 0 ||
            hist_init(&r->ts[i].run_latency, 2, 3600LL * 1000000) < 0)
            goto fail;

    r->wall_offset_us = clock_wall_offset_us();
    r->http = http_new(r->base, cfg, r->wall_offset_us, on_request_done, r, err, errlen);
    if (r->http == NULL)
        return -1;
    if (cfg->db_conninfo) {
        r->db = db_new(r->base, cfg, r->wall_offset_us, on_db_event, r, err, errlen);
        if (r->db == NULL)
            return -1;
    }
    if (cfg->guarded) {
        struct guard_target *gt = calloc((size_t)cfg->ntargets, sizeof *gt);
        if (gt == NULL)
            goto fail;
        for (int i = 0; i < cfg->ntargets; i++) {
            gt[i].rate = cfg->targets[i].rate;
            memcpy(gt[i].limit, cfg->targets[i].abort_limit, sizeof gt[i].limit);
        }
        r->guard = guard_new(gt, cfg->ntargets, cfg->ok, cfg->max_lag_us);
        free(gt);
        if (r->guard == NULL)
            goto fail;
    }
    if (cfg->on_abort && (r->abort_kill_ev = evtimer_new(r->base, on_abort_timeout, r)) == NULL)
        goto fail;
    r->tick = ptimer_new(r->base, on_tick, r);
    r->flush = ptimer_new(r->base, on_flush, r);
    r->drain_ev = evtimer_new(r->base, on_drain_deadline, r);
    int sigs[3] = {SIGINT, SIGTERM, SIGCHLD};
    for (int i = 0; i < 3; i++) {
        r->sig_ev[i] = evsignal_new(r->base, sigs[i], on_signal, r);
        if (r->sig_ev[i] == NULL || event_add(r->sig_ev[i], NULL) < 0)
            goto fail;
    }
    if (r->tick == NULL || r->flush == NULL || r->drain_ev == NULL ||
        ptimer_priority_set(r->flush, 0) < 0)
        goto fail;
    if (cfg->command) {
        r->marks = markfifo_open(err, errlen);
        if (r->marks == NULL)
            return -1;
        r->mark_ev =
            event_new(r->base, markfifo_fd(r->marks), EV_READ | EV_PERSIST, on_mark_readable, r);
        r->child_ev = evtimer_new(r->base, start_command, r);
        r->kill_ev = evtimer_new(r->base, on_command_grace, r);
        if (r->mark_ev == NULL || r->child_ev == NULL || r->kill_ev == NULL ||
            event_add(r->mark_ev, NULL) < 0)
            goto fail;
    }
    r->status_tty = isatty(STDERR_FILENO);
    /* no status line where the terminal cannot be opened again without
     * blocking: never one that could hold the schedule up */
    r->status_live = !cfg->quiet && r->status_tty && status_term_open(&r->term, STDERR_FILENO) == 0;
    r->status_flags = (r->status_tty ? STATUS_COLOR : 0) | (status_locale_utf8() ? STATUS_UTF8 : 0);
    if (r->status_live) {
        r->status_ev = event_new(r->base, -1, EV_PERSIST, on_status, r);
        r->term_ev = event_new(r->base, r->term.fd, EV_WRITE, on_term_writable, r);
        /* in the loop, not in a handler: a resize redraws at once */
        r->winch_ev = evsignal_new(r->base, SIGWINCH, on_winch, r);
        if (r->status_ev == NULL || r->term_ev == NULL || r->winch_ev == NULL ||
            event_add(r->winch_ev, NULL) < 0)
            goto fail;
    }
    return 0;
fail:
    snprintf(err, errlen, "cannot set up the event loop (out of memory?)");
    return -1;
}

static void teardown(struct run *r)
{
    if (r->http)
        http_free(r->http);
    db_free(r->db);
    guard_free(r->guard);
    ptimer_free(r->tick);
    ptimer_free(r->flush);
    struct event *evs[] = {r->status_ev, r->child_ev,      r->mark_ev,   r->drain_ev,
                           r->kill_ev,   r->abort_kill_ev, r->sig_ev[0], r->sig_ev[1],
                           r->sig_ev[2], r->term_ev,       r->winch_ev};
    for (size_t i = 0; i < sizeof evs / sizeof *evs; i++)
        if (evs[i])
            event_free(evs[i]);
    markfifo_close(r->marks);
    status_term_close(&r->term); /* after an early failure: never opened, or no region */
    if (r->ts) {
        for (int i = 0; i < r->cfg->ntargets; i++) {
            hist_free(&r->ts[i].interval_latency);
            hist_free(&r->ts[i].run_latency);
        }
        free(r->ts);
    }
    if (r->base)
        event_base_free(r->base);
}

int run_probe(const struct probe_config *cfg)
{
    struct run run = {
        .cfg = cfg, .mono_stop_us = INT64_MAX, .term = {.fd = -1}, .rate_head = RATE_SAMPLES - 1};
    struct run *r = &run;
    char err[512];
    int code;

    raise_fd_limit();
    signal(SIGPIPE, SIG_IGN);
    /* past a file size limit, write() must fail with EFBIG and be reported,
     * not kill the prober silently */
    signal(SIGXFSZ, SIG_IGN);
    r->log = logw_open(cfg->output, err, sizeof err);
    if (r->log == NULL) {
        fprintf(stderr, "pbprobe: %s\n", err);
        return EXIT_OUTPUT;
    }
    if (setup(r, err, sizeof err) < 0) {
        fprintf(stderr, "pbprobe: %s\n", err);
        teardown(r);
        logw_close(r->log, err, sizeof err);
        return EXIT_INTERNAL;
    }
    if (write_prologue(r) < 0) {
        fprintf(stderr, "pbprobe: %s\n", logw_error(r->log));
        teardown(r);
        logw_close(r->log, err, sizeof err);
        return EXIT_OUTPUT;
    }

    r->mono_start_us = r->mono_last_status_us = r->mono_last_watch_us = clock_mono_us();
    for (int i = 0; i < cfg->ntargets; i++) {
        struct target_state *t = &r->ts[i];
        t->mono_t0_us = r->mono_start_us;
        t->limit = cfg->duration_us ? schedule_ticks_in(cfg->duration_us, cfg->targets[i].rate)
                                    : UINT64_MAX;
    }
    if (cfg->duration_us)
        r->mono_stop_us = r->mono_start_us + cfg->duration_us;
    ptimer_arm_at(r->flush, r->mono_last_watch_us + FLUSH_INTERVAL_US);
    rate_push(r, r->mono_start_us);
    if (r->status_ev) {
        evtimer_arm_us(r->status_ev, STATUS_INTERVAL_US);
        /* the bottom row the status line's from here to the end of the loop,
         * which every way out of the run passes */
        term_wrote(r, status_term_resize(&r->term));
    }
    show_status(r, false);
    if (cfg->command)
        evtimer_arm_us(r->child_ev, cfg->lead_us);
    if (r->db)
        db_start(r->db, r->mono_start_us);
    ptimer_fire_now(r->tick);

    event_base_dispatch(r->base);

    /* the whole screen the shell's again; the summary a line of its own */
    if (r->term_ev)
        event_del(r->term_ev);
    status_term_close(&r->term);
    if (!cfg->quiet)
        show_status(r, true);
    teardown(r);
    if (logw_close(r->log, err, sizeof err) < 0 && !r->exit_code) {
        fprintf(stderr, "pbprobe: %s\n", err);
        r->exit_code = EXIT_OUTPUT;
    }
    code = r->exit_code;
    if (r->stop_signal && code == 0)
        code = 128 + r->stop_signal; /* stopped, not done: never 0 */
    else if (r->aborted && code == 0)
        code = r->abort_failed ? EXIT_ABORT_FAILED : EXIT_ABORTED;
    else if (cfg->command && r->child_pid == -1 && code == 0)
        code = r->child_status;
    else if (cfg->command && code && r->child_pid == -1 && code != EXIT_EXEC)
        fprintf(stderr, "pbprobe: the command exited with status %d\n", r->child_status);
    return code;
}
