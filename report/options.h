/* Command line -> struct rep_config (config.h). */
#ifndef REP_OPTIONS_H
#define REP_OPTIONS_H

#include <stddef.h>

#include "config.h"

/* Fills cfg. Returns -1 when the program should go on, or an exit code:
 * REP_EXIT_PASS after --help or --version (printed), REP_EXIT_USAGE with a
 * one-line reason in err. */
int options_parse(int argc, char **argv, struct rep_config *cfg, char *err, size_t errlen);

void options_free(struct rep_config *cfg);

#endif
