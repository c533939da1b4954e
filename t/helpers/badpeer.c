/* badpeer: real misbehaving TCP peers on loopback, so the prober's error
 * classes (timeout, reset, protocol, empty reply) are proven against a real
 * kernel socket, never a mock. One mode per run, many connections, one
 * single-threaded poll loop; it exits by itself after --max-seconds.
 *
 *   badpeer [--max-seconds N] MODE PORT
 *
 * MODE   silent     accepts, reads and discards, never answers
 *        reset      reads the request, sends a status line and half of the
 *                   announced body, then resets the connection (SO_LINGER 0)
 *        malformed  reads the request, answers "HTTX/9 OK" and closes
 *        close      reads the request and closes without a byte of answer
 * PORT   127.0.0.1 port to listen on; 0 lets the kernel choose.
 *
 * Prints "ready" (and the port when PORT was 0) on stdout once listening. */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

enum mode { MODE_SILENT, MODE_RESET, MODE_MALFORMED, MODE_CLOSE };

#define MAX_CONNS 4096
/* The reset comes a little after the half body, so a client has read the
 * status line and some body before it: a reset mid-transfer, as a killed
 * server process produces it. */
#define RESET_DELAY_MS 50

struct conn {
    int fd;
    char tail[4]; /* last bytes read: finds "\r\n\r\n" across reads */
    int answered; /* response sent (reset mode: waiting to reset) */
    int64_t reset_at_ms;
};

static const char reset_head[] = "HTTP/1.1 200 OK\r\n"
                                 "Content-Type: text/plain\r\n"
                                 "Content-Length: 1000\r\n"
                                 "\r\n";
static const char malformed_reply[] = "HTTX/9 OK\r\n\r\n";

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *to)
{
    fprintf(to, "usage: badpeer [--max-seconds N] silent|reset|malformed|close PORT\n"
                "  --max-seconds N  exit after N seconds (default 120)\n");
}

static int parse_mode(const char *s, enum mode *m)
{
    static const char *const names[] = {"silent", "reset", "malformed", "close"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *m = (enum mode)i;
            return 0;
        }
    }
    return -1;
}

static int listen_on(int port, int *bound_port)
{
    struct sockaddr_in sa;
    socklen_t salen = sizeof sa;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* tests never leave loopback */
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 512) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &salen) < 0) {
        close(fd);
        return -1;
    }
    *bound_port = ntohs(sa.sin_port);
    return fd;
}

/* Sends all of buf on a socket that is almost surely writable (a fresh
 * loopback connection): a short write only loses part of a bad answer. */
static void send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

static void abort_conn(struct conn *c)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0}; /* close sends RST, not FIN */
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(c->fd);
    c->fd = -1;
}

/* Looks for the end of the request head in newly read bytes. */
static int saw_request_end(struct conn *c, const char *buf, size_t n)
{
    char window[4 + 4096];
    size_t keep = sizeof c->tail;
    memcpy(window, c->tail, keep);
    memcpy(window + keep, buf, n);
    size_t total = keep + n;
    int found = memmem(window, total, "\r\n\r\n", 4) != NULL;
    memcpy(c->tail, window + total - keep, keep);
    return found;
}

/* Reads what the client sent; answers per mode once the request is whole.
 * Returns 0 to keep the connection, -1 when it is finished. */
static int on_readable(struct conn *c, enum mode mode)
{
    char buf[4096];
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0)
        return -1; /* client gone */
    if (mode == MODE_SILENT || c->answered)
        return 0; /* swallow everything, answer nothing */
    if (!saw_request_end(c, buf, (size_t)n))
        return 0;
    switch (mode) {
    case MODE_RESET: {
        char body[500];
        memset(body, 'x', sizeof body);
        send_all(c->fd, reset_head, sizeof reset_head - 1);
        send_all(c->fd, body, sizeof body); /* 500 of the 1000 bytes announced */
        c->answered = 1;
        c->reset_at_ms = now_ms() + RESET_DELAY_MS;
        return 0;
    }
    case MODE_MALFORMED:
        send_all(c->fd, malformed_reply, sizeof malformed_reply - 1);
        return -1;
    case MODE_CLOSE:
    case MODE_SILENT:
        return -1;
    }
    return -1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"max-seconds", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long max_seconds = 120;
    int c;
    while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'm':
            max_seconds = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || max_seconds <= 0) {
                fprintf(stderr, "badpeer: bad --max-seconds \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    enum mode mode;
    if (argc - optind != 2 || parse_mode(argv[optind], &mode) < 0) {
        usage(stderr);
        return 2;
    }
    char *end;
    long port = strtol(argv[optind + 1], &end, 10);
    if (*argv[optind + 1] == '\0' || *end != '\0' || port < 0 || port > 65535) {
        fprintf(stderr, "badpeer: bad port \"%s\"\n", argv[optind + 1]);
        return 2;
    }

    signal(SIGPIPE, SIG_IGN);
    int bound_port;
    int lfd = listen_on((int)port, &bound_port);
    if (lfd < 0) {
        fprintf(stderr, "badpeer: cannot listen on 127.0.0.1:%ld: %s\n", port, strerror(errno));
        return 1;
    }
    if (port == 0)
        printf("ready %d\n", bound_port);
    else
        printf("ready\n");
    fflush(stdout);

    static struct conn conns[MAX_CONNS];
    static struct pollfd pfds[MAX_CONNS + 1];
    int nconns = 0;
    const int64_t deadline_ms = now_ms() + max_seconds * 1000;
    for (;;) {
        int64_t now = now_ms();
        if (now >= deadline_ms)
            break;
        int64_t wait_ms = deadline_ms - now;
        for (int i = 0; i < nconns; i++) {
            if (conns[i].answered && conns[i].reset_at_ms - now < wait_ms)
                wait_ms = conns[i].reset_at_ms - now;
        }
        if (wait_ms < 0)
            wait_ms = 0;
        pfds[0].fd = nconns < MAX_CONNS ? lfd : -1; /* full: let the backlog hold them */
        pfds[0].events = POLLIN;
        for (int i = 0; i < nconns; i++) {
            pfds[i + 1].fd = conns[i].fd;
            pfds[i + 1].events = POLLIN;
        }
        int n = poll(pfds, (nfds_t)nconns + 1, (int)wait_ms);
        if (n < 0 && errno != EINTR) {
            perror("badpeer: poll");
            return 1;
        }
        now = now_ms();
        for (int i = 0; n > 0 && i < nconns; i++) {
            struct conn *k = &conns[i];
            if (pfds[i + 1].revents && on_readable(k, mode) < 0) {
                close(k->fd);
                k->fd = -1;
            }
        }
        for (int i = 0; i < nconns; i++) {
            if (conns[i].fd >= 0 && conns[i].answered && conns[i].reset_at_ms <= now)
                abort_conn(&conns[i]);
        }
        /* compact: closed connections leave the array */
        int j = 0;
        for (int i = 0; i < nconns; i++) {
            if (conns[i].fd >= 0)
                conns[j++] = conns[i];
        }
        nconns = j;
        if (n > 0 && (pfds[0].revents & POLLIN)) {
            while (nconns < MAX_CONNS) {
                int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0)
                    break; /* EAGAIN, or a client that gave up: try again later */
                memset(&conns[nconns], 0, sizeof conns[nconns]);
                conns[nconns++].fd = fd;
            }
        }
    }
    return 0;
}
