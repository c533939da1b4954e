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
