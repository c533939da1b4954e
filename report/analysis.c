/* The analysis result's own verbs (analysis.h): its notes, the phase a
 * moment falls in, and freeing it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "spans.h"

/* The last timeline entry at or before t_us, -1 when none. */
static int last_at(const struct analysis *an, int64_t t_us)
{
    int lo = 0, hi = an->ntimeline; /* first event after t_us, by bisection */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (an->timeline[mid].t_us <= t_us)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

int analysis_phase_at(const struct analysis *an, int64_t t_us)
{
    int i = last_at(an, t_us);
    while (i >= 0 && an->timeline[i].source_len > 0)
        i--;
    return i;
}

int analysis_event_at(const struct analysis *an, int64_t t_us)
{
    for (int i = last_at(an, t_us); i >= 0; i--) {
        if (an->timeline[i].t_us < t_us - AN_EVENT_LOOKBACK_US)
            break;
        if (an->timeline[i].source_len > 0)
            return i;
    }
    return -1;
}

int analysis_mark_source(const char *text)
{
    /* only the sources this project's own scripts write: a user's step
     * "[canary] 10% traffic" must stay a step (and old logs keep their
     * phases) */
    static const char *const sources[] = {"k8s", "lab"};
    for (size_t i = 0; i < sizeof sources / sizeof *sources; i++) {
        size_t n = strlen(sources[i]);
        if (text[0] == '[' && strncmp(text + 1, sources[i], n) == 0 && text[1 + n] == ']' &&
            text[2 + n] == ' ' && text[3 + n] != '\0')
            return (int)n;
    }
    return 0;
}

#define NOTES_MAX 50

void analysis_note(struct analysis *an, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    if (an->nnotes >= NOTES_MAX) {
        an->notes_dropped++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **n = realloc(an->notes, (size_t)(an->nnotes + 1) * sizeof *n);
    if (n == NULL)
        return;
    an->notes = n;
    if ((an->notes[an->nnotes] = strdup(buf)) != NULL)
        an->nnotes++;
}

void analysis_free(struct analysis *an)
{
    for (int i = 0; i < an->ntargets; i++) {
        struct an_target *t = &an->targets[i];
        hist_free(&t->latency);
        spans_free(&t->windows);
        spans_free(&t->bursts);
        spans_free(&t->blind);
        free(t->series);
        for (int k = 0; k < AN_NSPLIT; k++)
            free(t->by[k].v);
        for (int k = 0; k < t->peer_series.n; k++)
            free(t->peer_series.failed[k]);
        free(t->name);
        free(t->url);
    }
    free(an->targets);
    for (int i = 0; i < an->nlogs; i++) {
        struct an_log *l = &an->logs[i];
        free(l->path);
        free(l->host);
        free(l->prober_version);
        free(l->prober_revision);
        free(l->prober_libs);
        free(l->cmd);
        free(l->ok_status);
        free(l->end_reason);
        free(l->command.command);
        free(l->command.how);
        free(l->abort.target);
        free(l->abort.rule);
    }
    free(an->logs);
    for (int i = 0; i < an->ntimeline; i++)
        free(an->timeline[i].text);
    free(an->timeline);
    for (int i = 0; i < an->nnotes; i++)
        free(an->notes[i]);
    free(an->notes);
    for (int i = 1; i < an->nversion_names; i++)
        free(an->version_names[i]);
    free(an->version_names);
    for (int i = 1; i < an->npeer_names; i++)
        free(an->peer_names[i]);
    free(an->peer_names);
    for (int i = 1; i < an->nprotocol_names; i++)
        free(an->protocol_names[i]);
    free(an->protocol_names);
    for (int i = 0; i < an->gate.nreasons; i++)
        free(an->gate.reasons[i]);
    free(an->gate.reasons);
    for (int i = 0; i < an->gate.nwarnings; i++)
        free(an->gate.warnings[i]);
    free(an->gate.warnings);
    free(an->gate.checks);
    dbanalysis_free(&an->db);
    memset(an, 0, sizeof *an);
}
