#!/bin/bash
# Bad input: every malformed log gets one clear line naming the file, the
# line and what is wrong, and exit status 3; --lenient counts and skips
# malformed lines instead; a killed prober's truncated last line and missing
# end line are notes, not errors. The logs are hand-made, in t/data.
. "$(dirname "$0")/lib.sh"

REPORT=$PB_BUILD/pbprobe-report
D=$PB_SRC/t/data

# expect_error LOG MESSAGE [OPTION...]: exit 3 and exactly MESSAGE on stderr
expect_error() {
	local log=$1 msg=$2 rc=0
	shift 2
	(cd "$D" && "$REPORT" "$@" "$log") >out 2>err || rc=$?
	test "$rc" -eq 3 || { echo "exit $rc, expected 3"; cat err; return 1; }
	echo "pbprobe-report: $msg" >expected &&
	test_cmp expected err &&
	test ! -s out
}

test_expect_success 'an empty file is an empty log' '
	expect_error bad-empty.log "bad-empty.log: empty log"
'
test_expect_success 'a file without the header is not a pbprobe log' '
	expect_error bad-not-a-log.log "bad-not-a-log.log:1: not a pbprobe log (no \"#pbprobe-log\" header)"
'
test_expect_success 'a newer format version says to upgrade' '
	expect_error bad-version.log "bad-version.log:1: log format version 2 is newer than this reader (1): upgrade pbprobe"
'
test_expect_success 'a bad outcome names the line and the field' '
	expect_error bad-outcome.log "bad-outcome.log:4: req: bad outcome \"2x0\""
'
test_expect_success 'an SQLSTATE that is no SQLSTATE is refused (the reports would print it as markup)' '
	expect_error bad-sqlstate.log "bad-sqlstate.log:4: db: bad sqlstate \"<!--\""
'
test_expect_success 'a bad value that unescapes to a newline is quoted on one line (the fuzzer found it)' '
	expect_error bad-sqlstate-newline.log "bad-sqlstate-newline.log:2: db: bad sqlstate \"-/?\""
'
test_expect_success 'a short req line says how many fields it has' '
	expect_error bad-fields.log "bad-fields.log:3: req: 9 fields, expected 11"
'
test_expect_success 'a bad time field is named' '
	expect_error bad-time.log "bad-time.log:3: req: bad time \"17641656001e5\""
'
test_expect_success 'a sent request without latency is an error' '
	expect_error bad-latency.log "bad-latency.log:3: req: bad latency (absent for a sent request) \"-\""
'
test_expect_success 'a request for an undeclared target is an error' '
	expect_error bad-undeclared.log "bad-undeclared.log:3: req for target \"api\", which no target line declared before"
'
test_expect_success 'a target declared twice is an error' '
	expect_error bad-duplicate-target.log "bad-duplicate-target.log:4: target \"home\" declared twice"
'
test_expect_success 'concatenated logs are refused, with the fix' '
	expect_error bad-concat.log "bad-concat.log:5: a second log header: logs were concatenated; pass each file as its own argument"
'
test_expect_success 'a line out of order beyond the horizon is refused' '
	expect_error bad-order.log "bad-order.log:5: req of target \"home\" is scheduled 3.000s before requests read earlier: out of order by more than --reorder-horizon (or a corrupt time)" --reorder-horizon 1s
'
test_expect_success 'the same lines within the horizon are sorted, not refused' '
	"$REPORT" -f json --allow-skipped "$D/bad-order.log" >j &&
	test "$(jq ".targets[0].requests" j)" = 3 &&
	test "$(jq ".targets[0].missing" j)" = 28
'
test_expect_success 'a missing log file is exit 3 with the reason' '
	expect_error no-such.log "no-such.log: cannot open: No such file or directory"
'
test_expect_success 'without --lenient the first malformed line stops the report' '
	expect_error bad-lenient.log "bad-lenient.log:4: req: bad outcome \"2x0\""
'
test_expect_success '--lenient counts and skips malformed lines, and says which' '
	rc=0 && "$REPORT" --lenient -f json "$D/bad-lenient.log" >j || rc=$? &&
	test "$rc" -eq 1 &&
	test "$(jq .malformed_skipped j)" = 3 &&
	test "$(jq ".logs[0].malformed_skipped" j)" = 3 &&
	jq -r ".notes[]" j >notes &&
	grep -F "bad-lenient.log:4: req: bad outcome \"2x0\"" notes &&
	grep -F "bad-lenient.log:6: not an event line (no TAB)" notes &&
	grep -F "bad-lenient.log:7: req: bad latency \"fast\"" notes &&
	test "$(jq ".targets[0].requests" j)" = 2 &&
	test "$(jq ".targets[0].failed" j)" = 1
'
test_expect_success '--lenient: the text report shows the count of skipped lines' '
	test_must_fail "$REPORT" --lenient "$D/bad-lenient.log" >text &&
	grep "3 malformed lines skipped (--lenient)" text
'
test_expect_success 'a skipped line is a hole in the schedule: the run is not a pass' '
	test_must_fail "$REPORT" --lenient --max-errors 5 -f json "$D/bad-lenient.log" >j &&
	test "$(jq -r .gate.verdict j)" = inconclusive
'
test_expect_success 'a truncated last line is a note, not an error; the log cut short is inconclusive' '
	rc=0 && "$REPORT" -f json "$D/bad-truncated.log" >j || rc=$? &&
	test "$rc" = 4 &&
	test "$(jq -r .gate.verdict j)" = inconclusive &&
	jq -r ".gate.reasons[0]" j | grep -F "bad-truncated.log: no end line: the prober was cut short" &&
	test "$(jq ".logs[0].truncated" j)" = true &&
	test "$(jq ".targets[0].requests" j)" = 2 &&
	jq -r ".notes[]" j | grep -F "bad-truncated.log:5: truncated last line ignored"
'
test_expect_success 'a log with a header only fails the gate: nothing was probed' '
	rc=0 && "$REPORT" "$D/bad-header-only.log" >out 2>err || rc=$? &&
	test "$rc" -eq 1 && test ! -s err &&
	grep "no target in the logs: nothing was probed" out
'
test_expect_success 'unknown event kinds and extra fields are ignored (format v1 grows so)' '
	"$REPORT" -f json "$D/forward-compat.log" >j &&
	test "$(jq ".targets[0].requests" j)" = 2 &&
	test "$(jq ".logs[0].unknown_lines" j)" = 1
'
test_expect_success 'a log read from standard input is named "-"' '
	"$REPORT" -f json - <"$D/report-clean.log" >j &&
	test "$(jq -r ".logs[0].path" j)" = - &&
	test_must_fail "$REPORT" - <"$D/bad-outcome.log" 2>err &&
	grep -F "pbprobe-report: -:4: req: bad outcome" err
'
test_done
