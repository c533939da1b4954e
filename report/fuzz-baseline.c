/* libFuzzer target for --baseline's reader: a JSON report that arrives from
 * a CI artifact store. It must never crash, read out of bounds or leak, and
 * must either give targets with sane figures or say why in a NUL-terminated
 * message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct baseline b;
    char err[256];
    err[0] = '\0';
    if (baseline_parse((const char *)data, size, "fuzz.json", &b, err, sizeof err) < 0) {
        if (strlen(err) == 0 || b.targets != NULL || b.path != NULL)
            abort();
        return 0;
    }
    if (b.verdict == NULL)
        abort();
    for (int i = 0; i < b.ntargets; i++) {
        const struct baseline_target *t = &b.targets[i];
        if (t->name == NULL || t->downtime_us < 0 || t->longest_window_us < 0 || t->p99_us < 0)
            abort();
        if (baseline_find(&b, t->name) != t)
            abort(); /* names are unique */
    }
    baseline_free(&b);
    return 0;
}
