/* Open-addressing string map (strmap.h). Load factor at most 1/2. */
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

uint64_t strmap_hash(const char *key)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a: names are short */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

int strmap_get(const struct strmap *m, const char *key, uint64_t hash)
{
    if (m->cap == 0)
        return -1;
    for (size_t i = hash & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        const struct strmap_slot *s = &m->slots[i];
        if (s->key == NULL)
            return -1;
        if (s->hash == hash && strcmp(s->key, key) == 0)
            return s->value;
    }
}

static void insert(struct strmap_slot *slots, size_t cap, const struct strmap_slot *e)
{
    size_t i = e->hash & (cap - 1);
    while (slots[i].key)
        i = (i + 1) & (cap - 1);
    slots[i] = *e;
}

int strmap_put(struct strmap *m, const char *key, uint64_t hash, int value)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        struct strmap_slot *slots = calloc(cap, sizeof *slots);
        if (slots == NULL)
            return -1;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].key)
                insert(slots, cap, &m->slots[i]);
        free(m->slots);
        m->slots = slots;
        m->cap = cap;
    }
    struct strmap_slot e = {hash, key, value};
    insert(m->slots, m->cap, &e);
    m->n++;
    return 0;
}

void strmap_free(struct strmap *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}
