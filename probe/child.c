/* Starting and reaping the wrapped command (child.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

extern char **environ;

/* The descriptors above 2 that pbprobe was started with: the command gets
 * them as a shell would give them (make's jobserver pipe, a descriptor
 * passed on purpose). Up to INHERITED_MAX are remembered; none are when
 * /proc/self/fd cannot be read, and then nothing is changed at the spawn. */
#define INHERITED_MAX 64
static int inherited[INHERITED_MAX];
static int ninherited = -1;     /* -1: not known */
static bool inherited_overflow; /* more than INHERITED_MAX: not all are known */

/* Calls fn for each descriptor above 2 open now, but the directory's own. */
static int each_open_fd(void (*fn)(int fd))
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end == '\0' && end != e->d_name && fd > 2 && fd != dirfd(d))
            fn((int)fd);
    }
    closedir(d);
    return 0;
}

static void remember(int fd)
{
    if (ninherited < INHERITED_MAX)
        inherited[ninherited++] = fd;
    else
        inherited_overflow = true;
}

void child_note_inherited(void)
{
    ninherited = 0;
    if (each_open_fd(remember) < 0)
        ninherited = -1;
}

/* A descriptor the prober or a library opened without close-on-exec (libcurl's
 * wakeup socket pair, a resolver's) is made close-on-exec: the command must
 * not hold the prober's sockets open (a server would see them outlive the
 * prober) nor write into them. */
static void close_on_exec_unless_inherited(int fd)
{
    for (int i = 0; i < ninherited; i++)
        if (inherited[i] == fd)
            return;
    if (inherited_overflow)
        return; /* it may be one of those not remembered */
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC))
        fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

/* environ with PBPROBE_MARK=mark_path in place of any inherited one; the
 * strings are environ's own but for the mark's. */
static char **env_with_mark(const char *mark_path, char **mark_entry)
{
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    char **env = calloc(n + 2, sizeof *env);
    size_t len = strlen("PBPROBE_MARK=") + strlen(mark_path) + 1;
    *mark_entry = malloc(len);
    if (env == NULL || *mark_entry == NULL) {
        free(env);
        free(*mark_entry);
        return NULL;
    }
    snprintf(*mark_entry, len, "PBPROBE_MARK=%s", mark_path);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "PBPROBE_MARK=", strlen("PBPROBE_MARK=")) != 0)
            env[k++] = environ[i];
    env[k++] = *mark_entry;
    env[k] = NULL;
    return env;
}

pid_t child_start(char *const *argv, const char *mark_path, bool stdout_to_stderr, char *err,
                  size_t errlen)
{
    /* posix_spawn, not fork: glibc's shares the prober's memory with the
     * child until it execs, where a fork copies every page table and makes
     * the prober's next writes fault page by page. A prober with a large
     * heap (many targets, a sanitizer's quarantine) was late by 25-80 ms
     * after a fork, its loop blocked. */
    posix_spawnattr_t attr;
    int rc = posix_spawnattr_init(&attr);
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot start: %s", argv[0], strerror(rc));
        return -1;
    }
    /* A process group of its own, so that pbprobe can stop the whole
     * upgrade (kubectl and all) and nothing of it outlives pbprobe. The
     * child gets default signal handling and no blocked signal: the
     * prober's are not the upgrade's business (signals it catches are reset
     * by exec anyway; those it ignores would not be). */
    sigset_t defaults, none;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGCHLD);
    sigaddset(&defaults, SIGXFSZ);
    sigemptyset(&none);
    if ((rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                                  POSIX_SPAWN_SETSIGMASK)) != 0 ||
        (rc = posix_spawnattr_setpgroup(&attr, 0)) != 0 ||
        (rc = posix_spawnattr_setsigdefault(&attr, &defaults)) != 0 ||
        (rc = posix_spawnattr_setsigmask(&attr, &none)) != 0) {
        posix_spawnattr_destroy(&attr);
        snprintf(err, errlen, "%s: cannot start: %s", argv[0], strerror(rc));
        return -1;
    }
    char *mark_entry = NULL;
    char **env = environ;
    if (mark_path != NULL && (env = env_with_mark(mark_path, &mark_entry)) == NULL) {
        posix_spawnattr_destroy(&attr);
        snprintf(err, errlen, "%s: cannot start: %s", argv[0], strerror(ENOMEM));
        return -1;
    }
    pid_t pid;
    posix_spawn_file_actions_t fa;
    /* In a group of its own the command is in the terminal's background: a
     * read from the terminal would stop it (SIGTTIN) and pbprobe would wait
     * for it forever. It reads /dev/null instead (a prompt gets no answer);
     * answers come through a pipe (yes | pbprobe ... -- upgrade). */
    bool null_stdin = isatty(STDIN_FILENO);
    bool actions = stdout_to_stderr || null_stdin;
    if (actions && (rc = posix_spawn_file_actions_init(&fa)) == 0 &&
        ((stdout_to_stderr &&
          (rc = posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO)) != 0) ||
         (null_stdin && (rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
                                                               O_RDONLY, 0)) != 0)))
        posix_spawn_file_actions_destroy(&fa);
    if (actions && rc != 0) {
        posix_spawnattr_destroy(&attr);
        if (env != environ)
            free(env);
        free(mark_entry);
        snprintf(err, errlen, "%s: cannot start: %s", argv[0], strerror(rc));
        return -1;
    }
    if (ninherited >= 0)
        each_open_fd(close_on_exec_unless_inherited);
    /* glibc reports a failed exec here (ENOENT, EACCES...): no guessing
     * from exit status 127 */
    rc = posix_spawnp(&pid, argv[0], actions ? &fa : NULL, &attr, argv, env);
    if (actions)
        posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (env != environ)
        free(env);
    free(mark_entry);
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot run: %s", argv[0], strerror(rc));
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
