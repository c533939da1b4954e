# report/: pbprobe-report, the reader of pbprobe logs and the release gate.
bin_PROGRAMS += pbprobe-report
pbprobe_report_SOURCES = \
	report/main.c \
	report/config.h \
	report/options.c report/options.h \
	report/gate_spec.c report/gate_spec.h \
	report/ingest.c report/ingest.h \
	report/strmap.c report/strmap.h \
	report/analysis.h \
	report/analyze.c report/analyze.h \
	report/mix.c report/mix.h \
	report/spans.c report/spans.h \
	report/windows.c report/windows.h \
	report/bursts.c report/bursts.h \
	report/versions.c report/versions.h \
	report/gate.c report/gate.h \
	report/fmt.c report/fmt.h \
	report/output.h \
	report/out_text.c \
	report/out_json.c \
	report/out_junit.c \
	report/out_markdown.c \
	report/plot.c
pbprobe_report_LDADD = lib/libpb.a -lm
dist_man_MANS += docs/pbprobe-report.1
EXTRA_DIST += docs/report-json.md

# C unit tests of the report's pure parts (cmocka): window and burst state
# machines against brute-force definitions, the parsers, the printing helpers.
if HAVE_CMOCKA
check_PROGRAMS += t/unit-report-analysis t/unit-report-spec
t_unit_report_analysis_SOURCES = report/unit-analysis.c \
	report/windows.c report/bursts.c report/spans.c report/mix.c report/versions.c
t_unit_report_analysis_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
t_unit_report_analysis_LDADD = lib/libpb.a $(CMOCKA_LIBS) -lm
t_unit_report_spec_SOURCES = report/unit-spec.c report/gate_spec.c report/fmt.c
t_unit_report_spec_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
t_unit_report_spec_LDADD = lib/libpb.a $(CMOCKA_LIBS) -lm
endif

# libFuzzer target of the report's own parsers (--enable-fuzz, clang). The
# log reader's target is lib's, in fuzz/.
if ENABLE_FUZZ
noinst_PROGRAMS += fuzz/fuzz-report-gate-spec
fuzz_fuzz_report_gate_spec_SOURCES = report/fuzz-gate-spec.c report/gate_spec.c lib/units.c
fuzz_fuzz_report_gate_spec_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined
fuzz_fuzz_report_gate_spec_LDFLAGS = -fsanitize=fuzzer,address,undefined
fuzz_fuzz_report_gate_spec_LDADD = lib/libpb.a -lm
endif
