#!/bin/bash
# Several probers (the pods of one Job) through one outage: their logs merge
# by time into one target with one window whose ends match the outage within
# 1/rate + 5 ms of one prober; --by-log keeps them apart; the report says
# nothing about clocks when the probers started together.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
RATE=100 # per prober
TOL_US=$((1000000 / RATE + 5000))
port=$(free_port)
svc_nginx_start "$TEST_DIR/ng" "$port" || skip_all "nginx did not start"

now_us() { date +%s%6N; }
us() { jq "$1 * 1000000 | round" j; }

test_expect_success 'two probers through a stop and a start of nginx' '
	"$PB" -q --rate $RATE --duration 4s -o pod-a.log home=http://127.0.0.1:$port/ &
	a=$!
	"$PB" -q --rate $RATE --duration 4s -o pod-b.log home=http://127.0.0.1:$port/ &
	b=$! &&
	sleep 1 &&
	down_from=$(now_us) && svc_nginx_stop "$TEST_DIR/ng" && down_to=$(now_us) &&
	sleep 1 &&
	up_from=$(now_us) && svc_nginx_start "$TEST_DIR/ng" "$port" && up_to=$(now_us) &&
	wait $a && wait $b &&
	echo "$down_from $down_to $up_from $up_to" >truth
'
test_expect_success 'merged: one target, every request of both, one window' '
	test_must_fail "$REPORT" -f json pod-a.log pod-b.log >j &&
	test "$(jq ".targets | length" j)" = 1 &&
	test "$(jq ".targets[0].logs" j)" = 2 &&
	test "$(jq ".targets[0].requests" j)" = $((2 * 4 * RATE)) &&
	test "$(jq ".targets[0].missing" j)" = 0 &&
	test "$(jq ".targets[0].windows_count" j)" = 1 &&
	test "$(jq ".targets[0].windows[0].failed" j)" = "$(jq ".targets[0].failed" j)"
'
test_expect_success 'merged: the window matches the outage' '
	read -r down_from down_to up_from up_to <truth &&
	test_within "$(us ".targets[0].windows[0].start")" $((down_from - TOL_US)) $((down_to + TOL_US)) &&
	test_within "$(us ".targets[0].windows[0].end")" $((up_from - TOL_US)) $((up_to + TOL_US))
'
test_expect_success 'merged: no note about clocks or rates' '
	jq -e "[.notes[] | select(test(\"apart|disagree|overlap\"))] == []" j
'
test_expect_success '--by-log: one target per prober, each with its window' '
	test_must_fail "$REPORT" -f json --by-log pod-a.log pod-b.log >j &&
	test "$(jq ".targets | length" j)" = 2 &&
	test "$(jq "[.targets[].windows_count] | add" j)" = 2 &&
	test "$(jq -r "[.targets[].log] | join(\" \")" j)" = "pod-a.log pod-b.log" &&
	read -r down_from down_to up_from up_to <truth &&
	for i in 0 1; do
		test_within "$(us ".targets[$i].windows[0].start")" $((down_from - TOL_US)) $((down_to + TOL_US)) &&
		test_within "$(us ".targets[$i].windows[0].end")" $((up_from - TOL_US)) $((up_to + TOL_US)) || return 1
	done
'
test_expect_success 'merged failures are the sum of the probers'"'"' failures' '
	fa=$(jq ".targets[0].failed" j) && fb=$(jq ".targets[1].failed" j) &&
	test_must_fail "$REPORT" -f json pod-a.log pod-b.log >j &&
	test "$(jq ".targets[0].failed" j)" = $((fa + fb))
'
test_expect_success 'a log given twice, by any name, is a usage error (exit 2)' '
	ln -s pod-a.log alias.log &&
	test_expect_code 2 "$REPORT" pod-a.log pod-b.log alias.log 2>err &&
	grep -F "pod-a.log and alias.log are the same log: give each log once" err
'
test_expect_success 'one name for two URLs in merged logs is an error that names both (exit 3)' '
	sed "s|^target\t\([0-9]*\)\thome\thttp://[^\t]*|target\t\1\thome\thttp://127.0.0.1:9/other|" pod-b.log >other.log &&
	test_expect_code 3 "$REPORT" pod-a.log other.log 2>err &&
	grep -E "other.log:[0-9]+: target \"home\" is http://127.0.0.1:9/other here but http://127.0.0.1:[0-9]+/ in an earlier log" err &&
	"$REPORT" -f json --by-log pod-a.log other.log >/dev/null || test $? = 1
'
test_done
