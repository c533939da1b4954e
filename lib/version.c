/* version.c: the git revision of this build. pb-revision.h is generated in
 * the build tree at every make (Makefile.am) and rewritten only when the
 * revision changed, so only this file rebuilds after a commit. */
#include "version.h"

#include "pb-revision.h"

const char *version_revision(void)
{
    return PB_REVISION;
}
