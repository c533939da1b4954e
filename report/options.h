/* Command line -> struct rep_config (report_config.h). */
#ifndef REP_OPTIONS_H
#define REP_OPTIONS_H

#include <stddef.h>

#include "report_config.h"

/* Fills cfg. Returns 0 to go on; 1 after --help or --version (printed: exit
 * 0); -1 for a usage error, with a one-line reason in err. The same contract
 * as pbprobe's options_parse: options_free(cfg) afterwards in every case. */
int options_parse(int argc, char **argv, struct rep_config *cfg, char *err, size_t errlen);

void options_free(struct rep_config *cfg);

#endif
