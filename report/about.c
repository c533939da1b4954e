/* about.c: pbprobe-report --version. As pbprobe's (probe/about.c): the
 * versions run with beside those built against, which differ when a package
 * built on one machine runs on another. */
#include "about.h"

#include <jansson.h>
#include <stdlib.h>

#include "output.h"
#include "version.h"

void about_print(FILE *out)
{
    fprintf(out, "pbprobe-report %s (revision %s)\n", PACKAGE_VERSION, version_revision());
    fprintf(out, "jansson %s (built with %s)\n", jansson_version_str(), JANSSON_VERSION);
    char *gnuplot = plot_gnuplot_path();
    if (gnuplot)
        fprintf(out, "gnuplot (for --plot): %s\n", gnuplot);
    else
        fprintf(out, "gnuplot (for --plot): not found in PATH (apt-get install gnuplot-nox)\n");
    free(gnuplot);
}
