/* One probing run: the event loop, the open-loop schedule, the log, the
 * wrapped command, signals. Returns pbprobe's exit code (options.h). */
#ifndef PB_RUN_H
#define PB_RUN_H

#include "options.h"

int run_probe(const struct probe_config *cfg);

#endif
