# t/: the test suite. `make check` runs t/run-all, which runs every
# t/t[0-9]*.sh script (TAP, sourcing t/lib.sh) and every C unit test.

# Misbehaving TCP peers for the transport-error tests.
check_PROGRAMS += t/helpers/badpeer
t_helpers_badpeer_SOURCES = t/helpers/badpeer.c

# C unit tests of lib/ (cmocka). Without cmocka they are not built, and
# t/run-all says so; they are never replaced by something weaker.
if HAVE_CMOCKA
check_PROGRAMS += t/unit-units t/unit-hist t/unit-logfmt t/unit-decide t/unit-rollout
T_UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
T_UNIT_LDADD = lib/libpb.a $(CMOCKA_LIBS) -lm
t_unit_units_SOURCES = t/unit-units.c
t_unit_units_CFLAGS = $(T_UNIT_CFLAGS)
t_unit_units_LDADD = $(T_UNIT_LDADD)
t_unit_hist_SOURCES = t/unit-hist.c
t_unit_hist_CFLAGS = $(T_UNIT_CFLAGS)
t_unit_hist_LDADD = $(T_UNIT_LDADD)
t_unit_logfmt_SOURCES = t/unit-logfmt.c
t_unit_logfmt_CFLAGS = $(T_UNIT_CFLAGS)
t_unit_logfmt_LDADD = $(T_UNIT_LDADD)
# the lab's Deployment controller, its pure step
t_unit_decide_SOURCES = t/unit-decide.c lab/driver/decide.c lab/driver/decide.h
t_unit_decide_CFLAGS = $(T_UNIT_CFLAGS) -I$(top_srcdir)/lab/driver
t_unit_decide_LDADD = $(T_UNIT_LDADD)
# the rollout driver's options, state files and event lines
t_unit_rollout_SOURCES = t/unit-rollout.c lab/driver/ropts.c lab/driver/labstate.c \
	lab/driver/inst.c lab/driver/evlog.c
t_unit_rollout_CFLAGS = $(T_UNIT_CFLAGS) -I$(top_srcdir)/lab/driver
t_unit_rollout_LDADD = $(T_UNIT_LDADD)
endif

EXTRA_DIST += t/lib.sh t/run-all t/t0000-harness.sh lab/services.sh \
	test.sh .ci/deps.sh .ci/run

# Builds what the suite needs without running it (test.sh, .ci/run).
# Two steps, like automake's own check-am: in one parallel make the programs
# could link against a lib/libpb.a that `all` is still rebuilding.
check-build:
	$(MAKE) $(AM_MAKEFLAGS) all
	$(MAKE) $(AM_MAKEFLAGS) $(check_PROGRAMS)
.PHONY: check-build

# Absolute paths: the scripts cd into temporary directories. PB_CHECK, when
# given (make check PB_CHECK='t/t1000-prober-options.sh ...'), runs only those
# (paths relative to the source tree): .ci/package's make distcheck does.
check-local: $(check_PROGRAMS)
	set --; for t in $(PB_CHECK); do set -- "$$@" '$(abs_top_srcdir)'/"$$t"; done; \
	PB_BUILD='$(abs_top_builddir)' PB_SRC='$(abs_top_srcdir)' \
		'$(abs_top_srcdir)/t/run-all' "$$@"
