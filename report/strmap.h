/* A string -> int map for the hot path of ingest (target and version names
 * of every req line): open addressing, keys owned by the caller. */
#ifndef REP_STRMAP_H
#define REP_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
    uint64_t hash;
    const char *key; /* NULL: empty */
    int value;
};

struct strmap {
    size_t cap, n;
    struct strmap_slot *slots;
};

uint64_t strmap_hash(const char *key);

/* The value for key, or -1. */
int strmap_get(const struct strmap *m, const char *key, uint64_t hash);

/* key must stay valid as long as the map. Returns 0, or -1 when memory is short. */
int strmap_put(struct strmap *m, const char *key, uint64_t hash, int value);

void strmap_free(struct strmap *m);

#endif
