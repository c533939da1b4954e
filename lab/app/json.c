/* JSON and HTML escaping (json.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void json_put_str(struct evbuffer *b, const char *s)
{
    if (s == NULL) {
        evbuffer_add(b, "null", 4);
        return;
    }
    evbuffer_add(b, "\"", 1);
    const char *run = s; /* copy unescaped runs in one call, not byte by byte */
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        const char *esc = NULL;
        char ubuf[8];
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        default:
            if (c < 0x20) {
                static const char hex[] = "0123456789abcdef";
                memcpy(ubuf, "\\u00", 4);
                ubuf[4] = hex[c >> 4];
                ubuf[5] = hex[c & 15];
                ubuf[6] = '\0';
                esc = ubuf;
            }
        }
        if (esc) {
            evbuffer_add(b, run, (size_t)(p - run));
            evbuffer_add(b, esc, strlen(esc));
            run = p + 1;
        }
    }
    evbuffer_add(b, run, strlen(run));
    evbuffer_add(b, "\"", 1);
}

void json_put_num(struct evbuffer *b, const char *s)
{
    char *end;
    if (s == NULL || *s == '\0') {
        evbuffer_add(b, "null", 4);
        return;
    }
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v)) {
        evbuffer_add(b, "null", 4);
        return;
    }
    evbuffer_add(b, s, strlen(s)); /* PostgreSQL's shortest exact text, kept as is */
}

void html_put_text(struct evbuffer *b, const char *s)
{
    if (s == NULL)
        return;
    const char *run = s;
    for (const char *p = s; *p; p++) {
        const char *esc = NULL;
        switch (*p) {
        case '&':
            esc = "&amp;";
            break;
        case '<':
            esc = "&lt;";
            break;
        case '>':
            esc = "&gt;";
            break;
        case '"':
            esc = "&quot;";
            break;
        case '\'':
            esc = "&#39;";
            break;
        }
        if (esc) {
            evbuffer_add(b, run, (size_t)(p - run));
            evbuffer_add(b, esc, strlen(esc));
            run = p + 1;
        }
    }
    evbuffer_add(b, run, strlen(run));
}
