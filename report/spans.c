/* Bounded lists of windows and bursts (spans.h): a min-heap on duration while
 * adding, so the shortest kept one is the one to drop. */
#include <stdlib.h>

#include "spans.h"

static int64_t dur(const struct an_span *s)
{
    return s->end_us - s->start_us;
}

/* a is dropped before b: shorter, or as long but later (the first outage of
 * equal ones is the one a person looks for). */
static int less(const struct an_span *a, const struct an_span *b)
{
    if (dur(a) != dur(b))
        return dur(a) < dur(b);
    return a->start_us > b->start_us;
}

static void sift_down(struct an_span *h, int n, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && less(&h[l], &h[m]))
            m = l;
        if (r < n && less(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        struct an_span tmp = h[i];
        h[i] = h[m];
        h[m] = tmp;
        i = m;
    }
}

static void sift_up(struct an_span *h, int i)
{
    while (i > 0) {
        int p = (i - 1) / 2;
        if (!less(&h[i], &h[p]))
            return;
        struct an_span tmp = h[i];
        h[i] = h[p];
        h[p] = tmp;
        i = p;
    }
}

int spans_add(struct an_spans *s, const struct an_span *sp, int max_listed)
{
    if (s->count == 0 || less(&s->longest, sp))
        s->longest = *sp;
    s->count++;
    s->total_us += dur(sp);
    if (max_listed <= 0)
        return 0;
    if (s->nlisted < max_listed) {
        if (s->nlisted == s->cap) {
            int cap = s->cap ? s->cap * 2 : 8;
            if (cap > max_listed)
                cap = max_listed;
            struct an_span *n = realloc(s->listed, (size_t)cap * sizeof *n);
            if (n == NULL)
                return -1;
            s->listed = n;
            s->cap = cap;
        }
        s->listed[s->nlisted] = *sp;
        sift_up(s->listed, s->nlisted++);
    } else if (less(&s->listed[0], sp)) {
        s->listed[0] = *sp;
        sift_down(s->listed, s->nlisted, 0);
    }
    return 0;
}

static int by_start(const void *a, const void *b)
{
    const struct an_span *x = a, *y = b;
    return (x->start_us > y->start_us) - (x->start_us < y->start_us);
}

static double error_rate(const struct an_span *sp)
{
    return sp->requests ? (double)sp->failed / (double)sp->requests : 0;
}

void spans_finish(struct an_spans *s)
{
    if (s->nlisted > 1) /* qsort(NULL, 0) is undefined */
        qsort(s->listed, (size_t)s->nlisted, sizeof *s->listed, by_start);
    s->longest_us = s->count ? s->longest.end_us - s->longest.start_us : 0;
    for (int i = 0; i < s->nlisted; i++)
        s->listed[i].error_rate = error_rate(&s->listed[i]);
    s->longest.error_rate = error_rate(&s->longest);
}

void spans_free(struct an_spans *s)
{
    free(s->listed);
    s->listed = NULL;
    s->nlisted = s->cap = 0;
}
