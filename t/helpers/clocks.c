/* clocks: times on the prober's timeline, for tests that compare the moments
 * they injected a fault with the times of a prober's log. The prober logs
 * monotonic time plus the wall clock's offset taken once at its start
 * (lib/clock.h); `date` reads the wall clock, which can move against the
 * monotonic one while a test runs (measured here: 20 ms in 4 s on a loaded
 * VM). Take the offset when the prober starts, read times with it:
 *
 *   clocks offset          wall - monotonic now, in microseconds
 *   clocks now OFFSET      monotonic now + OFFSET: the prober's wall time */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "offset") == 0) {
        printf("%" PRId64 "\n", clock_wall_offset_us());
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "now") == 0) {
        char *end;
        errno = 0;
        long long offset = strtoll(argv[2], &end, 10);
        if (errno == 0 && end != argv[2] && *end == '\0') {
            printf("%lld\n", (long long)clock_mono_us() + offset);
            return 0;
        }
    }
    fprintf(stderr, "usage: clocks offset | clocks now OFFSET\n");
    return 2;
}
