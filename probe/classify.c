/* libcurl result codes to error classes (classify.h). A class must say what
 * a user saw: "connect" when the server was not there, "reset" when it went
 * away mid-answer, "protocol" when it answered nonsense. */
#include <errno.h>

#include "classify.h"
#include "outcome.h"

int classify_transfer(CURLcode result, long http_status, long os_errno)
{
    switch (result) {
    case CURLE_OK:
        /* A complete response without a status cannot happen over HTTP;
         * never count it as a success. */
        return http_status >= 100 && http_status < OUTCOME_MAX ? (int)http_status
                                                               : OUTCOME_PROTOCOL;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return OUTCOME_DNS;
    case CURLE_COULDNT_CONNECT:
        /* EADDRNOTAVAIL: every local port to this address is in TIME_WAIT,
         * the end of many new connections a second (pbprobe.1) */
        if (os_errno == EADDRNOTAVAIL || os_errno == EMFILE || os_errno == ENFILE ||
            os_errno == ENOBUFS || os_errno == ENOMEM)
            return OUTCOME_SKIPPED;
        return OUTCOME_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return OUTCOME_TIMEOUT;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return OUTCOME_RESET;
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
        /* the prober's own TLS files (a wrong --cert password, a --cacert
         * that is no certificate): nothing the server did, and nothing
         * observed of it */
        return OUTCOME_SKIPPED;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
        return OUTCOME_TLS;
    case CURLE_UNSUPPORTED_PROTOCOL: /* includes "Received HTTP/0.9 when not allowed" */
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_TOO_MANY_REDIRECTS:
        return OUTCOME_PROTOCOL;
    default:
        return OUTCOME_OTHER;
    }
}

bool classify_checks_body(int outcome, const unsigned char *ok)
{
    return outcome_is_http(outcome) && ok[outcome] && outcome >= 200 && outcome != 204 &&
           outcome != 304 && (outcome < 300 || outcome >= 400);
}
