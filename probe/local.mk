# probe/: pbprobe, the open-loop prober.
bin_PROGRAMS += pbprobe
pbprobe_SOURCES = \
	probe/main.c \
	probe/child.c probe/child.h \
	probe/classify.c probe/classify.h \
	probe/http.c probe/http.h \
	probe/mark.c probe/mark.h \
	probe/options.c probe/options.h \
	probe/redact.c probe/redact.h \
	probe/reqid.c probe/reqid.h \
	probe/run.c probe/run.h \
	probe/schedule.h \
	probe/status.c probe/status.h
pbprobe_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBCURL_CFLAGS) $(LIBPQ_CFLAGS)
pbprobe_LDADD = lib/libpb.a $(LIBEVENT_LIBS) $(LIBCURL_LIBS) $(LIBPQ_LIBS) -lm
