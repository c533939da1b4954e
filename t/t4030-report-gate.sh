#!/bin/bash
# The gate: each rule at its limit passes and just past it fails, with exit
# status 1 and a reason naming the target and the option; NAME: applies a
# rule to one target and overrides the unnamed one; the default is the
# seed's "all 200".
. "$(dirname "$0")/lib.sh"

REPORT=$PB_BUILD/pbprobe-report
OUTAGE=$PB_SRC/t/data/report-outage.log # 40 requests, 6 failed, windows 0.5 s + 0.1 s, max 800 ms
CLEAN=$PB_SRC/t/data/report-clean.log   # home p99 2 ms, api p99 3 ms, no failure

# gate EXPECTED-EXIT [OPTION...] LOG: the exit status, and the reasons in out
gate() {
	local want=$1 rc=0
	shift
	"$REPORT" "$@" >out 2>err || rc=$?
	[ "$rc" = "$want" ] || { echo "exit $rc, expected $want: $*"; cat out err; return 1; }
}

test_expect_success 'default: any failed request fails the gate' '
	gate 1 "$OUTAGE" &&
	head -n 1 out | grep -F "FAIL  home: 6 failed requests (none allowed by default: see --max-errors)" &&
	gate 0 "$CLEAN"
'
test_expect_success '--max-errors N: a count' '
	gate 0 --max-errors 6 "$OUTAGE" &&
	gate 1 --max-errors 5 "$OUTAGE" &&
	grep -F "home: 6 failed requests (--max-errors 5)" out
'
test_expect_success '--max-errors N%: a share of sent requests' '
	gate 0 --max-errors 15% "$OUTAGE" &&
	gate 1 --max-errors 14.9% "$OUTAGE" &&
	grep -F "home: 6 of 40 requests failed, more than 14.9% (--max-errors 14.9%)" out
'
test_expect_success '--max-downtime adds to the default rule, never replaces it' '
	gate 1 --max-downtime 600ms "$OUTAGE" &&
	grep -F "home: 6 failed requests (none allowed by default: see --max-errors)" out &&
	gate 0 --max-errors 100% --max-downtime 600ms "$OUTAGE" &&
	gate 1 --max-errors 100% --max-downtime 599ms "$OUTAGE" &&
	grep -F "home: 600.0ms of downtime in 2 windows (--max-downtime 599ms)" out
'
test_expect_success '--max-window: the longest window; alone it keeps "no failed request"' '
	gate 1 --max-window 5s "$OUTAGE" &&
	grep -F "home: 6 failed requests (none allowed by default: see --max-errors)" out &&
	gate 0 --max-errors 100% --max-window 500ms "$OUTAGE" &&
	gate 1 --max-errors 100% --max-window 499ms "$OUTAGE" &&
	grep -F "home: a downtime window of 500.0ms at +1.00s (--max-window 499ms)" out
'
test_expect_success '--max-burst and --max-error-rate: a flapping backend does not hide between windows' '
	BURST=$PB_SRC/t/data/report-burst.log &&
	gate 0 --max-errors 100% "$BURST" &&
	gate 1 --max-errors 100% --max-burst 1s "$BURST" &&
	grep -F "home: an error burst of 1.90s at +2.00s (--max-burst 1s)" out &&
	gate 0 --max-errors 100% --max-burst 2s "$BURST" &&
	gate 1 --max-errors 100% --max-error-rate 10% "$BURST" &&
	grep -F "home: 50.00% of the requests sent in the second at +2.00s failed (--max-error-rate 10%)" out &&
	gate 0 --max-errors 100% --max-error-rate 50% "$BURST" &&
	gate 2 --max-error-rate 5 "$BURST" &&
	grep -F -- "--max-error-rate: \"5\" is not a percentage" err
'
test_expect_success '--max-p99: latency from the scheduled time' '
	gate 0 --max-errors 100% --max-p99 800ms "$OUTAGE" &&
	gate 1 --max-errors 100% --max-p99 799ms "$OUTAGE" &&
	grep -F "home: p99 latency 800.0ms (--max-p99 799ms)" out
'
test_expect_success '--min-requests: too little evidence fails' '
	gate 0 --max-errors 100% --min-requests 40 "$OUTAGE" &&
	gate 1 --max-errors 100% --min-requests 41 "$OUTAGE" &&
	grep -F "home: 40 requests sent (--min-requests 41)" out
'
test_expect_success 'rules add up: every failed one is a reason' '
	gate 1 --max-errors 1 --max-window 100ms --max-p99 1ms "$OUTAGE" &&
	test "$(grep -c "^ *home: " out)" -ge 3
'
test_expect_success 'NAME: applies to one target and overrides the rule without a name' '
	gate 1 --max-p99 2ms "$CLEAN" &&
	grep -F "api: p99 latency 3.00ms (--max-p99 2ms)" out &&
	! grep -F "home: p99" out &&
	gate 0 --max-p99 2ms --max-p99 api:3ms "$CLEAN" &&
	gate 0 --max-p99 api:3ms --max-p99 2ms "$CLEAN" &&
	gate 1 --max-p99 home:1ms "$CLEAN"
'
test_expect_success 'a rule for one target leaves the default on the others' '
	gate 1 --max-errors home:1 "$OUTAGE" &&
	gate 0 --max-errors home:6 "$OUTAGE"
'
test_expect_success 'NAME: naming no target of the logs is a usage error' '
	gate 2 --max-errors hom:5 "$CLEAN" &&
	test_cmp - err <<-\EOT
	pbprobe-report: --max-errors "hom:5": no target "hom" in the logs (targets: home, api)
	EOT
'
test_expect_success 'the JSON gate lists every check with its limit and value' '
	"$REPORT" -f json --max-errors 6 --max-downtime 1s --max-p99 home:1ms "$OUTAGE" >j || true &&
	test "$(jq -c "[.gate.checks[] | [.rule, .passed]]" j)" = \
		"[[\"max-errors\",true],[\"max-downtime\",true],[\"max-p99\",false],[\"min-requests\",true],[\"max-blind\",true]]" &&
	test "$(jq ".gate.checks[1].limit_s" j)" = 1 &&
	test "$(jq ".gate.checks[1].value_s" j)" = 0.6 &&
	test "$(jq -r ".gate.checks[2].arg" j)" = home:1ms &&
	test "$(jq ".gate.passed" j)" = false &&
	test "$(jq -r ".gate.reasons[0]" j)" = "home: p99 latency 800.0ms (--max-p99 home:1ms)"
'
test_done
