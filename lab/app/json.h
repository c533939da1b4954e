/* Writing JSON and HTML text into an evbuffer: the only escaping in the app, so
 * every string from the database or the client goes through one of these. */
#ifndef LAB_JSON_H
#define LAB_JSON_H

#include <event2/buffer.h>

/* A JSON string literal with quotes, or null when s is NULL. */
void json_put_str(struct evbuffer *b, const char *s);

/* A JSON number from PostgreSQL's text form of a number, or null when s is NULL
 * or not finite: "NaN" and "Infinity" are valid float8 values but not JSON. */
void json_put_num(struct evbuffer *b, const char *s);

/* Text for HTML element content or a quoted attribute. */
void html_put_text(struct evbuffer *b, const char *s);

#endif
