#!/bin/bash
# How a prober ends: killed, its log stays readable up to its last 100 ms;
# interrupted, it finishes what is in flight and says so.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
LOGCAT=$PB_BUILD/t/helpers/logcat
port=$(svc_free_port)
test_expect_success 'setup: a private nginx' '
	svc_nginx_start "$TEST_DIR/ng" "$port"
'

test_expect_success 'SIGKILL mid-run leaves a log whose every complete line parses' '
	"$PB" -q --rate 2k --duration 20s -o killed.log http://127.0.0.1:$port/ &
	pb=$! && sleep 1.5 && kill -KILL $pb && { wait $pb; test $? -eq 137; } &&
	"$LOGCAT" killed.log >events 2>warn &&
	complete=$(grep -c "" killed.log) &&
	if test -s warn; then
		grep -q "truncated last line" warn && complete=$((complete - 1))
	fi &&
	test "$(($(wc -l <events) + 1))" -eq "$complete" &&
	test "$(grep -c "^req" events)" -ge 2000 &&
	! grep -q "^end" events
'

test_expect_success 'SIGTERM stops scheduling, logs in-flight requests, ends with "signal"' '
	"$PB" -q --rate 200 --duration 20s -o term.log http://127.0.0.1:$port/slow &
	pb=$! && sleep 1 && kill -TERM $pb && wait $pb &&
	"$LOGCAT" term.log >events &&
	tail -n 1 events | grep -q "^end	[0-9]*	signal	[0-9]*$" &&
	n=$(grep -c "^req" events) && test "$n" -ge 150 && test "$n" -le 300 &&
	"$LOGCAT" -f req:request_id term.log >req.ids &&
	ids=$(sort -u req.ids | wc -l) && test "$ids" -eq "$n"
'

test_expect_success 'requests in flight at SIGTERM finish with their real outcome' '
	"$LOGCAT" -f req:outcome,time,request_id term.log >outcomes &&
	awk -F"\t" "\$1 != 200" outcomes >bad &&
	test_must_be_empty bad
'

test_done
