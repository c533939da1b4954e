/* --gate FILE: the gate's rules kept in a small file in the application's
 * repository, beside its pipeline (docs/gate-file.md). A line is blank, a
 * comment (#), a block's header "[NAME]" (the rules below it are that
 * target's; those above the first block, and under "[*]", every target's),
 * or a rule "[warn] RULE = VALUE" with the options' names and values
 * ("max-window = 2s", "warn max-window = 500ms"). The rules become limits
 * like the --max-... options' (report_config.h); every error names
 * FILE:LINE. */
#ifndef REP_GATE_FILE_H
#define REP_GATE_FILE_H

#include <stddef.h>

#include "report_config.h"

/* A larger file is refused: rules, not data. */
#define GATE_FILE_MAX (1 << 20)

/* Appends the rules of text (len bytes; a NUL byte is an error) to *limits,
 * *n of them (realloc'd); path only names it in messages. Returns 0, or -1
 * with "PATH:LINE: why" in err; what was appended before an error stays, for
 * the caller to free (gate_file_free_limit). */
int gate_file_parse(const char *path, const char *text, size_t len, struct rep_limit **limits,
                    int *n, char *err, size_t errlen);

/* The same from the file at path. */
int gate_file_read(const char *path, struct rep_limit **limits, int *n, char *err, size_t errlen);

/* Frees what a limit owns (its target, and a file rule's text). */
void gate_file_free_limit(struct rep_limit *l);

#endif
