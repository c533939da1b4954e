/* pbprobe's exit status (and `pbprobe mark`'s): a contract, documented in
 * pbprobe(1). */
#ifndef PB_EXIT_H
#define PB_EXIT_H

/* Exit codes: a contract, documented in pbprobe.1. With a COMMAND, pbprobe
 * exits with the command's status unless pbprobe itself failed. */
enum probe_exit {
    EXIT_OK = 0,
    EXIT_USAGE = 2,
    EXIT_OUTPUT = 3,       /* the log could not be opened or written */
    EXIT_INTERNAL = 4,     /* libevent/libcurl setup, out of memory */
    EXIT_ABORTED = 5,      /* an --abort-on rule broke; --on-abort, if any, succeeded */
    EXIT_ABORT_FAILED = 6, /* aborted, and the --on-abort command failed */
    EXIT_EXEC = 127,       /* COMMAND could not be started */
};

#endif
