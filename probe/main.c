/* pbprobe: open-loop HTTP prober for zero-downtime upgrades. main() only
 * dispatches: options.c parses, run.c probes, mark.c serves `pbprobe mark`. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "child.h"
#include "exit.h"
#include "mark.h"
#include "options.h"
#include "reqid.h"
#include "run.h"

int main(int argc, char **argv)
{
    struct probe_config cfg;
    char err[512];

    if (argc >= 2 && strcmp(argv[1], "mark") == 0)
        return mark_command(argc - 1, argv + 1);

    child_note_inherited();
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "pbprobe: cannot initialise libcurl\n");
        return EXIT_INTERNAL;
    }
    int rc = options_parse(argc, argv, &cfg, err, sizeof err);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "pbprobe: %s\n", err);
        options_free(&cfg);
        curl_global_cleanup();
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    }
    reqid_seed();
    int code = run_probe(&cfg);
    options_free(&cfg);
    curl_global_cleanup();
    return code;
}
