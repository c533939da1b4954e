#!/bin/bash
# The open-loop schedule against a real nginx: exact request counts, exact
# spacing, and every request accounted for in nginx's own access log.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
LOGCAT=$PB_BUILD/t/helpers/logcat
port=$(svc_free_port)
test_expect_success 'setup: a private nginx' '
	svc_nginx_start "$TEST_DIR/ng" "$port" "add_header X-App-Version 2.7.2 always;" \
		"location /api/ { return 200 \"[]\"; }"
'
base=http://127.0.0.1:$port

test_expect_success 'rate 200 for 5s schedules exactly 1000 requests per URL' '
	"$PB" -q --rate 200 --duration 5s --version-header X-App-Version -o run.log \
		home=$base/ api=$base/api/helpingmaterial &&
	"$LOGCAT" -f req:target run.log | sort | uniq -c >per-target &&
	printf "%7d %s\n" 1000 api 1000 home >expect && test_cmp expect per-target
'

test_expect_success 'ticks are exactly 1/rate apart on the schedule' '
	"$LOGCAT" -f req:target,time run.log | awk "\$1==\"home\" { print \$2 }" >times &&
	awk "NR==1 { t0 = \$1 } { d = \$1 - t0 - (NR-1)*5000; if (d < -1 || d > 1) bad++ }
	     END { exit bad > 0 }" times
'

test_expect_success 'every answer is logged with status, peer, version and reuse' '
	"$LOGCAT" -f req:outcome,peer,version run.log >answers &&
	test "$(wc -l <answers)" -eq 2000 &&
	awk -F"\t" "\$1 != 200 || \$2 != \"127.0.0.1:$port\" || \$3 != \"2.7.2\"" answers >bad &&
	test_must_be_empty bad &&
	test "$("$LOGCAT" -f req:reused run.log | grep -c "^1$")" -ge 1900
'

test_expect_success 'request ids are unique and are exactly those nginx logged' '
	"$LOGCAT" -f req:request_id run.log | sort >ids.probe &&
	test "$(sort -u ids.probe | wc -l)" -eq 2000 &&
	cut -f4 "$TEST_DIR/ng/access.log" | sort >ids.nginx &&
	test_cmp ids.probe ids.nginx
'

test_expect_success 'the log ends with an end line saying why, and when the schedule stopped' '
	"$LOGCAT" run.log | tail -n 1 | grep -q "^end	[0-9]*	duration	[0-9]*$" &&
	first=$("$LOGCAT" -f target:time run.log | head -n 1) &&
	stop=$("$LOGCAT" -f end:stop run.log) &&
	test $((stop - first)) -ge 4990000 && test $((stop - first)) -le 5010000
'

test_expect_success '--new-connection opens one TCP connection per request' '
	: >"$TEST_DIR/ng/access.log" &&
	"$PB" -q --new-connection --rate 100 --duration 1s -o new.log $base/ &&
	"$LOGCAT" -f req:reused new.log | sort | uniq -c >reuse &&
	echo "    100 0" >expect && test_cmp expect reuse &&
	test "$(cut -f9 "$TEST_DIR/ng/access.log" | sort -u | wc -l)" -eq 100
'

test_expect_success '--connections both: NAME on kept-alive and NAME~new on new connections, each at the full rate' '
	: >"$TEST_DIR/ng/access.log" &&
	"$PB" -q --connections both --rate 100 --duration 1s -o both.log home=$base/ &&
	"$LOGCAT" -f target:name,flags both.log >targets &&
	printf "home\tkeepalive\nhome~new\tnew-connection\n" >expect && test_cmp expect targets &&
	# nginx numbers its connections: the one that carried each request id
	"$LOGCAT" -f req:request_id,target,reused both.log | tr "\t" " " | sort >ids &&
	awk -F"\t" "{ print \$4, \$9 }" "$TEST_DIR/ng/access.log" | sort >conns &&
	join ids conns >joined &&
	test "$(awk "\$2==\"home\"" joined | wc -l)" -eq 100 &&
	test "$(awk "\$2==\"home~new\" && \$3==0" joined | wc -l)" -eq 100 &&
	test "$(awk "\$2==\"home~new\" { print \$4 }" joined | sort -u | wc -l)" -eq 100 &&
	test "$(awk "\$2==\"home\" { print \$4 }" joined | sort -u | wc -l)" -le 3
'

test_expect_success 'a target rate of its own: NAME:RATE' '
	"$PB" -q --rate 10 --rate fast:100 --duration 2s -o two.log slow=$base/ fast=$base/x &&
	"$LOGCAT" -f req:target two.log | sort | uniq -c >per-target &&
	printf "%7d %s\n" 200 fast 20 slow >expect && test_cmp expect per-target
'

test_done
