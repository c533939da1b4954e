/* haproxy admin commands (hap.h). Blocking on purpose: haproxy answers a
 * "set server" in tens of microseconds on a local socket, the pool events
 * must be stamped around the exchange (ack_us), and an "addr" must be taken
 * before the "state ready" that follows it; a timeout bounds the wait. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "hap.h"

int hap_refused(const char *a)
{
    static const char *const prefixes[] = {"No such", "Unknown command",   "Require ",
                                           "Invalid", "Permission denied", "Missing"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(a, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return strstr(a, " expects ") != NULL || strstr(a, "not found") != NULL;
}

static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int hap_cmd(const char *sock_path, const char *cmd, int64_t timeout_us, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct timeval tv = {.tv_sec = timeout_us / 1000000, .tv_usec = timeout_us % 1000000};
    char answer[1024];
    size_t got = 0;
    ssize_t n = 0;
    int fd;

    if (strlen(sock_path) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "haproxy socket path too long: %s", sock_path);
        return -1;
    }
    strcpy(sa.sun_path, sock_path);
    /* connect is retried after a signal with a new socket: an interrupted
     * one may be left half-connected */
    for (int tries = 0;; tries++) {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 &&
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0 &&
            connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            break;
        int e = errno;
        if (fd >= 0)
            close(fd);
        if (e != EINTR || tries == 3) {
            snprintf(err, errlen, "cannot talk to %s: %s", sock_path, strerror(e));
            return -1;
        }
    }
    /* a socket with a timeout is not restarted after a signal (signal(7)):
     * SIGCHLD, which the loop handles, must not fail a command */
    char line[512];
    int len = snprintf(line, sizeof line, "%s\n", cmd);
    if (len < 0 || (size_t)len >= sizeof line) {
        snprintf(err, errlen, "haproxy command too long: %s", cmd);
        close(fd);
        return -1;
    }
    if (send_all(fd, line, (size_t)len) < 0) {
        snprintf(err, errlen, "cannot send to %s: %s", sock_path, strerror(errno));
        close(fd);
        return -1;
    }
    while (got < sizeof answer - 1) {
        n = recv(fd, answer + got, sizeof answer - 1 - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    /* haproxy answers and closes: anything else (a timeout, even after part
     * of an answer) is no answer */
    if (n < 0) {
        snprintf(err, errlen, "no answer from %s: %s", sock_path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    answer[got] = '\0';
    if (hap_refused(answer)) {
        answer[strcspn(answer, "\n")] = '\0';
        snprintf(err, errlen, "haproxy refused \"%s\": %s", cmd, answer);
        return -1;
    }
    return 0;
}
