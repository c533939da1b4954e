/* libFuzzer target for the targets file parser (probe/targets_file.c): any
 * bytes give entries or one error naming the file, never a crash, a leak or
 * a read out of bounds; what it accepts keeps its promises (a setting follows
 * the target it sets, every value is a string without a NUL).
 * Built with --enable-fuzz (clang); run by fuzz/run. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "targets_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct targets_file tf;
    char err[512];
    err[0] = '\0';
    if (targets_file_parse("fuzz.targets", (const char *)data, size, &tf, err, sizeof err) < 0) {
        if (strncmp(err, "fuzz.targets", 12) != 0 && strcmp(err, "out of memory") != 0)
            abort(); /* an error names the file */
    } else {
        const char *target = NULL;
        int targets = 0;
        for (int i = 0; i < tf.n; i++) {
            const struct tf_entry *e = &tf.e[i];
            if (e->line < 1 || (size_t)e->line > size + 1)
                abort();
            if (e->is_target) {
                targets++;
                target = e->target;
                if (strlen(target) == 0)
                    abort();
                continue;
            }
            /* a block's settings follow its own target, "NAME=URL" */
            size_t n = strlen(e->name);
            if (target == NULL || strncmp(target, e->name, n) != 0 || target[n] != '=')
                abort();
            if (e->value == NULL || (unsigned)e->kind > SET_LAST)
                abort();
        }
        if (targets == 0)
            abort();
    }
    targets_file_free(&tf);
    return 0;
}
