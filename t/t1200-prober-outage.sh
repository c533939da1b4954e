#!/bin/bash
# An outage the test injects itself, at known times: the prober's failures
# must cover exactly that interval, within one tick plus 5 ms, and nothing
# outside it may fail.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
LOGCAT=$PB_BUILD/t/helpers/logcat
RATE=200
TOL_US=$((1000000 / RATE + 5000))
port=$(svc_free_port)
test_expect_success 'setup: a private nginx' '
	svc_nginx_start "$TEST_DIR/ng" "$port"
'

now_us() { date +%s%6N; }

test_expect_success 'probe through a stop and a start of nginx' '
	"$PB" -q --rate $RATE --duration 4s -o run.log http://127.0.0.1:$port/ &
	pb=$! &&
	sleep 1 &&
	down_from=$(now_us) && svc_nginx_stop "$TEST_DIR/ng" && down_to=$(now_us) &&
	sleep 1 &&
	up_from=$(now_us) && svc_nginx_start "$TEST_DIR/ng" "$port" && up_to=$(now_us) &&
	wait $pb &&
	echo "$down_from $down_to $up_from $up_to" >truth &&
	"$LOGCAT" -f req:time,outcome run.log >reqs &&
	test "$(wc -l <reqs)" -eq 800
'

test_expect_success 'the failures are one window: no success inside, no failure outside' '
	awk "\$2 != 200 { if (!first) first = NR; last = NR }
	     END { if (!first) exit 1; for (i = first; i <= last; i++) if (s[i] == 200) exit 1 }
	     { s[NR] = \$2 }" reqs
'

test_expect_success 'the window starts when nginx went down, within 1/rate + 5ms' '
	read -r down_from down_to up_from up_to <truth &&
	first=$(awk "\$2 != 200 { print \$1; exit }" reqs) &&
	test "$first" -ge $((down_from - TOL_US)) &&
	test "$first" -le $((down_to + TOL_US))
'

test_expect_success 'the window ends when nginx came back, within 1/rate + 5ms' '
	read -r down_from down_to up_from up_to <truth &&
	next_ok=$(awk "\$2 != 200 { seen = 1 } seen && \$2 == 200 { print \$1; exit }" reqs) &&
	test "$next_ok" -ge $((up_from - TOL_US)) &&
	test "$next_ok" -le $((up_to + TOL_US))
'

test_expect_success 'failures while nginx was down are refused connects' '
	awk "\$2 != 200 { print \$2 }" reqs | sort -u >classes &&
	grep -qx connect classes &&
	! grep -qvx -e connect -e reset classes
'

test_expect_success 'every 200 is in nginx access log, and nothing else is' '
	"$LOGCAT" -f req:outcome,request_id run.log | awk -F"\t" "\$1==200 { print \$2 }" | sort >ok.ids &&
	cut -f4 "$TEST_DIR/ng/access.log" | sort >nginx.ids &&
	test_cmp ok.ids nginx.ids
'

test_done
