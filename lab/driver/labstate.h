/* The lab's shared state files other than instances.tsv: DIR/env (written by
 * lab/platform-lab.sh), DIR/ids (the last instance number per version), the
 * lab/services.sh registry of processes and ports, and port reservations.
 * Each call returns 0, or -1 with a one-line reason in err. */
#ifndef PB_LABSTATE_H
#define PB_LABSTATE_H

#include <stddef.h>
#include <sys/types.h>

struct labenv {
    char haproxy_dir[512];
    char db[1024];
    char registry[512];
    char standin[512];
    char pbprobe[512];
};

/* Reads DIR/env: KEY=VALUE lines, values quoted by bash's printf %q. */
int labstate_load_env(const char *path, struct labenv *env, char *err, size_t errlen);

/* Undoes bash's printf %q (backslashes, '...', "...", $'...') into out. */
int labstate_unquote(const char *in, char *out, size_t outlen);

/* The next instance number of version, saved to the ids file. */
int labstate_next_id(const char *ids_path, const char *version, int *out_n, char *err,
                     size_t errlen);

/* svc_track_pid / svc_untrack_pid, on the registry file. */
int labstate_track_pid(const char *registry, pid_t pid, char *err, size_t errlen);
int labstate_untrack_pid(const char *registry, pid_t pid, char *err, size_t errlen);

/* svc_free_port: a free 127.0.0.1 port below the ephemeral range, reserved
 * in SVC_PORT_DIR (default /tmp/pbprobe-ports) for this process and recorded
 * in the registry. */
int labstate_free_port(const char *registry, int *out_port, char *err, size_t errlen);

#endif
