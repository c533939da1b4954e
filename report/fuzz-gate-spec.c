/* libFuzzer target for the report's own parsers: --ok-status lists, the
 * gate's [NAME:]VALUE limits and --gate files, which take text from CI
 * configuration and the application's repository. They
 * must never crash, read out of bounds or leak, and must either succeed or
 * say why in a NUL-terminated message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gate_file.h"
#include "gate_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    unsigned char ok[OUTCOME_MAX];
    char err[256];
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    err[0] = '\0';
    if (outcome_parse_ok_list(s, ok, err, sizeof err) < 0 && strlen(err) == 0)
        abort();
    for (int r = 0; r < REP_RULE_N; r++) {
        struct rep_limit l;
        err[0] = '\0';
        if (spec_parse_limit(s, (enum rep_rule)r, &l, err, sizeof err) == 0) {
            if (l.target && strlen(l.target) >= size)
                abort();
            free(l.target);
        } else if (strlen(err) == 0) {
            abort();
        }
    }
    struct rep_limit l;
    err[0] = '\0';
    if (spec_parse_regression(s, &l, err, sizeof err) == 0) {
        if (spec_rule_kind(l.rule) == NULL || (l.target && strlen(l.target) >= size))
            abort();
        free(l.target);
    } else if (strlen(err) == 0) {
        abort();
    }
    /* the same bytes as a gate file */
    struct rep_limit *limits = NULL;
    int n = 0;
    err[0] = '\0';
    if (gate_file_parse("fuzz.gate", (const char *)data, size, &limits, &n, err, sizeof err) < 0 &&
        strlen(err) == 0)
        abort();
    for (int i = 0; i < n; i++) {
        if (limits[i].from == NULL || limits[i].owned == NULL || limits[i].arg != limits[i].owned)
            abort();
        gate_file_free_limit(&limits[i]);
    }
    free(limits);
    free(s);
    return 0;
}
