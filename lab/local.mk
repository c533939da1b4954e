# lab/: the one-machine reproduction of the upgrades. pybossa-standin is a
# stand-in for PyBossa (lab/README.md), the app the rollouts replace.
noinst_PROGRAMS += lab/pybossa-standin
lab_pybossa_standin_SOURCES = \
	lab/app/main.c \
	lab/app/app.h \
	lab/app/appver.c lab/app/appver.h \
	lab/app/applog.c lab/app/applog.h \
	lab/app/db.c lab/app/db.h \
	lab/app/hmapi.c lab/app/hmapi.h \
	lab/app/home.c lab/app/home.h \
	lab/app/http.c lab/app/http.h \
	lab/app/json.c lab/app/json.h \
	lab/app/opts.c lab/app/opts.h \
	lab/app/pberr.c lab/app/pberr.h
lab_pybossa_standin_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBPQ_CFLAGS)
lab_pybossa_standin_LDADD = lib/libpb.a $(LIBEVENT_LIBS) $(LIBPQ_LIBS) -lm
EXTRA_DIST += \
	lab/README.md \
	lab/sql/schema.sql \
	lab/sql/seed.sql \
	lab/sql/migrate-8fe68fbf6baa.sql \
	lab/sql/downgrade-8fe68fbf6baa.sql \
	t/t5000-standin.sh
# The lab's upgrades: the rollout driver, the steps and their platform layer,
# the scenario scripts (lab/README.md), and their tests.
EXTRA_DIST += \
	upgrade/steps.sh \
	lab/platform-lab.sh \
	upgrade/scenario.sh \
	lab/scenarios/baseline.sh \
	lab/scenarios/setup.sh \
	lab/scenarios/teardown.sh \
	lab/scenarios/init-at-2-7-1.sh \
	lab/scenarios/upgrade-from-2-7-1-to-2-7-2.sh \
	lab/scenarios/failing-upgrade-from-2-7-2-to-2-8-0.sh \
	lab/scenarios/upgrade-from-2-7-2-to-2-8-0.sh \
	lab/scenarios/recreate-upgrade-from-2-7-1-to-2-7-2.sh \
	lab/scenarios/no-readiness-upgrade-from-2-7-2-to-2-8-0.sh \
	lab/scenarios/migration-after-upgrade-from-2-7-2-to-2-8-0.sh \
	lab/scenarios/no-prestop-restart-at-2-8-0.sh \
	lab/scenarios/ignore-sigterm-restart-at-2-8-0.sh \
	t/lib-lab.sh \
	t/t5100-lab-driver.sh \
	t/t5200-lab-safe-upgrades.sh \
	t/t5300-lab-failing-upgrade.sh \
	t/t5400-lab-negative-controls.sh
# The rollout driver (lab/README.md): one libevent loop around the pure
# decide() step.
noinst_PROGRAMS += lab/rollout-driver
lab_rollout_driver_SOURCES = \
	lab/driver/main.c \
	lab/driver/drv.c lab/driver/drv.h \
	lab/driver/ctl.c \
	lab/driver/term.c \
	lab/driver/decide.c lab/driver/decide.h \
	lab/driver/ropts.c lab/driver/ropts.h \
	lab/driver/labstate.c lab/driver/labstate.h \
	lab/driver/inst.c lab/driver/inst.h \
	lab/driver/evlog.c lab/driver/evlog.h \
	lab/driver/hap.c lab/driver/hap.h \
	lab/driver/proc.c lab/driver/proc.h \
	lab/driver/rprobe.c lab/driver/rprobe.h
lab_rollout_driver_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)
lab_rollout_driver_LDADD = lib/libpb.a $(LIBEVENT_LIBS) -lm
