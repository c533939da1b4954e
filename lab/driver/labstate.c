/* The lab's shared state files (labstate.h), in the formats lab/services.sh
 * and lab/platform-lab.sh read and write, so that either driver can follow
 * the other. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "labstate.h"

int labstate_unquote(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    const char *p = in;
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (n + 1 >= outlen)                                                                       \
            return -1;                                                                             \
        out[n++] = (ch);                                                                           \
    } while (0)
    while (*p) {
        if (*p == '\\') {
            if (p[1] == '\0')
                return -1;
            PUT(p[1]);
            p += 2;
        } else if (*p == '\'') {
            for (p++; *p && *p != '\''; p++)
                PUT(*p);
            if (*p++ != '\'')
                return -1;
        } else if (*p == '$' && p[1] == '\'') {
            /* printf %q's form for control characters */
            for (p += 2; *p && *p != '\''; p++) {
                if (*p != '\\') {
                    PUT(*p);
                    continue;
                }
                p++;
                switch (*p) {
                case 'n':
                    PUT('\n');
                    break;
                case 't':
                    PUT('\t');
                    break;
                case 'r':
                    PUT('\r');
                    break;
                case 'e':
                case 'E':
                    PUT('\033');
                    break;
                case 'a':
                    PUT('\a');
                    break;
                case 'b':
                    PUT('\b');
                    break;
                case 'f':
                    PUT('\f');
                    break;
                case 'v':
                    PUT('\v');
                    break;
                case '\\':
                case '\'':
                case '"':
                case '?':
                    PUT(*p);
                    break;
                case '0':
                case '1':
                case '2':
                case '3':
                case '4':
                case '5':
                case '6':
                case '7': {
                    /* bash writes bytes outside ASCII as \NNN under LC_ALL=C,
                     * as in a path with an accent */
                    int v = 0, k;
                    for (k = 0; k < 3 && *p >= '0' && *p <= '7'; k++, p++)
                        v = v * 8 + (*p - '0');
                    p--;
                    PUT((char)v);
                    break;
                }
                case 'x': {
                    int v = 0, k;
                    for (k = 0, p++; k < 2 && isxdigit((unsigned char)*p); k++, p++)
                        v = v * 16 + (isdigit((unsigned char)*p)
                                          ? *p - '0'
                                          : (tolower((unsigned char)*p) - 'a' + 10));
                    if (k == 0)
                        return -1;
                    p--;
                    PUT((char)v);
                    break;
                }
                default:
                    return -1;
                }
            }
            if (*p++ != '\'')
                return -1;
        } else if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$' || p[1] == '`'))
                    p++;
                PUT(*p);
            }
            if (*p++ != '"')
                return -1;
        } else {
            PUT(*p++);
        }
    }
#undef PUT
    out[n] = '\0';
    return 0;
}

int labstate_load_env(const char *path, struct labenv *env, char *err, size_t errlen)
{
    struct {
        const char *key;
        char *dst;
        size_t len;
    } keys[] = {
        {"LAB_HAPROXY_DIR", env->haproxy_dir, sizeof env->haproxy_dir},
        {"LAB_DB", env->db, sizeof env->db},
        {"LAB_REGISTRY", env->registry, sizeof env->registry},
        {"LAB_STANDIN", env->standin, sizeof env->standin},
        {"LAB_PBPROBE", env->pbprobe, sizeof env->pbprobe},
    };
    size_t nkeys = sizeof keys / sizeof keys[0];
    char line[2048];
    int lineno = 0;
    FILE *f = fopen(path, "r");
    memset(env, 0, sizeof *env);
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        char *eq = strchr(line, '=');
        if (line[0] == '#' || line[0] == '\0' || eq == NULL)
            continue;
        *eq = '\0';
        for (size_t i = 0; i < nkeys; i++) {
            if (strcmp(line, keys[i].key) != 0)
                continue;
            if (labstate_unquote(eq + 1, keys[i].dst, keys[i].len) < 0) {
                snprintf(err, errlen, "%s:%d: cannot read the value of %s", path, lineno,
                         keys[i].key);
                fclose(f);
                return -1;
            }
        }
    }
    fclose(f);
    for (size_t i = 0; i < nkeys; i++) {
        if (keys[i].dst[0] == '\0') {
            snprintf(err, errlen, "%s: %s missing", path, keys[i].key);
            return -1;
        }
    }
    return 0;
}

/* Writes text to path through a temporary file and a rename, so that a
 * reader never sees half of it. */
static int replace_file(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) < 0 || rename(tmp, path) < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        if (fd >= 0)
            unlink(tmp);
        return -1;
    }
    return 0;
}

/* Reads a small file whole (NUL-terminated, *out malloc'd); a missing file
 * is empty. */
static int read_small(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        if (f)
            fclose(f);
        return -1;
    }
    if (f == NULL && errno != ENOENT) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(buf);
        return -1;
    }
    if (f != NULL) {
        size_t got;
        while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
            n += got;
            if (n + 1 == cap) {
                char *bigger = realloc(buf, cap * 2);
                if (bigger == NULL) {
                    snprintf(err, errlen, "out of memory");
                    free(buf);
                    fclose(f);
                    return -1;
                }
                buf = bigger;
                cap *= 2;
            }
        }
        fclose(f);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* Copies the lines of text that drop() does not claim into kept (room for
 * text and one newline), each ending in a newline; returns kept's length.
 * The one walk over a state file's lines, for the ids and the registry. */
static size_t keep_lines(const char *text, char *kept,
                         int (*drop)(const char *line, size_t n, void *arg), void *arg)
{
    size_t klen = 0;
    for (const char *line = text, *next; *line; line = next) {
        next = strchr(line, '\n');
        next = next ? next + 1 : line + strlen(line);
        if (drop(line, (size_t)(next - line), arg))
            continue;
        memcpy(kept + klen, line, (size_t)(next - line));
        klen += (size_t)(next - line);
        if (kept[klen - 1] != '\n')
            kept[klen++] = '\n';
    }
    return klen;
}

struct ids_drop {
    const char *version;
    int last;
};

/* "VERSION N": ours is taken out (and its N kept), to be written anew */
static int drop_version(const char *line, size_t n, void *arg)
{
    struct ids_drop *a = arg;
    size_t vlen = strlen(a->version);
    if (n <= vlen || strncmp(line, a->version, vlen) != 0 || line[vlen] != ' ')
        return 0;
    a->last = atoi(line + vlen + 1);
    return 1;
}

struct pid_drop {
    char want[32];
    size_t wlen;
};

static int drop_pid(const char *line, size_t n, void *arg)
{
    struct pid_drop *a = arg;
    return n == a->wlen && memcmp(line, a->want, n) == 0;
}

int labstate_next_id(const char *ids_path, const char *version, int *out_n, char *err,
                     size_t errlen)
{
    char *text, *kept;
    size_t len, klen = 0;
    int last = 0;
    if (read_small(ids_path, &text, &len, err, errlen) < 0)
        return -1;
    kept = malloc(len + 64);
    if (kept == NULL) {
        free(text);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct ids_drop ours = {.version = version, .last = 0};
    klen = keep_lines(text, kept, drop_version, &ours);
    last = ours.last;
    *out_n = last + 1;
    klen += (size_t)snprintf(kept + klen, 64, "%s %d\n", version, *out_n);
    int rc = replace_file(ids_path, kept, klen, err, errlen);
    free(text);
    free(kept);
    return rc;
}

static int registry_add(const char *registry, const char *kind, long what, char *err, size_t errlen)
{
    char line[64];
    int n = snprintf(line, sizeof line, "%s\t%ld\n", kind, what);
    int fd = open(registry, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, (size_t)n) != n) {
        snprintf(err, errlen, "%s: %s", registry, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

int labstate_track_pid(const char *registry, pid_t pid, char *err, size_t errlen)
{
    return registry_add(registry, "pid", (long)pid, err, errlen);
}

int labstate_untrack_pid(const char *registry, pid_t pid, char *err, size_t errlen)
{
    char *text;
    size_t len, klen = 0;
    if (access(registry, F_OK) < 0)
        return 0;
    if (read_small(registry, &text, &len, err, errlen) < 0)
        return -1;
    struct pid_drop ours;
    ours.wlen = (size_t)snprintf(ours.want, sizeof ours.want, "pid\t%ld\n", (long)pid);
    char *kept = malloc(len + 2);
    if (kept == NULL) {
        free(text);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    klen = keep_lines(text, kept, drop_pid, &ours);
    int rc = replace_file(registry, kept, klen, err, errlen);
    free(text);
    free(kept);
    return rc;
}

/* Whether a TCP socket uses the port: binding it without SO_REUSEADDR fails
 * when a listener or a connection holds it. */
static int port_used(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int used;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return 1;
    used = bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0;
    close(fd);
    return used;
}

/* As lab/services.sh's _svc_port_reserve: a file holding the owner's pid,
 * hard-linked into place so that one of two racers wins; a file whose owner
 * is gone is stale. */
static int port_reserve(const char *dir, int port)
{
    char f[600], tmp[700], owner[32] = "";
    snprintf(f, sizeof f, "%s/%d", dir, port);
    FILE *in = fopen(f, "r");
    if (in != NULL) {
        int ok = fgets(owner, sizeof owner, in) != NULL;
        fclose(in);
        long pid = ok ? atol(owner) : 0;
        if (pid > 0 && kill((pid_t)pid, 0) == 0)
            return -1;
        unlink(f);
    }
    snprintf(tmp, sizeof tmp, "%s/.new.%ld.%d", dir, (long)getpid(), port);
    FILE *out = fopen(tmp, "w");
    if (out == NULL)
        return -1;
    fprintf(out, "%ld\n", (long)getpid());
    if (fclose(out) != 0) {
        unlink(tmp);
        return -1;
    }
    int rc = link(tmp, f) == 0 ? 0 : -1;
    unlink(tmp);
    return rc;
}

int labstate_free_port(const char *registry, int *out_port, char *err, size_t errlen)
{
    const char *dir = getenv("SVC_PORT_DIR");
    int lo = 20000, hi = 32767;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (dir == NULL || *dir == '\0')
        dir = "/tmp/pbprobe-ports";
    if (f != NULL) {
        int eph_lo;
        /* below the ephemeral range: no client socket can take it meanwhile */
        if (fscanf(f, "%d", &eph_lo) == 1 && eph_lo > 12000) {
            hi = eph_lo - 1;
            if (lo >= hi)
                lo = 10000;
        }
        fclose(f);
    }
    if (mkdir(dir, 01777) == 0)
        chmod(dir, 01777); /* shared by every user's tests */
    for (int tries = 0; tries < 200; tries++) {
        int port = lo + (int)(random() % (hi - lo + 1));
        if (port_used(port) || port_reserve(dir, port) < 0)
            continue;
        if (registry_add(registry, "port", port, err, errlen) < 0)
            return -1;
        *out_port = port;
        return 0;
    }
    snprintf(err, errlen, "no free port in %d..%d after 200 tries", lo, hi);
    return -1;
}
