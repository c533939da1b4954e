/* The wrapped COMMAND (the upgrade): started as a child in a process group
 * of its own, reaped on SIGCHLD. */
#ifndef PB_CHILD_H
#define PB_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Notes the descriptors pbprobe was started with, before it opens any: the
 * command inherits those, and no other that pbprobe or a library opened. */
void child_note_inherited(void);

/* Starts argv with PBPROBE_MARK=mark_path in its environment (when not
 * NULL); with stdout_to_stderr, its standard output is pbprobe's standard
 * error (a log on standard output stays clean); when pbprobe's standard
 * input is a terminal, the command's is /dev/null. Returns the pid, or -1 with
 * the reason (exec failure included: posix_spawnp reports it, nothing is
 * guessed from exit code 127). */
pid_t child_start(char *const *argv, const char *mark_path, bool stdout_to_stderr, char *err,
                  size_t errlen);

/* Sends sig to the command's process group (the command and what it
 * started). */
void child_signal(pid_t pid, int sig);

/* 1 when the child has ended (status as a shell shows it: the exit code, or
 * 128 + signal; how is "exited" or "killed:SIGTERM"), 0 when still running. */
int child_reap(pid_t pid, int *status, char *how, size_t howlen);

#endif
