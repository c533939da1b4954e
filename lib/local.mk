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
	lib/units.c lib/units.h
