/* The PyBossa releases the stand-in can pretend to be, and what differs between
 * them that the upgrade drills care about: the columns each one's ORM selects. */
#ifndef LAB_APPVER_H
#define LAB_APPVER_H

struct appver {
    const char *name;         /* "2.8.0": sent in X-App-Version */
    const char *alembic_head; /* the revision this release's migrations end at */
    int hm_maps_priority;     /* its HelpingMaterial model maps the priority column */
};

/* NULL when name is not a release we model. */
const struct appver *appver_find(const char *name);

/* "2.7.1, 2.7.2, 2.8.0", for --help and error messages. */
const char *appver_names(void);

#endif
