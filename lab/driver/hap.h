/* haproxy's admin socket (the Service's endpoints): one command, one answer,
 * as lab/services.sh's svc_haproxy_cmd sends them, without socat. */
#ifndef PB_HAP_H
#define PB_HAP_H

#include <stddef.h>
#include <stdint.h>

/* Sends cmd to the socket at sock_path and waits for the answer (at most
 * timeout_us); returns 0, or -1 when it could not be sent or haproxy refused
 * it, with the reason in err. */
int hap_cmd(const char *sock_path, const char *cmd, int64_t timeout_us, char *err, size_t errlen);

/* Whether an answer is one of haproxy's refusals. */
int hap_refused(const char *answer);

#endif
