/* about.c: pbprobe --version and the log header's account of the libraries.
 * Build-time versions come from the headers compiled against, run-time ones
 * from the libraries loaded: the two differ when a package was built against
 * one libcurl and the machine has another, which is what a user reporting a
 * bug needs to know. */
#include "about.h"

#include <curl/curl.h>
#include <event2/event.h>
#include <libpq-fe.h>

#include "version.h"

/* PQlibVersion(): 150018 is 15.18 (major * 10000 + minor since PostgreSQL
 * 10). The build's version is configure's (PB_LIBPQ_BUILT). */
static void pg_version(char *buf, size_t len, int num)
{
    snprintf(buf, len, "%d.%d", num / 10000, num % 10000);
}

void about_print(FILE *out)
{
    const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    fprintf(out, "pbprobe %s (revision %s)\n", PACKAGE_VERSION, version_revision());

    fprintf(out, "libcurl %s (built with %s), TLS: %s, HTTP/2: ", cv->version, LIBCURL_VERSION,
            cv->ssl_version ? cv->ssl_version : "none");
    if ((cv->features & CURL_VERSION_HTTP2) && cv->nghttp2_version)
        fprintf(out, "nghttp2/%s\n", cv->nghttp2_version);
    else
        fprintf(out, "%s\n", (cv->features & CURL_VERSION_HTTP2) ? "yes" : "no");

    /* the backend the loop will use: libevent picks it at event_base_new() */
    struct event_base *base = event_base_new();
    fprintf(out, "libevent %s (built with %s), backend: %s\n", event_get_version(),
            LIBEVENT_VERSION, base ? event_base_get_method(base) : "none");
    if (base)
        event_base_free(base);

    char run[32];
    pg_version(run, sizeof run, PQlibVersion());
    fprintf(out, "libpq %s (built with %s)\n", run, PB_LIBPQ_BUILT);
}

void about_libs(char *buf, size_t len)
{
    const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    char pq[32];
    pg_version(pq, sizeof pq, PQlibVersion());
    char h2[64] = "";
    if ((cv->features & CURL_VERSION_HTTP2) && cv->nghttp2_version)
        snprintf(h2, sizeof h2, " nghttp2/%s", cv->nghttp2_version);
    snprintf(buf, len, "libcurl/%s%s%s%s libevent/%s libpq/%s", cv->version,
             cv->ssl_version ? " " : "", cv->ssl_version ? cv->ssl_version : "", h2,
             event_get_version(), pq);
}
