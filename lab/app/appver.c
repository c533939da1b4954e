/* The release table (appver.h). Adding a release is one row here plus, if its
 * models change, the query it makes in home.c or hmapi.c. */
#include <string.h>

#include "appver.h"

/* 2.7.1 -> 2.7.2 changed no schema; 2.8.0 added alembic revision 8fe68fbf6baa,
 * which adds helpingmaterial.priority, and its model selects that column. */
static const struct appver appver_table[] = {
    {"2.7.1", "52209719b79e", 0},
    {"2.7.2", "52209719b79e", 0},
    {"2.8.0", "8fe68fbf6baa", 1},
};

const struct appver *appver_find(const char *name)
{
    for (size_t i = 0; i < sizeof appver_table / sizeof *appver_table; i++)
        if (strcmp(appver_table[i].name, name) == 0)
            return &appver_table[i];
    return NULL;
}

const char *appver_names(void)
{
    return "2.7.1, 2.7.2, 2.8.0";
}
