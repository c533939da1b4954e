/* about.h: what pbprobe-report was built with and runs with: its release
 * and git revision, jansson at build and at run time, and the gnuplot that
 * --plot would start (a package only recommends it). */
#ifndef PB_REPORT_ABOUT_H
#define PB_REPORT_ABOUT_H

#include <stdio.h>

/* --version: one line for pbprobe-report, one per library or program. */
void about_print(FILE *out);

#endif
