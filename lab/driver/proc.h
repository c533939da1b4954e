/* The processes the driver starts and watches: app instances (lab/pybossa-
 * standin, each in its own session, outliving the driver as a pod does) and
 * pbprobe marks. Nothing here waits: the caller reaps on SIGCHLD. */
#ifndef PB_PROC_H
#define PB_PROC_H

#include <stddef.h>
#include <sys/types.h>

/* What the driver passes the app, and where its output goes. */
struct proc_standin {
    const char *exe;
    const char *version;
    const char *listen; /* HOST:PORT, port 0 for any */
    const char *db;
    const char *startup_delay;
    const char *drain_timeout;
    const char *on_sigterm;
    const char *out_path, *err_path, *access_log;
};

/* Starts an instance; returns its pid, or -1 with err filled. */
pid_t proc_spawn_standin(const struct proc_standin *s, char *err, size_t errlen);

/* Starts `exe mark TEXT`; returns its pid, or -1 with err filled. */
pid_t proc_spawn_mark(const char *exe, const char *text, char *err, size_t errlen);

/* The kernel's name of the app's processes (15 characters at most). */
#define PROC_STANDIN_COMM "pybossa-standin"

/* Whether pid runs (a zombie does not) and is an instance of the app, for
 * processes that are not our children: an instance started by an earlier
 * driver, whose pid another process may have taken since. */
int proc_is_standin(pid_t pid);

/* The port of an instance's "ready PORT" line in its stdout file: 1 when
 * found (port set), 0 not yet. */
int proc_read_ready(const char *out_path, int *port);

/* A wait status as a shell reports it: the exit code, or 128 + the signal. */
int proc_status_code(int wstatus);

#endif
