/* --targets FILE: targets and their settings kept in a file (in the
 * application's repository, beside its pipeline), read into entries that
 * options.c adds exactly as it adds those of the command line. The format is
 * docs/targets-file.md; every error names FILE:LINE. */
#ifndef PB_TARGETS_FILE_H
#define PB_TARGETS_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* The options that take a target's NAME: on the command line, and the keys of
 * a target's block in a file. */
enum setting {
    SET_RATE,
    SET_CONNECTIONS,
    SET_HEADER,
    SET_REQUEST,
    SET_DATA,
    SET_EXPECT_BODY,
    SET_TIMEOUT,
    SET_CACERT,
    SET_CAPATH,
    SET_CERT,
    SET_KEY,
    SET_TLS_MIN,
    SET_DNS_TTL,
    SET_MAX_CONN_AGE,
    SET_ABORT_ON,
};
#define SET_LAST SET_ABORT_ON

/* A target name: no spaces or control characters, no ':' (NAME:VALUE) and no
 * '=' (NAME=URL). */
bool target_name_valid(const char *s, size_t len);

/* One line that matters: a target, or a setting of the target above it. */
struct tf_entry {
    long line;
    bool is_target;
    char *target;      /* a target: "[NAME=]URL", as on the command line */
    const char *name;  /* a setting: its target's name */
    enum setting kind; /* a setting: which */
    char *value;       /* a setting: the text after '=', without the spaces around it */
};

struct targets_file {
    struct tf_entry *e; /* in the file's order; a block's target before its settings */
    int n;
    char **names; /* the blocks' names, which settings point to */
    int nnames;
};

/* A file larger than this is refused: targets, not data. */
#define TARGETS_FILE_MAX (4 << 20)

/* Reads path into tf. Returns 0, or -1 with "PATH:LINE: why" (or "PATH:
 * why") in err; targets_file_free(tf) afterwards in every case. */
int targets_file_read(const char *path, struct targets_file *tf, char *err, size_t errlen);

/* The same from text (len bytes; NUL bytes are an error): path only names
 * it in messages. */
int targets_file_parse(const char *path, const char *text, size_t len, struct targets_file *tf,
                       char *err, size_t errlen);

void targets_file_free(struct targets_file *tf);

#endif
