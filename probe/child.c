/* Starting and reaping the wrapped command (child.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

pid_t child_start(char *const *argv, const char *mark_path, char *err, size_t errlen)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "%s: cannot start: %s", argv[0], strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "%s: cannot start: %s", argv[0], strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (pid == 0) {
        /* A process group of its own, so that pbprobe can stop the whole
         * upgrade (kubectl and all) and nothing of it outlives pbprobe. */
        setpgid(0, 0);
        /* The child gets default signal handling back: the prober's are not
         * the upgrade's business. */
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        signal(SIGXFSZ, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (mark_path)
            setenv("PBPROBE_MARK", mark_path, 1);
        execvp(argv[0], argv);
        int e = errno;
        ssize_t ignored = write(pfd[1], &e, sizeof e);
        (void)ignored;
        _exit(127);
    }
    setpgid(pid, pid); /* as the child does: whichever runs first */
    close(pfd[1]);
    int child_errno;
    ssize_t n;
    do
        n = read(pfd[0], &child_errno, sizeof child_errno);
    while (n < 0 && errno == EINTR);
    close(pfd[0]);
    if (n == (ssize_t)sizeof child_errno) {
        waitpid(pid, NULL, 0);
        snprintf(err, errlen, "%s: cannot run: %s", argv[0], strerror(child_errno));
        return -1;
    }
    return pid;
}

void child_signal(pid_t pid, int sig)
{
    if (kill(-pid, sig) < 0)
        kill(pid, sig); /* it left its group: the command itself at least */
}

int child_reap(pid_t pid, int *status, char *how, size_t howlen)
{
    int ws;
    pid_t r;
    do
        r = waitpid(pid, &ws, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r != pid)
        return 0;
    if (WIFSIGNALED(ws)) {
        *status = 128 + WTERMSIG(ws);
        const char *abbrev = sigabbrev_np(WTERMSIG(ws));
        snprintf(how, howlen, "killed:SIG%s", abbrev ? abbrev : "?");
    } else {
        *status = WEXITSTATUS(ws);
        snprintf(how, howlen, "exited");
    }
    return 1;
}
