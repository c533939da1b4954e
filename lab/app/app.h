/* What every handler may read: the options and the database pool. Built once
 * in main.c; nothing here changes after startup. */
#ifndef LAB_APP_H
#define LAB_APP_H

#include <event2/event.h>

struct opts;
struct db_pool;

struct app {
    const struct opts *opts;
    struct event_base *base;
    struct db_pool *db;
};

#endif
