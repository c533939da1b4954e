/* Which version answered (the prober's --version-header), per target: requests
 * per version, the mixed-version interval and the flip-flops between them. */
#ifndef REP_VERSIONS_H
#define REP_VERSIONS_H

#include <stdint.h>

#include "analysis.h"

#define VER_NAMES_MAX 1024 /* distinct version strings over all logs; more go to "other" */

struct ver_state {
    int last;                      /* slot of the previous versioned request, -1 */
    int8_t slot_of[VER_NAMES_MAX]; /* global version index -> slot + 1, 0 unseen */
};

void versions_init(struct an_versions *v, struct ver_state *s);

/* A request answered by version index vidx (1.., names[vidx]). */
void versions_req(struct an_versions *v, struct ver_state *s, int vidx, const char *name,
                  int64_t t_us);

/* The final version and the mixed interval, once all requests are in. */
void versions_finish(struct an_versions *v, const struct ver_state *s);

#endif
