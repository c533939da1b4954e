/* PyBossa's JSON error format (pberr.h). */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "json.h"
#include "pberr.h"

int pberr_status(const char *cls)
{
    /* pybossa/error/__init__.py, ErrorStatus.error_status */
    static const struct {
        const char *cls;
        int status;
    } table[] = {
        {"Forbidden", 403},      {"NotFound", 404},       {"Unauthorized", 401},
        {"TypeError", 415},      {"ValueError", 415},     {"DataError", 415},
        {"AttributeError", 415}, {"IntegrityError", 415}, {"TooManyRequests", 429},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(table[i].cls, cls) == 0)
            return table[i].status;
    return 500;
}

void pberr_from_db(const struct db_result *res, struct pberr *e)
{
    if (res->outcome == DB_UNAVAILABLE) {
        e->cls = "OperationalError";
        e->status = 503;
    } else {
        e->cls = db_exception_class(res->sqlstate);
        e->status = pberr_status(e->cls);
    }
    /* SQLAlchemy's DBAPIError message: "(psycopg2.ProgrammingError) column ..." */
    snprintf(e->msg, sizeof e->msg, "(psycopg2.%s) %s", e->cls,
             res->message ? res->message : "unknown error");
}

void pberr_body(struct evbuffer *b, const char *action, const char *target, const struct pberr *e)
{
    evbuffer_add_printf(b, "{\"action\":");
    json_put_str(b, action);
    evbuffer_add_printf(b, ",\"status\":\"failed\",\"status_code\":%d", e->status);
    if (target != NULL) {
        evbuffer_add_printf(b, ",\"target\":");
        json_put_str(b, target);
    }
    evbuffer_add_printf(b, ",\"exception_cls\":");
    json_put_str(b, e->cls);
    evbuffer_add_printf(b, ",\"exception_msg\":");
    json_put_str(b, e->msg);
    evbuffer_add_printf(b, "}");
}
