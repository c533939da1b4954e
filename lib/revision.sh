#!/bin/sh
# revision.sh SRCDIR: prints the git revision the tree at SRCDIR is, for
# lib/version.c: "38936fc2a1b0", "-dirty" appended when tracked files differ
# from it. A tarball has no .git: make dist wrote the revision it was made
# from into SRCDIR/.revision. Otherwise "unknown". A checkout that SRCDIR is
# only inside of (a tarball unpacked in one, as make distcheck does) is not
# SRCDIR's revision.
# It runs at every make, beside a user's own git commands: it takes no lock
# (--no-optional-locks), and root building a user's checkout (sudo make
# install) is not refused as a "dubious" owner.
set -u
srcdir=$1
abs=$(cd "$srcdir" && pwd -P) || exit 1
g() {
	git -c safe.directory="$abs" --no-optional-locks -C "$abs" "$@"
}
top=$(g rev-parse --show-toplevel 2>/dev/null) &&
	[ "$top" = "$abs" ] &&
	rev=$(g rev-parse --short=12 HEAD 2>/dev/null) && {
	g diff --quiet HEAD -- 2>/dev/null || rev=$rev-dirty
	echo "$rev"
	exit 0
}
if [ -s "$srcdir/.revision" ]; then
	head -n 1 "$srcdir/.revision"
else
	echo unknown
fi
