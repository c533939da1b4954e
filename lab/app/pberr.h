/* PyBossa's API error, as its ErrorStatus.format_exception writes it:
 * {"action":"GET","status":"failed","status_code":500,"target":"helpingmaterial",
 *  "exception_cls":"ProgrammingError","exception_msg":"..."} */
#ifndef LAB_PBERR_H
#define LAB_PBERR_H

#include <event2/buffer.h>

struct db_result;

struct pberr {
    int status;
    const char *cls; /* SQLAlchemy's exception class name */
    char msg[1200];  /* str(e) */
};

/* The status PyBossa gives an exception class: its ErrorStatus table maps a
 * few (DataError, AttributeError, ... to 415), everything else is 500. */
int pberr_status(const char *cls);

/* The error PyBossa would report for a failed query. One deliberate change:
 * no connection at all (or no answer in time) is 503, not PyBossa's 500, so a
 * report can tell "database away" from "schema and code disagree". */
void pberr_from_db(const struct db_result *res, struct pberr *e);

/* The JSON body; target NULL leaves the field out (web pages have none). */
void pberr_body(struct evbuffer *b, const char *action, const char *target, const struct pberr *e);

#endif
