# lib/: what pbprobe and pbprobe-report share (log format, units, histogram).
noinst_LIBRARIES += lib/libpb.a
lib_libpb_a_SOURCES = \
	lib/clock.h \
	lib/hist.c lib/hist.h \
	lib/logevent.h \
	lib/logread.c lib/logread.h \
	lib/logwrite.c lib/logwrite.h \
	lib/outcome.c lib/outcome.h \
	lib/redact.c lib/redact.h \
	lib/schedule.h \
	lib/units.c lib/units.h \
	lib/version.c lib/version.h

# The git revision of the build (lib/version.c), asked of git at every make
# and written only when it changed, so that a commit rebuilds one file. A
# tarball carries the revision it was made from in .revision (dist-hook).
# When git cannot tell (not installed, say), a revision found before stays.
BUILT_SOURCES += pb-revision.h
DISTCLEANFILES += pb-revision.h
EXTRA_DIST += lib/revision.sh
pb-revision.h: pb-revision-check
	@rev=$$($(SHELL) $(srcdir)/lib/revision.sh $(srcdir) | tr -cd '0-9A-Za-z.+-'); \
	if test "$${rev:-unknown}" = unknown && test -s $@; then exit 0; fi; \
	printf '#define PB_REVISION "%s"\n' "$${rev:-unknown}" >$@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
# make pbprobe alone does not make BUILT_SOURCES first
lib/version.$(OBJEXT): pb-revision.h
.PHONY: pb-revision-check
