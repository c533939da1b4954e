#!/bin/bash
# A real outage: pbprobe against a real nginx that the test stops and starts
# at known times. The report must find one downtime window that starts when
# nginx went down and ends when it came back, within 1/rate + 5 ms, place it
# in the phase the upgrade's marks name, gate on it, and plot it.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
RATE=200
TOL_US=$((1000000 / RATE + 5000))
port=$(free_port)
svc_nginx_start "$TEST_DIR/ng" "$port" || skip_all "nginx did not start"

now_us() { date +%s%6N; }
# us FILTER: a time of the JSON report j, in integer microseconds
us() { jq "$1 * 1000000 | round" j; }

test_expect_success 'probe through a stop and a start of nginx' '
	"$PB" -q --rate $RATE --duration 4s -o run.log home=http://127.0.0.1:$port/ &
	pb=$! &&
	sleep 1 &&
	down_from=$(now_us) && svc_nginx_stop "$TEST_DIR/ng" && down_to=$(now_us) &&
	sleep 1 &&
	up_from=$(now_us) && svc_nginx_start "$TEST_DIR/ng" "$port" && up_to=$(now_us) &&
	wait $pb &&
	echo "$down_from $down_to $up_from $up_to" >truth
'
test_expect_success 'the report fails the default gate, exit 1' '
	rc=0 && "$REPORT" -f json run.log >j || rc=$? &&
	test "$rc" -eq 1 && jq -e ".gate.passed == false" j &&
	test "$(jq ".targets[0].requests" j)" -eq $((4 * RATE))
'
test_expect_success 'one window, starting when nginx went down (within 1/rate + 5 ms)' '
	read -r down_from down_to up_from up_to <truth &&
	test "$(jq ".targets[0].windows_count" j)" = 1 &&
	test_within "$(us ".targets[0].windows[0].start")" $((down_from - TOL_US)) $((down_to + TOL_US))
'
test_expect_success 'the window ends when nginx came back (within 1/rate + 5 ms)' '
	read -r down_from down_to up_from up_to <truth &&
	test_within "$(us ".targets[0].windows[0].end")" $((up_from - TOL_US)) $((up_to + TOL_US)) &&
	jq -e ".targets[0].windows[0].open == false" j
'
test_expect_success 'every failure is in the window, and they are refused connects' '
	test "$(jq ".targets[0].windows[0].failed" j)" = "$(jq ".targets[0].failed" j)" &&
	jq -e ".targets[0].errors | keys - [\"connect\", \"reset\"] == []" j &&
	jq -e ".targets[0].status | keys == [\"200\"]" j &&
	jq -e ".targets[0].downtime_s == .targets[0].windows[0].duration_s" j
'
test_expect_success 'the downtime matches the log read independently with awk' '
	# the first run of failures and the next success, in scheduled order,
	# straight from the log (whose lines are in completion order, hence the
	# sort), each placed when it reached the
	# server: scheduled time (field 2) + delay (field 6), or + lag (field
	# 12) for one that failed before it was written. Those times need not
	# follow the schedule (a request written 6 ms late on a connection
	# nginx reset, the next one refused at once): the window runs from the
	# earliest of its failures to the next success, and no earlier than
	# the latest of them (pbprobe-report(1), DEFINITIONS)
	awk -F"\t" "\$1 == \"req\" { print \$2, \$4, \$2 + (\$6 == \"-\" ? \$12 : \$6) }" run.log | sort -n |
		awk "{ print \$3, \$2 }" >reqs &&
	first=$(awk "\$2 != 200 { if (!seen || \$1 < min) min = \$1; seen = 1 } seen && \$2 == 200 { print min; exit }" reqs) &&
	next_ok=$(awk "\$2 != 200 { if (\$1 > max) max = \$1; seen = 1 } seen && \$2 == 200 { print (\$1 > max ? \$1 : max); exit }" reqs) &&
	test "$(us ".targets[0].windows[0].start")" = "$first" &&
	test "$(us ".targets[0].windows[0].end")" = "$next_ok"
'
test_expect_success 'the gate: --max-window above the outage passes, below it fails' '
	"$REPORT" --max-errors 100% --max-window 3s run.log >out &&
	head -n 1 out | grep "^PASS" &&
	test_must_fail "$REPORT" --max-errors 100% --max-window 500ms run.log >out &&
	head -n 1 out | grep -E "^FAIL  home: a downtime window of 1\.[0-9]+s at \+[0-9.]+m?s \(--max-window 500ms\)"
'
test_expect_success 'the real run plots' '
	test_must_fail "$REPORT" --plot run.png run.log >/dev/null 2>err &&
	test ! -s err && test -s run.png
'
test_expect_success 'an upgrade command with marks: the window names its phase' '
	cat >upgrade.sh <<-EOT &&
	. "$PB_SRC/lab/services.sh"
	sleep 0.5
	pbprobe mark "nginx stop"
	svc_nginx_stop "$TEST_DIR/ng"
	sleep 0.5
	pbprobe mark "nginx start"
	svc_nginx_start "$TEST_DIR/ng" "$port"
	EOT
	"$PB" -q --rate $RATE --lead 500ms --tail 500ms -o cmd.log home=http://127.0.0.1:$port/ -- bash upgrade.sh &&
	rc=0 && "$REPORT" -f json cmd.log >j || rc=$? && test "$rc" -eq 1 &&
	test "$(jq -r "[.timeline[] | .kind + \":\" + .text] | join(\",\")" j)" = \
		"cmd-start:bash upgrade.sh,mark:nginx stop,mark:nginx start,cmd-exit:exited" &&
	test "$(jq ".targets[0].windows_count" j)" = 1 &&
	test "$(jq -r ".targets[0].windows[0].phase.text" j)" = "nginx stop" &&
	test "$(jq -r ".logs[0].end.reason" j)" = command
'
test_done
