/* A run against its baseline (regression.h). */
#include <math.h>
#include <string.h>

#include "regression.h"

/* Counts compare only between runs measured alike: twice the probers or
 * twice the rate makes twice the failures of the same outage. */
static int comparable(const struct an_target *t, const struct baseline_target *bt)
{
    return bt->logs == t->nlogs && fabs(bt->rate - t->rate) <= 1e-6 * fmax(1, t->rate);
}

int regression_apply(struct analysis *an, const struct baseline *b)
{
    int matched = 0;
    an->baseline = b;
    for (int i = 0; i < an->ntargets; i++) {
        struct an_target *t = &an->targets[i];
        const struct baseline_target *bt = baseline_find(b, t->name);
        memset(&t->base, 0, sizeof t->base);
        if (bt == NULL)
            continue;
        matched++;
        t->base.present = 1;
        t->base.comparable = comparable(t, bt);
        t->base.logs = bt->logs;
        t->base.rate = bt->rate;
        t->base.failed = bt->failed;
        t->base.downtime_us = bt->downtime_us;
        t->base.longest_window_us = bt->longest_window_us;
        t->base.p99_us = bt->p99_us;
        t->base.d_failed = (int64_t)t->failed - (int64_t)bt->failed;
        t->base.d_downtime_us = t->windows.total_us - bt->downtime_us;
        t->base.d_longest_window_us = t->windows.longest_us - bt->longest_window_us;
        t->base.d_p99_us = t->lat.p99 - bt->p99_us;
    }
    for (int j = 0; j < b->ntargets; j++) {
        int found = 0;
        for (int i = 0; i < an->ntargets && !found; i++)
            found = strcmp(an->targets[i].name, b->targets[j].name) == 0;
        if (!found)
            analysis_note(an, "baseline %s: target \"%.64s\" is not in this run's logs", b->path,
                          b->targets[j].name);
    }
    return matched;
}
