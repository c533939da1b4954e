#!/bin/sh
# revision.sh SRCDIR: prints the git revision the tree at SRCDIR is, for
# lib/version.c: "38936fc2a1b0", "-dirty" appended when tracked files differ
# from it. A tarball has no .git: make dist wrote the revision it was made
# from into SRCDIR/.revision. Otherwise "unknown". A checkout that SRCDIR is
# only inside of (a tarball unpacked in one, as make distcheck does) is not
# SRCDIR's revision.
set -u
srcdir=$1
top=$(git -C "$srcdir" rev-parse --show-toplevel 2>/dev/null) &&
	[ "$top" = "$(cd "$srcdir" && pwd -P)" ] &&
	rev=$(git -C "$srcdir" rev-parse --short=12 HEAD 2>/dev/null) && {
	git -C "$srcdir" update-index -q --refresh >/dev/null 2>&1
	git -C "$srcdir" diff-index --quiet HEAD -- 2>/dev/null || rev=$rev-dirty
	echo "$rev"
	exit 0
}
if [ -s "$srcdir/.revision" ]; then
	head -n 1 "$srcdir/.revision"
else
	echo unknown
fi
