/* Request ids (UUID v4 text) sent as X-Request-ID, so a failed request can be
 * found in the server's logs. Not for security: a fast PRNG seeded once. */
#ifndef PB_REQID_H
#define PB_REQID_H

#define REQID_LEN 36

void reqid_seed(void);
/* Writes 36 characters and a NUL. */
void reqid_next(char out[REQID_LEN + 1]);

#endif
