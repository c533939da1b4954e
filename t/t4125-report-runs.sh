#!/bin/bash
# `pbprobe-report logs/*.log` over a folder holding the logs of several runs:
# logs that overlap in time (probers of one run) are merged, logs that do not
# (by more than --burst-gap) are separate runs, each with its own verdict,
# and the exit status is the worst of them. Three runs against a real nginx: two probers through an
# outage the test makes, then a clean run, then a run whose log is cut short.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
LOGCAT=$PB_BUILD/t/helpers/logcat
RATE=100
TOL_US=$((1000000 / RATE + 5000))
ACCESS=$TEST_DIR/ng/access.log
port=$(free_port)
svc_nginx_start "$TEST_DIR/ng" "$port" || skip_all "nginx did not start"
URL=http://127.0.0.1:$port/

now_us() { date +%s%6N; }
us() { jq "$1 * 1000000 | round" j; }

test_expect_success 'run 1: two probers through a stop and a start of nginx' '
	"$PB" -q --rate $RATE --duration 3s -o pod-a.log home=$URL &
	a=$!
	"$PB" -q --rate $RATE --duration 3s -o pod-b.log home=$URL &
	b=$! &&
	sleep 1 &&
	down_from=$(now_us) && svc_nginx_stop "$TEST_DIR/ng" && down_to=$(now_us) &&
	sleep 0.5 &&
	up_from=$(now_us) && svc_nginx_start "$TEST_DIR/ng" "$port" && up_to=$(now_us) &&
	wait $a && wait $b &&
	echo "$down_from $down_to $up_from $up_to" >truth
'
test_expect_success 'run 2: one prober, nginx up throughout; run 3: one prober, its log cut short' '
	# runs apart by more than --burst-gap (1 s): closer, they are one run
	sleep 1.5 &&
	"$PB" -q --rate $RATE --duration 1s -o clean.log home=$URL &&
	sleep 1.5 &&
	"$PB" -q --rate $RATE --duration 1s -o full.log home=$URL &&
	head -n 50 full.log >cut.log &&
	mkdir logs && cp pod-a.log pod-b.log clean.log cut.log logs/
'
test_expect_success 'three runs, in order of time, each with its own logs' '
	test_expect_code 1 "$REPORT" -f json logs/*.log >j &&
	test "$(jq ".runs | length" j)" = 3 &&
	test "$(jq -c "[.runs[] | [.logs[].path]]" j)" = \
		"[[\"logs/pod-a.log\",\"logs/pod-b.log\"],[\"logs/clean.log\"],[\"logs/cut.log\"]]" &&
	jq -e ".runs[0].end < .runs[1].start and .runs[1].end < .runs[2].start" j
'
test_expect_success 'each run has its own verdict; the overall one is the worst (FAIL)' '
	test "$(jq -c "[.runs[].gate.verdict]" j)" = "[\"fail\",\"pass\",\"inconclusive\"]" &&
	jq -e ".gate.verdict == \"fail\" and .gate.passed == false" j &&
	jq -e ".gate.runs == 3 and .gate.runs_failed == 1 and .gate.runs_passed == 1 and .gate.runs_inconclusive == 1" j &&
	jq -e ".gate.reasons | map(select(startswith(\"run 2:\"))) == []" j &&
	jq -e ".gate.reasons | any(startswith(\"run 1: home:\"))" j &&
	jq -e ".gate.reasons | any(startswith(\"run 3: logs/cut.log: no end line\"))" j
'
test_expect_success 'run 1 merges its two probers: one window that matches the outage' '
	read -r down_from down_to up_from up_to <truth &&
	test "$(jq ".runs[0].targets[0].logs" j)" = 2 &&
	test "$(jq ".runs[0].targets[0].requests" j)" = $((2 * 3 * RATE)) &&
	test "$(jq ".runs[0].targets[0].windows_count" j)" = 1 &&
	test_within "$(us ".runs[0].targets[0].windows[0].start")" $((down_from - TOL_US)) $((down_to + TOL_US)) &&
	test_within "$(us ".runs[0].targets[0].windows[0].end")" $((up_from - TOL_US)) $((up_to + TOL_US))
'
test_expect_success 'run 2 counts its own requests only, each one nginx logged 200' '
	test "$(jq ".runs[1].targets[0].requests" j)" = $RATE &&
	test "$(jq ".runs[1].targets[0].ok" j)" = $RATE &&
	"$LOGCAT" -f req:request_id clean.log | sort >ids &&
	awk -F"\t" "\$3 == 200 { print \$4 }" "$ACCESS" | sort | comm -12 ids - >served &&
	test "$(wc -l <served)" = $RATE &&
	jq -e ".runs[1].notes == []" j
'
test_expect_success 'the order of the arguments does not change the runs' '
	test_expect_code 1 "$REPORT" -f json logs/cut.log logs/clean.log logs/pod-b.log logs/pod-a.log >j2 &&
	test "$(jq -c "[.runs[] | [.logs[].path]]" j2)" = \
		"[[\"logs/pod-b.log\",\"logs/pod-a.log\"],[\"logs/clean.log\"],[\"logs/cut.log\"]]"
'
test_expect_success 'a pass and an inconclusive run: INCONCLUSIVE, exit 4' '
	test_expect_code 4 "$REPORT" logs/clean.log logs/cut.log >t &&
	head -n1 t | grep -Fx "INCONCLUSIVE  2 runs: 0 failed, 1 inconclusive, 1 passed" &&
	grep -E "^  run 1  PASS +from .*: logs/clean.log$" t &&
	grep -E "^  run 2  INCONCLUSIVE +from .*: logs/cut.log$" t &&
	grep -Fx "== run 2 of 2 ==" t
'
test_expect_success 'two clean runs pass, exit 0' '
	test_expect_code 0 "$REPORT" -f json logs/clean.log full.log >j3 &&
	jq -e ".gate.verdict == \"pass\" and (.runs | length) == 2" j3
'
test_expect_success 'JUnit: a testsuite per run, totals summed; Markdown: a row and a section per run' '
	test_expect_code 1 "$REPORT" -f junit logs/*.log >x &&
	test "$(grep -c "<testsuite name=\"pbprobe-report run [123]\"" x)" = 3 &&
	total=$(sed -n "s/^<testsuites .* failures=\"\([0-9]*\)\".*/\1/p" x) &&
	sum=$(sed -n "s/^  <testsuite .* failures=\"\([0-9]*\)\".*/\1/p" x | awk "{ s += \$1 } END { print s }") &&
	test "$total" = "$sum" && test "$total" -gt 0 &&
	test_expect_code 1 "$REPORT" -f markdown logs/*.log >m &&
	grep -E "^\| 2 \| .* PASS \| " m &&
	test "$(grep -c "^### .* pbprobe run [123] of 3: " m)" = 3
'
test_expect_success 'a plot per run: FILE-runN.png' '
	command -v gnuplot >/dev/null &&
	test_expect_code 1 "$REPORT" --plot p.png logs/*.log >/dev/null &&
	test -s p-run1.png && test -s p-run2.png && test -s p-run3.png && ! test -e p.png
'
test_expect_success '--one-run merges them into one timeline, with a note' '
	test_expect_code 1 "$REPORT" -f json --one-run logs/*.log >j4 &&
	jq -e ".runs == null" j4 &&
	test "$(jq ".targets[0].logs" j4)" = 4 &&
	jq -e "[.notes[] | select(test(\"do not overlap in time: merged anyway\"))] | length > 0" j4
'
test_expect_success 'a log read from a pipe cannot be placed ahead: one run, with a note' '
	test_expect_code 1 "$REPORT" -f json logs/pod-a.log - <logs/clean.log >j5 &&
	jq -e ".runs == null" j5 &&
	jq -e "[.notes[] | select(test(\"do not overlap in time\"))] | length == 1" j5
'
test_expect_success 'a prober killed before its first request, started 10 ms early, is in the run' '
	# its log: the header and the target line, 10 ms before clean.log'"'"'s
	awk -F"\t" -v OFS="\t" "NR == 1 { match(\$0, /start_us=[0-9]+/); t = substr(\$0, RSTART + 9, RLENGTH - 9) - 10000;
		sub(/start_us=[0-9]+/, \"start_us=\" t); print; next } \$1 == \"target\" { \$2 = t; print; exit }" \
		logs/clean.log >early.log &&
	test "$(wc -l <early.log)" = 2 &&
	test_expect_code 4 "$REPORT" -f json early.log logs/clean.log >j7 &&
	jq -e ".runs == null and .gate.verdict == \"inconclusive\"" j7 &&
	jq -e ".gate.reasons | any(startswith(\"early.log: no end line\"))" j7
'
test_expect_success 'a rule naming a target of some run applies; a name no run has is a usage error' '
	test_expect_code 1 "$REPORT" -f json --max-errors home:5% logs/*.log >j6 &&
	test_expect_code 2 "$REPORT" --max-errors nosuch:1 logs/*.log 2>err &&
	grep -F "no target \"nosuch\" in the logs (targets: home)" err
'
test_done
