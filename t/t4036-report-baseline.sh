#!/bin/bash
# --baseline and --max-regression: a run judged against an earlier run's
# JSON report. Both runs are real: pbprobe against a real nginx whose API
# the test breaks (503) for half a second in the second run; nginx's own
# access log is the ground truth for the failures. Each rule at its limit
# and just past it; every output format; a target new or gone; every kind
# of bad baseline file.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
R=$PB_BUILD/pbprobe-report
port=$(free_port)
svc_nginx_start "$TEST_DIR/ng" "$port" \
	"location = /api { if (-f $TEST_DIR/broken) { return 503; } return 200 \"ok\"; }" ||
	skip_all "nginx did not start"
API=http://127.0.0.1:$port/api

# us FILTER FILE: a JSON number of seconds as integer microseconds
us() { jq "$1 * 1000000 | round" "$2"; }

test_expect_success 'the baseline: a clean earlier run, and its JSON report' '
	"$PB" -q --rate 100 --duration 2s -o base.log api="$API" &&
	test_expect_code 0 "$R" -f json -o base.json base.log &&
	jq -e ".gate.verdict == \"pass\" and .targets[0].failed == 0" base.json &&
	! grep -q "	503	" "$TEST_DIR/ng/access.log"
'

test_expect_success 'a run that breaks the API for 500 ms, and nginx counts its 503s' '
	: >"$TEST_DIR/ng/access.log" &&
	{ "$PB" -q --rate 100 --duration 3s -o run.log api="$API" home=http://127.0.0.1:$port/ & pb=$!; } &&
	sleep 1 && touch "$TEST_DIR/broken" && sleep 0.5 && rm -f "$TEST_DIR/broken" &&
	wait $pb &&
	awk -F"\t" "\$6 == \"/api\" && \$3 == 503" "$TEST_DIR/ng/access.log" | wc -l >truth &&
	test "$(cat truth)" -gt 10
'

test_expect_success 'each target side by side with the baseline: the change is this run less it' '
	test_expect_code 1 "$R" -f json --baseline base.json run.log >run.json &&
	n=$(cat truth) &&
	jq -e --argjson n "$n" ".targets[] | select(.name == \"api\") |
		.failed == \$n and .baseline.failed == 0 and .baseline.change.failed == \$n and
		.baseline.change.downtime_s == .downtime_s - .baseline.downtime_s and
		.baseline.change.longest_window_s == .longest_window_s - .baseline.longest_window_s" run.json &&
	jq -e ".baseline.path == \"base.json\" and .baseline.verdict == \"pass\" and .baseline.start != null" run.json &&
	test_expect_code 1 "$R" -f json --baseline base.json --max-regression api:p99:+1000% --max-regression api:failed:+1 run.log >checks.json &&
	jq -e --argjson n "$n" "[.gate.checks[] | select(.rule == \"max-regression\")] |
		(.[0] | .kind == \"failed\" and .baseline == 0 and .value == \$n and .limit == 1 and (.passed | not)) and
		(.[1] | .kind == \"p99\" and .baseline_s > 0 and ((.limit_s * 1e6) | round) == ((.baseline_s * 1e7) | round))" checks.json &&
	jq -e "[.gate.checks[] | select(.rule == \"max-errors\")][0] | .kind == null and .baseline == null" checks.json &&
	jq -e "[.targets[] | select(.name == \"home\")][0].baseline == null" run.json
'

test_expect_success 'failed: at the limit passes, one more fails, naming the baseline and the rule' '
	n=$(cat truth) &&
	test_expect_code 0 "$R" --max-errors api:100% --max-errors home:0 --baseline base.json \
		--max-regression "api:failed:+$n" run.log >out &&
	test_expect_code 1 "$R" --max-errors api:100% --baseline base.json \
		--max-regression "api:failed:+$((n - 1))" run.log >out &&
	cat out &&
	grep -qx "FAIL  api: $n failed requests, $n more than the baseline'"'"'s 0, beyond the $((n - 1)) allowed (--max-regression api:failed:+$((n - 1)))" out
'

test_expect_success 'downtime and window: at the limit passes, 1 us less fails' '
	d=$(us "[.targets[] | select(.name == \"api\")][0].baseline.change.downtime_s" run.json) &&
	w=$(us "[.targets[] | select(.name == \"api\")][0].baseline.change.longest_window_s" run.json) &&
	test "$d" -gt 400000 &&
	test_expect_code 0 "$R" --max-errors 100% --baseline base.json --max-regression "downtime:+${d}us" \
		--max-regression "window:+${w}us" run.log >/dev/null &&
	test_expect_code 1 "$R" --max-errors 100% --baseline base.json --max-regression "downtime:+$((d - 1))us" run.log >out &&
	grep -q "api: downtime .* more than the baseline'"'"'s 0us, beyond the .* allowed (--max-regression downtime:+$((d - 1))us)" out &&
	test_expect_code 1 "$R" --max-errors 100% --baseline base.json --max-regression "window:+$((w - 1))us" run.log >out &&
	grep -q "api: longest downtime window" out
'

test_expect_success 'a share of the baseline: of a clean baseline, none; p99 within 10000% of itself' '
	test_expect_code 1 "$R" --max-errors 100% --baseline base.json --max-regression api:failed:+50% run.log >out &&
	grep -q "beyond the 0 allowed, 50% of the baseline'"'"'s" out &&
	test_expect_code 0 "$R" -f json --baseline run.json --max-errors 100% --max-regression p99:+0% \
		--max-regression failed:+0 --max-regression downtime:0 run.log >self.json &&
	jq -e "[.gate.checks[] | select(.rule == \"max-regression\")] | length == 6 and all(.passed and .applied and (.value // .value_s) == 0)" self.json
'

test_expect_success 'a target the baseline lacks: its regression rules are not applied, a WARN says so' '
	test_expect_code 0 "$R" --max-errors api:100% --baseline base.json --max-regression failed:+100 \
		--max-regression downtime:+10s run.log >out &&
	grep -qx "WARN  home: not in the baseline base.json: its --max-regression rules were not applied (--max-regression failed:+100)" out &&
	test "$(grep -c "^WARN" out)" = 1 &&
	grep -q "home *not in the baseline" out &&
	test_expect_code 0 "$R" -f json --max-errors api:100% --baseline base.json --max-regression failed:+100 run.log >j &&
	jq -e "[.gate.checks[] | select(.target == \"home\" and .rule == \"max-regression\")][0] |
		.applied == false and .value == null and .limit == null and .passed" j &&
	jq -e ".gate.passed and (.gate.warnings | length == 1)" j &&
	test_expect_code 0 "$R" -f junit --max-errors api:100% --baseline base.json --max-regression failed:+100 run.log >j.xml &&
	grep -q "<skipped message=\"WARN: home: not in the baseline" j.xml &&
	grep -q "<property name=\"baseline\" value=\"base.json\"/>" j.xml &&
	test_expect_code 0 "$R" --baseline run.json base.log >out &&
	grep -q "baseline run.json: target \"home\" is not in this run" out
'

test_expect_success 'text and Markdown show the comparison; JUnit the change in the target'"'"'s case' '
	test_expect_code 1 "$R" --baseline base.json run.log >out &&
	n=$(cat truth) &&
	grep -q "^against the baseline base.json (its verdict: pass)" out &&
	grep -Eq "^  api +$n \(\+$n\) +[0-9.]+ms \(\+[0-9.]+ms\)" out &&
	test_expect_code 1 "$R" -f markdown --baseline base.json run.log >out.md &&
	grep -q "^\*\*Against the baseline\*\* base.json" out.md &&
	grep -q "^| api | $n (+$n) | " out.md &&
	test_expect_code 1 "$R" -f junit --baseline base.json run.log >out.xml &&
	xmllint --noout out.xml &&
	grep -q "against the baseline: failed +$n, downtime +" out.xml
'

test_expect_success 'the regression rules in a --gate file, with a warn level' '
	printf "[api]\nmax-errors = 100%%\nmax-regression = failed:+1000\nwarn max-regression = downtime:+1ms\n[home]\nmax-errors = 0\n" >g.rules &&
	test_expect_code 0 "$R" --gate g.rules --baseline base.json run.log >out &&
	grep -q "^WARN  api: downtime .* beyond the 1.00ms allowed (g.rules:4: warn max-regression = downtime:+1ms)" out &&
	printf "max-regression = failed:+1\n" >n.rules &&
	test_expect_code 2 "$R" --gate n.rules run.log 2>err &&
	grep -qx "pbprobe-report: n.rules:1: max-regression needs --baseline FILE" err
'

test_expect_success 'a baseline measured unlike the run (rate, probers) or failed itself: WARN, rules not applied' '
	jq "(.targets[] | select(.name == \"api\") | .rate) = 50" base.json >rate.json &&
	test_expect_code 0 "$R" --max-errors api:100% --baseline rate.json --max-regression failed:+0 run.log >out &&
	grep -qx "WARN  api: measured unlike the baseline rate.json (100/s from 1 log here, 50/s from 1 there): its --max-regression rules were not applied (--max-regression failed:+0)" out &&
	grep -q "measured unlike it: 50/s from 1 log there" out &&
	test_expect_code 0 "$R" -f json --max-errors api:100% --baseline rate.json --max-regression failed:+0 run.log >j &&
	jq -e "[.gate.checks[] | select(.target == \"api\" and .rule == \"max-regression\")][0].applied == false" j &&
	jq -e "[.targets[] | select(.name == \"api\")][0].baseline | .comparable == false and .rate == 50 and .logs == 1" j &&
	jq "(.targets[] | select(.name == \"api\") | .logs) = 2" base.json >logs.json &&
	test_expect_code 0 "$R" --max-errors api:100% --baseline logs.json --max-regression failed:+0 run.log >out &&
	grep -q "^WARN  api: measured unlike the baseline logs.json (100/s from 1 log here, 100/s from 2 there)" out &&
	jq ".gate.verdict = \"fail\"" base.json >failed.json &&
	test_expect_code 1 "$R" --max-errors api:100% --baseline failed.json --max-regression failed:+0 run.log >out &&
	grep -qx "WARN  baseline failed.json: its own verdict was fail: a run within its --max-regression rules may hurt users as much" out &&
	test_expect_code 0 "$R" --max-errors api:100% --baseline failed.json run.log >out &&
	! grep -q "its own verdict" out
'

# badgate TEXT WHY: a gate file holding TEXT is refused with exit 2, naming g.rules:LINE
badgate() {
	printf "%b" "$1" >bad.rules &&
	test_expect_code 2 "$R" --gate bad.rules --baseline base.json run.log >out 2>err &&
	test_must_be_empty out &&
	if ! grep -q "^pbprobe-report: bad.rules:$2" err; then
		cat err
		return 1
	fi
}

test_expect_success 'max-regression in a --gate file: each mistake names FILE:LINE, exit 2' '
	badgate "max-regression = 1s\n" "1: max-regression: \"1s\": not KIND:AMOUNT" &&
	badgate "[api]\nmax-regression = api:downtime:1s\n" "2: max-regression: \"api:downtime:1s\": not KIND:AMOUNT" &&
	badgate "max-regression = latency:1s\n" "1: max-regression \"latency:1s\": unknown kind" &&
	badgate "[api]\nmax-regression = downtime:1s\nmax-regression = p99:+5%\nmax-regression = downtime:2s\n" \
		"4: max-regression downtime set twice for \[api\] (bad.rules:2)" &&
	badgate "[api]\nwarn max-regression = failed:+x\n" "2: max-regression: "
'

# bad FILE WHY: --baseline FILE is refused with exit 3 and a message matching WHY
bad() {
	test_expect_code 3 "$R" --baseline "$1" run.log >out 2>err &&
	test_must_be_empty out &&
	test "$(wc -l <err)" = 1 &&
	if ! grep -q "^pbprobe-report: --baseline $2" err; then
		cat err
		return 1
	fi
}

test_expect_success 'a bad baseline file: one line naming it (and where), exit 3, no report' '
	bad missing.json "missing.json: cannot open: No such file" &&
	printf "{\n  \"schema\": 1,\n  oops\n}\n" >syntax.json &&
	bad syntax.json "syntax.json:3:[0-9]*: not valid JSON" &&
	echo "[]" >array.json &&
	bad array.json "array.json: not a report of pbprobe-report -f json" &&
	jq ".schema = 2" base.json >schema.json &&
	bad schema.json "schema.json: schema 2, but this pbprobe-report reads schema 1" &&
	jq "del(.targets[0].downtime_s)" base.json >member.json &&
	bad member.json "member.json: target \"api\": downtime_s is not a duration in seconds" &&
	jq ".targets[0].failed = -1" base.json >negative.json &&
	bad negative.json "negative.json: target \"api\": failed is not a count" &&
	jq ".targets[0].latency_ms.p99 = \"fast\"" base.json >p99.json &&
	bad p99.json "p99.json: target \"api\": latency_ms.p99 is not a latency in ms" &&
	jq ".targets += [.targets[0]]" base.json >twice.json &&
	bad twice.json "twice.json: target \"api\" twice" &&
	jq "{schema: 1, gate: .gate, runs: [., .]}" base.json >runs.json &&
	bad runs.json "runs.json: a report of 2 runs" &&
	jq ".targets[0].failed = 90071992547409930" base.json >huge.json &&
	bad huge.json "huge.json: target \"api\": failed is not a count" &&
	jq ".targets[0].failed = .targets[0].requests + 1" base.json >more.json &&
	bad more.json "more.json: target \"api\": more failed than requests" &&
	jq ".gate.verdict = \"ok\"" base.json >verdict.json &&
	bad verdict.json "verdict.json: gate.verdict \"ok\" is not pass, fail or inconclusive" &&
	jq "del(.targets[0].rate)" base.json >norate.json &&
	bad norate.json "norate.json: target \"api\": no logs or rate" &&
	jq ".targets[0].name = \"other\"" base.json >other.json &&
	bad other.json "other.json: no target in common with the logs" &&
	mkdir -p adir &&
	bad adir "adir: cannot read: Is a directory"
'

test_expect_success 'bad usage: exit 2, one line' '
	test_expect_code 2 "$R" --max-regression failed:+1 run.log 2>err &&
	grep -qx "pbprobe-report: --max-regression needs --baseline FILE" err &&
	test_expect_code 2 "$R" --baseline base.json --max-regression latency:+1 run.log 2>err &&
	grep -q "unknown kind \"latency\" (kinds: failed, downtime, window, p99)" err &&
	test_expect_code 2 "$R" --baseline base.json --max-regression downtime run.log 2>err &&
	grep -q "not \[NAME:\]KIND:AMOUNT" err &&
	test_expect_code 2 "$R" --baseline base.json --max-regression downtime:+fast run.log 2>err &&
	test_expect_code 2 "$R" --baseline base.json --max-regression nosuch:failed:+1 run.log 2>err &&
	grep -q "no target \"nosuch\" in the logs" err &&
	test_expect_code 2 "$R" --baseline base.json --baseline base.json run.log 2>err &&
	grep -q "given twice" err
'

test_done
