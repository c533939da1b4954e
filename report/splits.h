/* A target's requests and failures by the peer that answered, by connection
 * kind and by HTTP version (struct an_splits): which backend failed, whether
 * new users or kept connections saw it. Counted as requests arrive, in
 * arrays indexed by the interned value: no string work on the hot path. */
#ifndef REP_SPLITS_H
#define REP_SPLITS_H

#include <stdint.h>

#include "analysis.h"

/* Distinct peers and HTTP versions over all logs; more share the last index,
 * named "(others)". */
#define SPLIT_PEERS_MAX 1024
#define SPLIT_PROTOCOLS_MAX 16

/* Where one request went: indexes in analysis.peer_names and
 * protocol_names (0: none), and its connection. */
enum split_connection { SPLIT_CONN_UNKNOWN, SPLIT_CONN_NEW, SPLIT_CONN_REUSED };
struct split_where {
    uint16_t peer;
    uint8_t protocol;
    uint8_t connection; /* enum split_connection */
};

struct split_state;

void splits_free(struct split_state *s);

/* One request sent and observed on time, in second number second of its
 * target's series; failed when it is not a success. *s is created on first
 * use (NULL to start). Returns 0, or -1 when memory is short. */
int splits_req(struct split_state **s, struct split_where w, int outcome, int failed,
               uint32_t second);

/* Fills by[] from the counts, names from an; frees nothing of s. Returns 0,
 * or -1 when memory is short. */
int splits_finish(struct an_splits by[AN_NSPLIT], const struct split_state *s,
                  const struct analysis *an);

/* The failures per second of the peers that failed most (by_peer, as
 * splits_finish filled it), over series_len seconds. Returns 0, or -1 when
 * memory is short. */
int splits_peer_series(struct an_peer_series *ps, const struct split_state *s,
                       const struct an_splits *by_peer, const struct analysis *an,
                       uint32_t series_len);

#endif
