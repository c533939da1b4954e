/* UUID v4 from xoshiro256** (reqid.h). */
#include <stdint.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "reqid.h"

static uint64_t state[4];

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next64(void)
{
    uint64_t result = rotl(state[1] * 5, 7) * 9;
    uint64_t t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
}

void reqid_seed(void)
{
    if (getrandom(state, sizeof state, 0) != (ssize_t)sizeof state) {
        /* ids need only be unique, not secret: time and pid will do */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        state[0] = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
        state[1] = (uint64_t)ts.tv_sec;
        state[2] = 0x9e3779b97f4a7c15ULL;
        state[3] = 0xbf58476d1ce4e5b9ULL;
    }
}

void reqid_next(char out[REQID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t a = next64(), b = next64();
    unsigned char bytes[16];
    for (int i = 0; i < 8; i++) {
        bytes[i] = (unsigned char)(a >> (8 * i));
        bytes[8 + i] = (unsigned char)(b >> (8 * i));
    }
    bytes[6] = (unsigned char)((bytes[6] & 0x0f) | 0x40); /* version 4 */
    bytes[8] = (unsigned char)((bytes[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[bytes[i] >> 4];
        out[o++] = hex[bytes[i] & 15];
    }
    out[o] = '\0';
}
