/* GET /api/helpingmaterial: PyBossa's API listing of helping material of
 * published projects. The query names the columns the release's model maps,
 * which is what breaks 2.8.0 on the 2.7 schema (no helpingmaterial.priority). */
#ifndef LAB_HMAPI_H
#define LAB_HMAPI_H

#include <stddef.h>

struct appver;
struct http_exchange;

struct hmapi_params {
    char limit[24];      /* text for $1: PyBossa's min(100, int(limit)), default 20 */
    char offset[24];     /* text for $2: int(offset), default 0 */
    const char *orderby; /* a column of the model; default "id" */
    int desc;
};

/* Reads limit, offset, orderby and desc from a query string (NULL: none) as
 * PyBossa's API does: a limit or offset that is not an integer falls back to
 * its default, a negative one goes to the database, which rejects it. Returns
 * 0, or -1 when orderby is not a column of this release's model, with
 * Python's AttributeError text in err. */
int hmapi_parse(const char *query, const struct appver *v, struct hmapi_params *p, char *err,
                size_t errlen);

/* The SELECT this release makes, with $1 = limit and $2 = offset. */
void hmapi_sql(const struct appver *v, const struct hmapi_params *p, char *buf, size_t len);

void hmapi_list(struct http_exchange *x);

#endif
