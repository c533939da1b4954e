/* The helping material API (hmapi.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "app.h"
#include "appver.h"
#include "db.h"
#include "hmapi.h"
#include "http.h"
#include "json.h"
#include "opts.h"
#include "pberr.h"

#define HMAPI_LIMIT_DEFAULT 20
#define HMAPI_LIMIT_MAX 100

/* The HelpingMaterial model's columns, in declaration order, which is the
 * order SQLAlchemy selects them in; priority exists from 2.8.0 on. */
static const char *const hmapi_columns[] = {"id",   "created",   "project_id",
                                            "info", "media_url", "priority"};
enum { HMAPI_COLS_27 = 5, HMAPI_COLS_28 = 6 };

static int model_columns(const struct appver *v)
{
    return v->hm_maps_priority ? HMAPI_COLS_28 : HMAPI_COLS_27;
}

/* Python's int(s): surrounding blanks, a sign, digits. */
static int python_int(const char *s, long long *out)
{
    char *end;
    if (s == NULL)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)s[*s == '-' || *s == '+']))
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (*end != '\0' || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

int hmapi_parse(const char *query, const struct appver *v, struct hmapi_params *p, char *err,
                size_t errlen)
{
    struct evkeyvalq q;
    long long n;
    int rc = 0;

    snprintf(p->limit, sizeof p->limit, "%d", HMAPI_LIMIT_DEFAULT);
    snprintf(p->offset, sizeof p->offset, "0");
    p->orderby = "id";
    p->desc = 0;
    if (query == NULL || evhttp_parse_query_str(query, &q) < 0)
        return 0; /* PyBossa ignores what it cannot read, and so do we */

    if (python_int(evhttp_find_header(&q, "limit"), &n) == 0)
        snprintf(p->limit, sizeof p->limit, "%lld", n < HMAPI_LIMIT_MAX ? n : HMAPI_LIMIT_MAX);
    if (python_int(evhttp_find_header(&q, "offset"), &n) == 0)
        snprintf(p->offset, sizeof p->offset, "%lld", n);
    const char *desc = evhttp_find_header(&q, "desc");
    p->desc = desc != NULL && (strcasecmp(desc, "true") == 0 || strcmp(desc, "1") == 0);

    const char *orderby = evhttp_find_header(&q, "orderby");
    if (orderby != NULL && *orderby != '\0') {
        p->orderby = NULL;
        for (int i = 0; i < model_columns(v); i++)
            if (strcmp(orderby, hmapi_columns[i]) == 0)
                p->orderby = hmapi_columns[i]; /* static text: it goes into the SQL */
        if (p->orderby == NULL) {
            snprintf(err, errlen, "type object 'HelpingMaterial' has no attribute '%s'", orderby);
            rc = -1;
        }
    }
    evhttp_clear_headers(&q);
    return rc;
}

void hmapi_sql(const struct appver *v, const struct hmapi_params *p, char *buf, size_t len)
{
    size_t o = (size_t)snprintf(buf, len, "SELECT ");
    for (int i = 0; i < model_columns(v) && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%shelpingmaterial.%s AS helpingmaterial_%s",
                              i ? ", " : "", hmapi_columns[i], hmapi_columns[i]);
    if (o < len)
        snprintf(buf + o, len - o,
                 " FROM helpingmaterial JOIN project ON project.id = helpingmaterial.project_id"
                 " WHERE project.published = true"
                 " ORDER BY helpingmaterial.%s %s LIMIT $1 OFFSET $2",
                 p->orderby, p->desc ? "DESC" : "ASC");
}

/* PostgreSQL's ISO timestamp "2018-05-02 10:11:12.5" as PyBossa's isoformat
 * string "2018-05-02T10:11:12.5". */
static void put_created(struct evbuffer *b, const PGresult *r, int row)
{
    char iso[64];
    if (PQgetisnull(r, row, 1)) {
        json_put_str(b, NULL);
        return;
    }
    snprintf(iso, sizeof iso, "%s", PQgetvalue(r, row, 1));
    char *space = strchr(iso, ' ');
    if (space != NULL)
        *space = 'T';
    json_put_str(b, iso);
}

static void put_row(struct evbuffer *b, const PGresult *r, int row, const struct appver *v,
                    const char *host)
{
    char link[600];
    const char *id = PQgetvalue(r, row, 0);
    const char *project_id = PQgetvalue(r, row, 2);

    evbuffer_add_printf(b, "{\"id\":%s,\"created\":", id);
    put_created(b, r, row);
    evbuffer_add_printf(b, ",\"project_id\":%s,\"info\":", project_id);
    if (PQgetisnull(r, row, 3))
        evbuffer_add_printf(b, "null");
    else
        evbuffer_add_printf(b, "%s", PQgetvalue(r, row, 3)); /* json column: already JSON */
    evbuffer_add_printf(b, ",\"media_url\":");
    json_put_str(b, PQgetisnull(r, row, 4) ? NULL : PQgetvalue(r, row, 4));
    if (v->hm_maps_priority) {
        evbuffer_add_printf(b, ",\"priority\":");
        json_put_num(b, PQgetisnull(r, row, 5) ? NULL : PQgetvalue(r, row, 5));
    }
    /* PyBossa's HATEOAS links, built from the Host the client used. */
    snprintf(link, sizeof link,
             "<link rel='self' title='helpingmaterial' href='http://%s/api/helpingmaterial/%s'/>",
             host, id);
    evbuffer_add_printf(b, ",\"link\":");
    json_put_str(b, link);
    snprintf(link, sizeof link,
             "<link rel='parent' title='project' href='http://%s/api/project/%s'/>", host,
             project_id);
    evbuffer_add_printf(b, ",\"links\":[");
    json_put_str(b, link);
    evbuffer_add_printf(b, "]}");
}

static void hmapi_on_rows(void *arg, const struct db_result *res)
{
    struct http_exchange *x = arg;
    const struct appver *v = http_exchange_app(x)->opts->ver;
    if (res->outcome != DB_OK) {
        http_reply_db_error(x, "helpingmaterial", res);
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (b == NULL) {
        http_reply(x, 503, NULL, NULL);
        return;
    }
    evbuffer_add_printf(b, "[");
    for (int i = 0; i < PQntuples(res->rows); i++) {
        if (i)
            evbuffer_add_printf(b, ",");
        put_row(b, res->rows, i, v, http_exchange_host(x));
    }
    evbuffer_add_printf(b, "]");
    http_reply(x, 200, "application/json", b);
    evbuffer_free(b);
}

void hmapi_list(struct http_exchange *x)
{
    const struct appver *v = http_exchange_app(x)->opts->ver;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(http_exchange_req(x));
    struct hmapi_params p;
    struct pberr e;
    char sql[1024];

    if (hmapi_parse(uri ? evhttp_uri_get_query(uri) : NULL, v, &p, e.msg, sizeof e.msg) < 0) {
        e.cls = "AttributeError";
        e.status = pberr_status(e.cls);
        http_reply_error(x, "helpingmaterial", &e);
        return;
    }
    hmapi_sql(v, &p, sql, sizeof sql);
    const char *params[] = {p.limit, p.offset};
    db_query(http_exchange_app(x)->db, sql, 2, params, hmapi_on_rows, x);
}
