/* Markers: the wrapped command names moments of the upgrade ("migration
 * start") through a FIFO whose path is in its PBPROBE_MARK variable, with
 * `pbprobe mark TEXT` or a plain `echo TEXT > "$PBPROBE_MARK"`. */
#ifndef PB_MARK_H
#define PB_MARK_H

#include <stddef.h>
#include <stdint.h>

struct markfifo;

struct markfifo *markfifo_open(char *err, size_t errlen);
const char *markfifo_path(const struct markfifo *m);
int markfifo_fd(const struct markfifo *m);

typedef void (*mark_fn)(void *arg, int64_t wall_us, const char *text);

/* Reads what is there and calls fn per complete line. */
void markfifo_read(struct markfifo *m, int64_t wall_now_us, int64_t wall_offset_us, mark_fn fn,
                   void *arg);
/* Removes the FIFO and its directory. */
void markfifo_close(struct markfifo *m);

/* One line from the FIFO: "@mMONO_US,WALL_US TEXT" (as `pbprobe mark`
 * writes: the monotonic time it was called, put on the prober's timeline with
 * its wall_offset_us; the wall time is for relays to other hosts), "@mMONO_US
 * TEXT", "@WALL_US TEXT" (older clients, relays) or just "TEXT" (time of
 * reading). Never later than wall_now_us. Modifies line. */
void mark_parse_line(char *line, int64_t wall_now_us, int64_t wall_offset_us, int64_t *wall_us,
                     const char **text);

/* `pbprobe mark [--strict] TEXT...`: the client side; returns the exit code
 * (0 when no prober listens, unless --strict). */
int mark_command(int argc, char **argv);

#endif
