# fuzz/: libFuzzer targets, built only with --enable-fuzz and CC=clang
# (fuzz/run does both). The library sources are compiled into each target
# with its sanitizers, so the code under test is instrumented whatever the
# rest of the build's flags are.
if ENABLE_FUZZ
noinst_PROGRAMS += fuzz/fuzz-logread
FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
fuzz_fuzz_logread_SOURCES = fuzz/fuzz-logread.c \
	lib/logread.c lib/logwrite.c lib/outcome.c lib/redact.c
fuzz_fuzz_logread_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
fuzz_fuzz_logread_LDFLAGS = $(FUZZ_FLAGS)
noinst_PROGRAMS += fuzz/fuzz-targets-file
fuzz_fuzz_targets_file_SOURCES = fuzz/fuzz-targets-file.c probe/targets_file.c
fuzz_fuzz_targets_file_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS) -I$(top_srcdir)/probe
fuzz_fuzz_targets_file_LDFLAGS = $(FUZZ_FLAGS)
endif

EXTRA_DIST += fuzz/run \
	fuzz/corpus/logread/basic \
	fuzz/corpus/logread/concatenated \
	fuzz/corpus/logread/db \
	fuzz/corpus/logread/escapes \
	fuzz/corpus/logread/malformed \
	fuzz/corpus/logread/not-a-log \
	fuzz/corpus/logread/secrets \
	fuzz/corpus/logread/truncated \
	fuzz/corpus/logread/unknown-and-extra \
	fuzz/corpus/logread/version2 \
	fuzz/corpus/logread/abort \
	fuzz/corpus/targets-file/blocks \
	fuzz/corpus/targets-file/one-line \
	fuzz/corpus/targets-file/mistakes \
	fuzz/corpus/report-gate-spec/ok-status \
	fuzz/corpus/report-gate-spec/ok-range \
	fuzz/corpus/report-gate-spec/named-duration \
	fuzz/corpus/report-gate-spec/share \
	fuzz/corpus/report-gate-spec/duration \
	fuzz/corpus/report-gate-spec/named-count \
	fuzz/corpus/report-gate-spec/gate-file \
	fuzz/corpus/report-baseline/report \
	fuzz/corpus/report-baseline/runs \
	fuzz/corpus/report-baseline/small \
	fuzz/corpus/report-baseline/broken
