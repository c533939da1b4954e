/* pbprobe-report's exit status: the verdict, a contract with CI, documented
 * in pbprobe-report(1). */
#ifndef REP_EXIT_H
#define REP_EXIT_H

/* Exit codes: a contract with CI, documented in pbprobe-report(1). */
enum rep_exit {
    REP_EXIT_PASS = 0,         /* the gate passed */
    REP_EXIT_GATE = 1,         /* the gate failed: users saw what a rule forbids */
    REP_EXIT_USAGE = 2,        /* bad command line */
    REP_EXIT_INPUT = 3,        /* a log unreadable or invalid */
    REP_EXIT_INCONCLUSIVE = 4, /* nothing failed, but the prober did not observe the
                                  whole run on time: blind time, a log cut short */
};

#endif
