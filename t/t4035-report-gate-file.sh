#!/bin/bash
# --gate FILE: the gate's rules in a file, per target, with warn levels. Each
# rule at its limit and just past it, at both levels; where a limit came from
# in every format; options over the file; every mistake a FILE:LINE error.
# The log is t/data/report-outage.log: target home, 40 requests, 6 failed,
# downtime 600 ms in two windows, the longest 500 ms.
. "$(dirname "$0")/lib.sh"

R=$PB_BUILD/pbprobe-report
LOG=$PB_SRC/t/data/report-outage.log

test_expect_success 'fail levels from the file: at the limit passes, just past it fails, naming FILE:LINE' '
	printf "max-errors = 6\n[home]\nmax-window = 500ms\n" >at.rules &&
	test_expect_code 0 "$R" --gate at.rules "$LOG" >out &&
	grep -q "^PASS" out &&
	printf "max-errors = 6\n[home]\nmax-window = 499999us\n" >past.rules &&
	test_expect_code 1 "$R" --gate past.rules "$LOG" >out &&
	grep -qx "FAIL  home: a downtime window of 500.0ms at +1.00s (past.rules:3: max-window = 499999us)" out &&
	printf "max-errors = 5\n" >errors.rules &&
	test_expect_code 1 "$R" --gate errors.rules "$LOG" >out &&
	grep -q "home: 6 failed requests (errors.rules:1: max-errors = 5)" out
'

test_expect_success 'warn levels: at the limit nothing, just past it a WARN line, and still a pass (exit 0)' '
	printf "max-errors = 10\nwarn max-errors = 6\n[home]\nwarn max-window = 500ms\nwarn max-downtime = 600ms\n" >warn-at.rules &&
	test_expect_code 0 "$R" --gate warn-at.rules "$LOG" >out &&
	! grep -q WARN out &&
	printf "max-errors = 10\nwarn max-errors = 5\n[home]\nwarn max-window = 499999us\nmax-window = 1s\n" >warn.rules &&
	test_expect_code 0 "$R" --gate warn.rules "$LOG" >out &&
	cat out &&
	grep -q "^PASS" out &&
	grep -qx "WARN  home: 6 failed requests (warn.rules:2: warn max-errors = 5)" out &&
	grep -qx "WARN  home: a downtime window of 500.0ms at +1.00s (warn.rules:4: warn max-window = 499999us)" out
'

test_expect_success 'warnings in JSON, JUnit (a skipped marker) and Markdown; where each limit came from' '
	test_expect_code 0 "$R" -f json --gate warn.rules --max-p99 10s "$LOG" >out.json &&
	jq -e ".gate.passed and (.gate.warnings | length == 2)" out.json &&
	jq -e "[.gate.checks[] | select(.rule == \"max-window\")][0] |
		.source == \"file\" and .from == \"warn.rules:5\" and .limit_s == 1 and
		.warn.from == \"warn.rules:4\" and .warn.warned" out.json &&
	jq -e "[.gate.checks[] | select(.rule == \"max-p99\")][0] | .source == \"option\" and .from == null and .warn == null" out.json &&
	jq -e "[.gate.checks[] | select(.rule == \"min-requests\")][0] | .source == \"default\"" out.json &&
	test_expect_code 0 "$R" -f junit --gate warn.rules "$LOG" >out.xml &&
	grep -q "<testsuite .* failures=\"0\" .* skipped=\"2\"" out.xml &&
	test "$(grep -c "<skipped message=\"WARN: home: " out.xml)" = 2 &&
	test_expect_code 0 "$R" -f markdown --gate warn.rules "$LOG" >out.md &&
	test "$(grep -c "^- WARN: home: " out.md)" = 2
'

test_expect_success 'options come after the file: the same reach overrides it, a target'"'"'s own rule beats every target'"'"'s' '
	printf "[home]\nmax-errors = 100\n" >loose.rules &&
	test_expect_code 0 "$R" --gate loose.rules --max-errors 0 "$LOG" >/dev/null &&
	test_expect_code 1 "$R" --gate loose.rules --max-errors home:0 "$LOG" >out &&
	grep -q "home: 6 failed requests (--max-errors home:0)" out &&
	printf "max-errors = 0\n" >strict.rules &&
	test_expect_code 0 "$R" --gate strict.rules --max-errors 6 "$LOG" >/dev/null
'

# bad NAME TEXT WHY: the file NAME holding TEXT is refused with exit 2 and
# a message that starts with NAME:LINE and holds WHY
bad() {
	printf "%b" "$2" >"$1" &&
	test_expect_code 2 "$R" --gate "$1" "$LOG" 2>err &&
	if ! grep -q "^pbprobe-report: $1:[0-9]*: .*$3" err; then
		echo "$1: got: $(cat err)" >&2
		return 1
	fi
}

test_expect_success 'every mistake is exit 2 with FILE:LINE and why' '
	bad unknown.rules "max-errors = 0\nmax-windows = 1s\n" "unknown rule \"max-windows\" (rules: max-errors" &&
	grep -q "unknown.rules:2:" err &&
	bad noeq.rules "max-window 1s\n" "not \"\[warn\] RULE = VALUE\"" &&
	bad novalue.rules "max-window =\n" "max-window: no value" &&
	bad value.rules "[home]\nmax-window = soon\n" "max-window" &&
	grep -q "value.rules:2:" err &&
	bad share.rules "max-error-rate = 5\n" "not a percentage" &&
	bad block.rules "[home\n" "a block.s header is \[NAME\] or \[\*\]" &&
	bad name.rules "[ho me]\n" "bad target name" &&
	bad target.rules "[apii]\nmax-p99 = 1s\n" "\[apii\]: no target \"apii\" in the logs (targets: home)" &&
	bad twice.rules "[home]\nmax-p99 = 1s\nmax-p99 = 2s\n" "max-p99 set twice for \\[home\\] (twice.rules:2)" &&
	bad minwarn.rules "warn min-requests = 10\n" "min-requests has no warn level" &&
	bad blindwarn.rules "warn max-blind = 1s\n" "max-blind has no warn level" &&
	bad colon.rules "max-errors = home:100\n" "max-errors: \"home:100\": a value holds no .:." &&
	bad again.rules "max-errors = 0\n[*]\nmax-errors = 100\n" "max-errors set twice for every target (again.rules:1)" &&
	grep -q "again.rules:3:" err &&
	bad again2.rules "[home]\nwarn max-p99 = 1s\n[home]\nwarn max-p99 = 2s\n" "warn max-p99 set twice for \[home\] (again2.rules:2)" &&
	bad escape.rules "\033[2Jmax = 1\n" "unknown rule \"?\[2Jmax\"" &&
	bad long.rules "[$(printf "%0300d" 0)]\n" "a target name of 300 bytes in \[...\]: too long" &&
	printf "max-errors = 0\n\0\n" >nul.rules &&
	test_expect_code 2 "$R" --gate nul.rules "$LOG" 2>err &&
	grep -q "nul.rules: a NUL byte" err &&
	test_expect_code 2 "$R" --gate no-such.rules "$LOG" 2>err &&
	grep -q "^pbprobe-report: --gate no-such.rules: No such file or directory" err &&
	test_expect_code 2 "$R" --gate at.rules --gate at.rules "$LOG" 2>err &&
	grep -q "gate given twice" err
'

test_expect_success 'a UTF-8 byte order mark is fine' '
	printf "\357\273\277max-errors = 6\n" >bom.rules &&
	test_expect_code 0 "$R" --gate bom.rules "$LOG" >/dev/null
'

test_expect_success 'comments, blank lines, CRLF, spaces and [*] are fine' '
	printf "# the gate\r\n\r\n  [home]  \r\n  max-errors   =   6  # six\r\n[*]\r\nwarn max-downtime = 599ms\r\nmax-window = 1s\r\n" >crlf.rules &&
	test_expect_code 0 "$R" --gate crlf.rules "$LOG" >out &&
	grep -qx "WARN  home: 600.0ms of downtime in 2 windows (crlf.rules:6: warn max-downtime = 599ms)" out
'

test_done
