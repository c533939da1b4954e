# report/: pbprobe-report, the reader of pbprobe logs and the release gate.
bin_PROGRAMS += pbprobe-report
pbprobe_report_SOURCES = \
	report/main.c \
	report/about.c report/about.h \
	report/report_config.h report/exit.h \
	report/options.c report/options.h \
	report/gate_spec.c report/gate_spec.h \
	report/gate_file.c report/gate_file.h \
	report/baseline.c report/baseline.h \
	report/regression.c report/regression.h \
	report/ingest.c report/ingest.h \
	report/pipe.c report/pipe.h \
	report/strmap.c report/strmap.h \
	report/analysis.c report/analysis.h \
	report/analyze.c report/analyze.h \
	report/mix.c report/mix.h \
	report/spans.c report/spans.h \
	report/windows.c report/windows.h \
	report/blind.c report/blind.h \
	report/bursts.c report/bursts.h \
	report/versions.c report/versions.h \
	report/splits.c report/splits.h \
	report/dbanalysis.c report/dbanalysis.h \
	report/runs.c report/runs.h \
	report/gate.c report/gate.h \
	report/fmt.c report/fmt.h \
	report/output.h \
	report/out_text.c \
	report/out_json.c \
	report/out_junit.c \
	report/out_markdown.c \
	report/out_html.c \
	report/html_svg.c report/html_svg.h \
	report/out_openmetrics.c \
	report/plot.c
pbprobe_report_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -pthread
pbprobe_report_LDFLAGS = -pthread
pbprobe_report_LDADD = lib/libpb.a $(JANSSON_LIBS) -lm
dist_man_MANS += docs/pbprobe-report.1
EXTRA_DIST += t/helpers/om-parse.py t/data/junit.xsd \
	docs/html-report.png t/data/html-marks.log t/data/html-later.log t/data/html-hostile.log \
	t/data/plot-rollout.log t/data/plot-db-only.log t/data/om-alike.log

# The report's test scripts and the hand-made logs they read.
EXTRA_DIST += \
	t/t4000-report-usage.sh \
	t/t4010-report-bad-input.sh \
	t/t4020-report-analysis.sh \
	t/t4030-report-gate.sh \
	t/t4040-report-formats.sh \
	t/t4042-report-openmetrics.sh \
	t/t4045-report-html.sh \
	t/t4100-report-outage.sh \
	t/t4110-report-haproxy-burst.sh \
	t/t4120-report-merge.sh \
	t/t4125-report-runs.sh \
	t/t4130-report-prober-limits.sh \
	t/t4140-report-by-peer.sh \
	t/t4150-report-keepalive-hides.sh \
	t/t4300-report-plot.sh \
	t/t6100-report-db.sh \
	t/data/bad-db.log \
	t/data/bad-sqlstate.log \
	t/data/bad-sqlstate-newline.log \
	t/data/report-db.log \
	t/data/report-db-open.log \
	t/data/bad-concat.log \
	t/data/bad-duplicate-target.log \
	t/data/bad-empty.log \
	t/data/bad-fields.log \
	t/data/bad-header-only.log \
	t/data/bad-latency.log \
	t/data/bad-lenient.log \
	t/data/bad-not-a-log.log \
	t/data/bad-order.log \
	t/data/bad-outcome.log \
	t/data/bad-time.log \
	t/data/bad-truncated.log \
	t/data/bad-undeclared.log \
	t/data/bad-version.log \
	t/data/forward-compat.log \
	t/data/report-burst.log \
	t/data/report-clean.log \
	t/data/report-hostile.log \
	t/data/report-missing.log \
	t/data/report-observed.log \
	t/data/report-open.log \
	t/data/report-outage.log \
	t/data/report-pod-a.log \
	t/data/report-pod-b.log \
	t/data/report-pod-c.log \
	t/data/report-skipped.log \
	t/data/report-stalled.log \
	t/data/report-versions.log

# C unit tests of the report's pure parts (cmocka): window and burst state
# machines against brute-force definitions, the parsers, the printing helpers.
if HAVE_CMOCKA
check_PROGRAMS += t/unit-report-analysis t/unit-report-spec
t_unit_report_analysis_SOURCES = t/unit-report-analysis.c \
	report/windows.c report/blind.c report/bursts.c report/spans.c report/mix.c \
	report/versions.c
t_unit_report_analysis_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
t_unit_report_analysis_LDADD = lib/libpb.a $(CMOCKA_LIBS) -lm
t_unit_report_spec_SOURCES = t/unit-report-spec.c report/gate_spec.c report/fmt.c
t_unit_report_spec_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
t_unit_report_spec_LDADD = lib/libpb.a $(CMOCKA_LIBS) -lm
endif

# libFuzzer target of the report's own parsers (--enable-fuzz, clang). The
# log reader's target is lib's, in fuzz/.
if ENABLE_FUZZ
noinst_PROGRAMS += fuzz/fuzz-report-gate-spec
fuzz_fuzz_report_gate_spec_SOURCES = report/fuzz-gate-spec.c report/gate_spec.c \
	report/gate_file.c lib/units.c
fuzz_fuzz_report_gate_spec_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined
fuzz_fuzz_report_gate_spec_LDFLAGS = -fsanitize=fuzzer,address,undefined
fuzz_fuzz_report_gate_spec_LDADD = lib/libpb.a -lm
noinst_PROGRAMS += fuzz/fuzz-report-baseline
fuzz_fuzz_report_baseline_SOURCES = report/fuzz-baseline.c report/baseline.c
fuzz_fuzz_report_baseline_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -fsanitize=fuzzer,address,undefined
fuzz_fuzz_report_baseline_LDFLAGS = -fsanitize=fuzzer,address,undefined
fuzz_fuzz_report_baseline_LDADD = $(JANSSON_LIBS) -lm
endif

# make bench: the report against mawk and gawk on generated logs
# (bench/report-bench.sh). The generator writes through lib's one writer; it
# is built with `all` (one small file) because bench/local.mk assigns
# EXTRA_PROGRAMS with '=' after this fragment is read.
noinst_PROGRAMS += bench/report-genlog
bench_report_genlog_SOURCES = bench/report-genlog.c
bench_report_genlog_LDADD = lib/libpb.a -lm
EXTRA_DIST += bench/report-bench.sh
bench: bench-report
bench-report: pbprobe-report bench/report-genlog
	PB_BUILD=$(abs_builddir) $(SHELL) $(srcdir)/bench/report-bench.sh
.PHONY: bench bench-report
# the HTML report of a 1M-request log: its size, and Chromium's load time
EXTRA_DIST += bench/html-report.sh
bench: bench-html
bench-html: pbprobe-report bench/report-genlog
	PB_BUILD=$(abs_builddir) bash $(srcdir)/bench/html-report.sh
.PHONY: bench-html
