# probe/: pbprobe, the open-loop prober.
bin_PROGRAMS += pbprobe
pbprobe_SOURCES = probe/main.c
pbprobe_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBCURL_CFLAGS) $(LIBPQ_CFLAGS)
pbprobe_LDADD = lib/libpb.a $(LIBEVENT_LIBS) $(LIBCURL_LIBS) $(LIBPQ_LIBS) -lm
