# probe/: pbprobe, the open-loop prober.
bin_PROGRAMS += pbprobe
pbprobe_SOURCES = \
	probe/main.c \
	probe/about.c probe/about.h \
	probe/child.c probe/child.h \
	probe/classify.c probe/classify.h \
	probe/db.c probe/db.h \
	probe/evtimer.h \
	probe/guard.c probe/guard.h \
	probe/http.c probe/http.h \
	probe/mark.c probe/mark.h \
	probe/options.c probe/options.h \
	probe/pgconn.c probe/pgconn.h \
	probe/ptimer.c probe/ptimer.h \
	probe/reqid.c probe/reqid.h \
	probe/run.c probe/run.h \
	probe/status.c probe/status.h \
	probe/targets_file.c probe/targets_file.h
pbprobe_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBCURL_CFLAGS) $(LIBPQ_CFLAGS)
pbprobe_LDADD = lib/libpb.a $(LIBEVENT_LIBS) $(LIBCURL_LIBS) $(LIBPQ_LIBS) -lm

# The prober's own test programs live in t/ but are built here, beside the
# sources they test.
check_PROGRAMS += t/helpers/logcat
t_helpers_logcat_SOURCES = t/helpers/logcat.c
t_helpers_logcat_LDADD = lib/libpb.a
check_PROGRAMS += t/helpers/clocks
t_helpers_clocks_SOURCES = t/helpers/clocks.c

if HAVE_CMOCKA
check_PROGRAMS += t/unit-probe
t_unit_probe_SOURCES = t/unit-probe.c \
	probe/about.c probe/classify.c probe/guard.c probe/mark.c probe/options.c \
	probe/targets_file.c
t_unit_probe_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBCURL_CFLAGS) $(LIBPQ_CFLAGS) $(CMOCKA_CFLAGS)
t_unit_probe_LDADD = lib/libpb.a $(LIBEVENT_LIBS) $(LIBCURL_LIBS) $(LIBPQ_LIBS) $(CMOCKA_LIBS) -lm
endif
