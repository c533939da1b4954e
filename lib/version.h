/* version.h: what a build of pbprobe says of itself. The release is
 * PACKAGE_VERSION (config.h); the git revision it was built from is made at
 * each build by lib/revision.sh, so that a log or a --version names the
 * exact source, not only the release. */
#ifndef PB_VERSION_H
#define PB_VERSION_H

/* "38936fc6fde0", with "-dirty" when the tree had changes; "unknown" when
 * built outside a checkout from a tarball that does not say. */
const char *version_revision(void);

#endif
