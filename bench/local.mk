# bench/: benchmarks. `make bench` runs them; `make check` never does, since
# timings on a shared machine are measurements, not pass/fail tests.
# `make bench BENCH_FLAGS=--quick` for the one-minute version.

# Built only by `make bench` (EXTRA_PROGRAMS: not by `all`, not installed).
EXTRA_PROGRAMS = bench/prober-stats bench/timer-floor
bench_prober_stats_SOURCES = bench/prober-stats.c
bench_prober_stats_LDADD = lib/libpb.a -lm
bench_timer_floor_SOURCES = bench/timer-floor.c probe/ptimer.c
bench_timer_floor_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/probe $(LIBEVENT_CFLAGS)
bench_timer_floor_LDADD = lib/libpb.a $(LIBEVENT_LIBS) -lm
CLEANFILES += $(EXTRA_PROGRAMS)
EXTRA_DIST += bench/lib.sh bench/prober.sh bench/prober-tls.sh bench/README.md bench/experiments/proto.c

# bench-prober alone: `make bench-prober BENCH_FLAGS=--quick`. Other
# benchmarks hang themselves on `bench` the same way (report/local.mk).
BENCH_FLAGS =
bench: bench-prober
bench-prober: pbprobe bench/prober-stats bench/timer-floor
	PBPROBE='$(abs_top_builddir)/pbprobe' \
	BENCH_BIN='$(abs_top_builddir)/bench' \
	BENCH_OUT='$(abs_top_builddir)/bench/out' \
	PB_SRC='$(abs_top_srcdir)' \
		'$(abs_top_srcdir)/bench/prober.sh' $(BENCH_FLAGS)
# HTTPS and HTTP/2 beside plain HTTP, each against wrk in the same run.
bench: bench-prober-tls
bench-prober-tls: pbprobe pbprobe-report bench/prober-stats
	PBPROBE='$(abs_top_builddir)/pbprobe' \
	BENCH_BIN='$(abs_top_builddir)/bench' \
	BENCH_OUT='$(abs_top_builddir)/bench/out' \
	PB_SRC='$(abs_top_srcdir)' \
		'$(abs_top_srcdir)/bench/prober-tls.sh' $(BENCH_FLAGS)
.PHONY: bench bench-prober bench-prober-tls
