/* The front page (home.h): HTML, or the template data as JSON when the
 * request is JSON, as PyBossa's handle_content_type does. */
#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "appver.h"
#include "db.h"
#include "home.h"
#include "http.h"
#include "json.h"
#include "opts.h"

/* The front page lists published projects; the same query in every release. */
static const char home_sql[] =
    "SELECT project.id, project.short_name, project.name, project.description "
    "FROM project WHERE project.published = true ORDER BY project.id LIMIT 20";

static void home_json(struct evbuffer *b, const PGresult *r)
{
    evbuffer_add_printf(b, "{\"template\":\"/home/index.html\",\"title\":\"Home\",\"projects\":[");
    for (int i = 0; i < PQntuples(r); i++) {
        evbuffer_add_printf(b, "%s{\"id\":%s,\"short_name\":", i ? "," : "", PQgetvalue(r, i, 0));
        json_put_str(b, PQgetvalue(r, i, 1));
        evbuffer_add_printf(b, ",\"name\":");
        json_put_str(b, PQgetvalue(r, i, 2));
        evbuffer_add_printf(b, ",\"description\":");
        json_put_str(b, PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3));
        evbuffer_add_printf(b, "}");
    }
    evbuffer_add_printf(b, "]}");
}

static void home_html(struct evbuffer *b, const PGresult *r, const char *version)
{
    evbuffer_add_printf(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                           "<title>PYBOSSA &middot; Home</title></head>\n<body>\n"
                           "<h1>PYBOSSA</h1>\n<ul class=\"projects\">\n");
    for (int i = 0; i < PQntuples(r); i++) {
        evbuffer_add_printf(b, "<li><a href=\"/project/");
        html_put_text(b, PQgetvalue(r, i, 1));
        evbuffer_add_printf(b, "/\">");
        html_put_text(b, PQgetvalue(r, i, 2));
        evbuffer_add_printf(b, "</a> ");
        html_put_text(b, PQgetvalue(r, i, 3));
        evbuffer_add_printf(b, "</li>\n");
    }
    evbuffer_add_printf(b,
                        "</ul>\n<footer>pybossa-standin %s (a lab stand-in, not PyBossa)"
                        "</footer>\n</body></html>\n",
                        version);
}

static void home_on_rows(void *arg, const struct db_result *res)
{
    struct http_exchange *x = arg;
    if (res->outcome != DB_OK) {
        http_reply_db_error(x, NULL, res);
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (b == NULL) {
        http_reply(x, 503, NULL, NULL);
        return;
    }
    if (http_exchange_wants_json(x)) {
        home_json(b, res->rows);
        http_reply(x, 200, "application/json", b);
    } else {
        home_html(b, res->rows, http_exchange_app(x)->opts->ver->name);
        http_reply(x, 200, "text/html; charset=utf-8", b);
    }
    evbuffer_free(b);
}

void home_get(struct http_exchange *x)
{
    db_query(http_exchange_app(x)->db, home_sql, 0, NULL, home_on_rows, x);
}
