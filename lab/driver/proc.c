/* Processes (proc.h): fork and exec, nothing else in the child, so that the
 * loop's descriptors and handlers never leak into an instance. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

/* Signals are blocked across fork: between fork and exec the child still
 * has libevent's handlers, which would write a signal meant for the child
 * into the socketpair it shares with the driver. */
static pid_t fork_quiet(void)
{
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    pid_t pid = fork();
    if (pid != 0)
        sigprocmask(SIG_SETMASK, &old, NULL);
    return pid;
}

/* In the child, before exec: the defaults back (exec resets handlers but
 * keeps ignored signals, and the driver ignores SIGPIPE), signals unblocked,
 * and no descriptor of the driver's left open (libevent's probe sockets are
 * not close-on-exec: an instance would hold a probe's connection open). */
static void child_setup(void)
{
    sigset_t none;
    signal(SIGPIPE, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    close_range(3, ~0U, 0);
}

/* fork_quiet(), then the child set up for exec (child_setup()); returns the
 * child's pid, 0 in the child, or -1 with err filled. */
static pid_t fork_child(char *err, size_t errlen)
{
    pid_t pid = fork_quiet();
    if (pid < 0)
        snprintf(err, errlen, "fork: %s", strerror(errno));
    else if (pid == 0)
        child_setup();
    return pid;
}

static int redirect(int fd, const char *path, int flags)
{
    int f = open(path, flags, 0644);
    if (f < 0)
        return -1;
    if (f != fd) {
        if (dup2(f, fd) < 0)
            return -1;
        close(f);
    }
    return 0;
}

pid_t proc_spawn_standin(const struct proc_standin *s, char *err, size_t errlen)
{
    pid_t pid = fork_child(err, errlen);
    if (pid == 0) {
        /* its own session: a Ctrl-C at the terminal does not reach it, and
         * it outlives the driver that started it, as a pod does */
        setsid();
        if (redirect(0, "/dev/null", O_RDONLY) < 0 ||
            redirect(1, s->out_path, O_WRONLY | O_CREAT | O_TRUNC) < 0 ||
            redirect(2, s->err_path, O_WRONLY | O_CREAT | O_TRUNC) < 0)
            _exit(127);
        execl(s->exe, s->exe, "--app-version", s->version, "--listen", s->listen, "--db", s->db,
              "--startup-delay", s->startup_delay, "--drain-timeout", s->drain_timeout,
              "--on-sigterm", s->on_sigterm, "--access-log", s->access_log, (char *)NULL);
        fprintf(stderr, "rollout: cannot run %s: %s\n", s->exe, strerror(errno));
        _exit(127);
    }
    return pid;
}

pid_t proc_spawn_mark(const char *exe, const char *text, char *err, size_t errlen)
{
    pid_t pid = fork_child(err, errlen);
    if (pid == 0) {
        execl(exe, exe, "mark", text, (char *)NULL);
        _exit(127);
    }
    return pid;
}

int proc_is_standin(pid_t pid)
{
    char path[64], buf[512];
    if (pid <= 0 || kill(pid, 0) < 0)
        return 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* "pid (comm) S ...": comm may hold anything, so the state follows the
     * last ')'. The name tells an instance from a process that got its pid
     * after it died (the pid comes from instances.tsv, maybe long after). */
    char *paren = strrchr(buf, ')');
    if (paren == NULL || paren[1] != ' ' || paren[2] == 'Z' || paren[2] == '\0')
        return 0;
    *paren = '\0';
    char *comm = strchr(buf, '(');
    return comm != NULL && strcmp(comm + 1, PROC_STANDIN_COMM) == 0;
}

int proc_read_ready(const char *out_path, int *port)
{
    char line[64];
    FILE *f = fopen(out_path, "r");
    int ok = 0;
    if (f == NULL)
        return 0;
    if (fgets(line, sizeof line, f) != NULL && strchr(line, '\n') != NULL) {
        char *end;
        if (strncmp(line, "ready ", 6) == 0) {
            long p = strtol(line + 6, &end, 10);
            if (end != line + 6 && *end == '\n' && p > 0 && p <= 65535) {
                *port = (int)p;
                ok = 1;
            }
        }
    }
    fclose(f);
    return ok;
}

int proc_status_code(int wstatus)
{
    if (WIFEXITED(wstatus))
        return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus))
        return 128 + WTERMSIG(wstatus);
    return -1;
}
