/* Runs: which logs belong together. The probers of one run overlap in time
 * and are merged into one timeline; logs that do not overlap are different
 * runs (a folder holding one log per scenario), each analysed and judged on
 * its own, and the report's verdict is the worst of theirs. */
#ifndef REP_RUNS_H
#define REP_RUNS_H

#include <stddef.h>

#include "analysis.h"
#include "report_config.h"

struct rep_run {
    struct rep_config cfg; /* the command line's, with this run's logs and plot */
    char *plot;            /* cfg.plot: FILE-runN.ext when there are several runs */
};

struct rep_runs {
    int n;
    struct rep_run *run;              /* in order of their start */
    struct analysis *an;              /* an[i] is run[i]'s, filled by the caller */
    enum an_verdict verdict;          /* the worst of the runs': FAIL, then INCONCLUSIVE */
    int passed, failed, inconclusive; /* how many runs of each verdict */
};

/* Groups cfg's logs into runs by the time each spans (its header's start to
 * its last lines): logs less than --burst-gap apart are one run. A log whose span cannot be known
 * before it is read (a pipe, standard input, no start in its header) and --one-run put every log in
 * one run, as does a single log. Returns 0, or -1 with err: a log that cannot be opened, or memory.
 */
int runs_split(const struct rep_config *cfg, struct rep_runs *rs, char *err, size_t errlen);

/* After each run's gate: the verdict over all runs and the counts. */
void runs_judge(struct rep_runs *rs);

void runs_free(struct rep_runs *rs);

#endif
