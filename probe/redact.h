/* Command lines go into logs that get attached to tickets and CI pages:
 * secrets must not. */
#ifndef PB_REDACT_H
#define PB_REDACT_H

/* The argv as one shell-quoted line with secrets replaced by <redacted>:
 * sensitive -H header values, URL passwords, password= in conninfo strings.
 * Returns a malloc'd string (NULL when out of memory). */
char *redact_argv(int argc, char *const *argv);

/* A single argument's redacted form (malloc'd). */
char *redact_arg(const char *prev, const char *arg);

#endif
