/* about.h: what pbprobe was built with and runs with: its release and git
 * revision, and each library's version at build and at run time (a package
 * may be run against a newer libcurl than it was built with). */
#ifndef PB_ABOUT_H
#define PB_ABOUT_H

#include <stddef.h>
#include <stdio.h>

/* --version: one line for pbprobe, one per library. */
void about_print(FILE *out);

/* The libraries run with, one token each, for the log header's libs=:
 * "libcurl/7.88.1 OpenSSL/3.0.15 nghttp2/1.52.0 libevent/2.1.12-stable
 * libpq/15.18". Cut to len - 1 bytes. */
void about_libs(char *buf, size_t len);

#endif
