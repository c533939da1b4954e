/* The instance table and instances.tsv (inst.h), in the format lab/platform-lab.sh also reads:
 * id version readiness pid port slot phase in_pool served prestop_us on_sigterm. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inst.h"

static const char *const phase_names[] = {"starting", "ready", "unready", "terminating"};

const char *inst_phase_name(enum inst_phase p)
{
    return phase_names[p];
}

struct inst *inst_add(struct inst_table *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct inst **v = realloc(t->v, cap * sizeof *v);
        if (v == NULL)
            return NULL;
        t->v = v;
        t->cap = cap;
    }
    struct inst *i = calloc(1, sizeof *i);
    if (i == NULL)
        return NULL;
    i->exit_code = -1;
    i->last_code = -1;
    i->lag_us = -1;
    t->v[t->n++] = i;
    return i;
}

void inst_remove(struct inst_table *t, struct inst *i)
{
    for (size_t k = 0; k < t->n; k++) {
        if (t->v[k] != i)
            continue;
        memmove(&t->v[k], &t->v[k + 1], (t->n - k - 1) * sizeof t->v[0]);
        t->n--;
        free(i);
        return;
    }
}

struct inst *inst_by_pid(const struct inst_table *t, pid_t pid)
{
    for (size_t k = 0; k < t->n; k++)
        if (t->v[k]->pid == pid)
            return t->v[k];
    return NULL;
}

struct inst *inst_by_serial(const struct inst_table *t, int serial)
{
    for (size_t k = 0; k < t->n; k++)
        if (t->v[k]->serial == serial)
            return t->v[k];
    return NULL;
}

int inst_free_slot(const struct inst_table *t, int max_slots)
{
    for (int s = 1; s <= max_slots; s++) {
        int used = 0;
        for (size_t k = 0; k < t->n && !used; k++)
            used = t->v[k]->slot == s;
        if (!used)
            return s;
    }
    return 0;
}

int inst_is_new(const struct inst *i, const struct ropts *o)
{
    return strcmp(i->version, o->version) == 0 && i->readiness == o->readiness &&
           i->prestop_us == o->prestop_us && strcmp(i->on_sigterm, o->on_sigterm) == 0;
}

void inst_file_base(const struct inst *i, const char *inst_dir, char *buf, size_t len)
{
    char id[sizeof i->id];
    strcpy(id, i->id);
    char *hash = strchr(id, '#');
    if (hash != NULL)
        *hash = '-'; /* "#" in a file name upsets shells */
    snprintf(buf, len, "%s/%s", inst_dir, id);
}

int inst_save(const struct inst_table *t, const char *path, char *err, size_t errlen)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    fprintf(f, "# id\tversion\treadiness\tpid\tport\tslot\tphase\tin_pool\tserved\tprestop_us\t"
               "on_sigterm\n");
    for (size_t k = 0; k < t->n; k++) {
        const struct inst *i = t->v[k];
        char port[16] = "-";
        if (i->port > 0)
            snprintf(port, sizeof port, "%d", i->port);
        fprintf(f, "%s\t%s\t%s\t%ld\t%s\ts%d\t%s\t%d\t%d\t%lld\t%s\n", i->id, i->version,
                i->readiness == ROPTS_READINESS_HTTP ? "http" : "none", (long)i->pid, port, i->slot,
                inst_phase_name(i->phase), i->in_pool, i->served, (long long)i->prestop_us,
                i->on_sigterm);
    }
    /* a short write must not replace the state: ferror catches what
     * fprintf returned and nobody checked */
    int failed = ferror(f);
    if (fclose(f) != 0 || failed || rename(tmp, path) < 0) {
        if (failed)
            errno = EIO;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Splits line at TABs into at most max fields; returns how many. */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    while (n < max) {
        f[n++] = line;
        line = strchr(line, '\t');
        if (line == NULL)
            break;
        *line++ = '\0';
    }
    return n;
}

static int copy_field(char *dst, size_t len, const char *src)
{
    if (strlen(src) >= len)
        return -1;
    strcpy(dst, src);
    return 0;
}

static int parse_line(struct inst *i, char *line, int64_t default_prestop_us)
{
    char *f[11], *end;
    int n = split_tabs(line, f, 11);
    if (n < 9)
        return -1;
    if (copy_field(i->id, sizeof i->id, f[0]) < 0 ||
        copy_field(i->version, sizeof i->version, f[1]) < 0)
        return -1;
    if (strcmp(f[2], "http") == 0)
        i->readiness = ROPTS_READINESS_HTTP;
    else if (strcmp(f[2], "none") == 0)
        i->readiness = ROPTS_READINESS_NONE;
    else
        return -1;
    i->pid = (pid_t)strtol(f[3], &end, 10);
    if (*end != '\0' || i->pid <= 0)
        return -1;
    i->port = strcmp(f[4], "-") == 0 ? 0 : (int)strtol(f[4], &end, 10);
    if (i->port < 0 || i->port > 65535 || (i->port > 0 && *end != '\0'))
        return -1;
    if (f[5][0] != 's' || (i->slot = (int)strtol(f[5] + 1, &end, 10)) <= 0 || *end != '\0')
        return -1;
    i->phase = (enum inst_phase) - 1;
    for (int p = 0; p < 4; p++)
        if (strcmp(f[6], phase_names[p]) == 0)
            i->phase = (enum inst_phase)p;
    if ((int)i->phase < 0)
        return -1;
    i->in_pool = strcmp(f[7], "1") == 0;
    i->served = strcmp(f[8], "1") == 0;
    i->prestop_us = n > 9 && f[9][0] != '\0' ? strtoll(f[9], NULL, 10) : default_prestop_us;
    if (copy_field(i->on_sigterm, sizeof i->on_sigterm, n > 10 && f[10][0] ? f[10] : "drain") < 0)
        return -1;
    return 0;
}

int inst_load(struct inst_table *t, const char *path, int64_t default_prestop_us, char *err,
              size_t errlen)
{
    char line[1024];
    int lineno = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        struct inst *i = inst_add(t);
        if (i == NULL || parse_line(i, line, default_prestop_us) < 0) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno,
                     i == NULL ? "out of memory" : "bad instance line");
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}
