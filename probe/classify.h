/* What a finished transfer means for the log: an HTTP status or an error
 * class (lib/outcome.h). Pure, so it is tested without a network. */
#ifndef PB_CLASSIFY_H
#define PB_CLASSIFY_H

#include <curl/curl.h>
#include <stdbool.h>

/* http_status is CURLINFO_RESPONSE_CODE (0 when none was received),
 * os_errno CURLINFO_OS_ERRNO. A connection the prober could not open for
 * want of its own resources (a local port, a file descriptor, memory) is
 * OUTCOME_SKIPPED: the request never left, and the server is not to blame. */
int classify_transfer(CURLcode result, long http_status, long os_errno);

/* Whether --expect-body judges a response with this outcome: a success by
 * its status (ok, from --ok-status) that carries a page of the service, so
 * not 1xx, 204, 304 or another redirect. One that fails the check is
 * OUTCOME_BODY. */
bool classify_checks_body(int outcome, const unsigned char *ok);

#endif
