/* The OpenMetrics formatter: not written yet (stub). */
#include <errno.h>

#include "output.h"

int out_openmetrics(FILE *f, const struct analysis *an)
{
    (void)f;
    (void)an;
    errno = ENOSYS;
    return -1;
}

int out_openmetrics_runs(FILE *f, const struct rep_runs *rs)
{
    (void)f;
    (void)rs;
    errno = ENOSYS;
    return -1;
}
