#!/bin/bash
# Error classes against real misbehaving peers: each failure is named for
# what a user would have seen, and the in-flight cap logs skipped ticks.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
LOGCAT=$PB_BUILD/t/helpers/logcat

# outcomes of a short probe of URL, as "count outcome" lines
outcomes() {
	"$PB" -q --rate 20 --duration 1s --timeout 300ms -o "$1.log" "$2" &&
	"$LOGCAT" -f req:outcome "$1.log" | sort | uniq -c | awk '{ print $2, $1 }'
}

test_expect_success 'a closed port is connect' '
	port=$(svc_free_port) &&
	outcomes refused http://127.0.0.1:$port/ >out && echo "connect 20" >expect && test_cmp expect out
'

test_expect_success 'a peer that never answers is timeout' '
	badpeer_start silent && port=$BADPEER_PORT &&
	outcomes silent http://127.0.0.1:$port/ >out && echo "timeout 20" >expect && test_cmp expect out
'

test_expect_success 'a peer that resets mid-response is reset' '
	badpeer_start reset && port=$BADPEER_PORT &&
	outcomes reset http://127.0.0.1:$port/ >out && echo "reset 20" >expect && test_cmp expect out
'

test_expect_success 'a peer that closes without answering is reset' '
	badpeer_start close && port=$BADPEER_PORT &&
	outcomes close http://127.0.0.1:$port/ >out && echo "reset 20" >expect && test_cmp expect out
'

test_expect_success 'a malformed status line is protocol' '
	badpeer_start malformed && port=$BADPEER_PORT &&
	outcomes malformed http://127.0.0.1:$port/ >out && echo "protocol 20" >expect && test_cmp expect out
'

test_expect_success 'haproxy with every server in maintenance is 503' '
	ngport=$(svc_free_port) && hport=$(svc_free_port) &&
	svc_nginx_start "$TEST_DIR/ng" $ngport &&
	svc_haproxy_start "$TEST_DIR/ha" $hport 127.0.0.1:$ngport &&
	outcomes up http://127.0.0.1:$hport/ >out && echo "200 20" >expect && test_cmp expect out &&
	svc_haproxy_cmd "$TEST_DIR/ha" "set server be/s1 state maint" &&
	outcomes maint http://127.0.0.1:$hport/ >out && echo "503 20" >expect && test_cmp expect out
'

test_expect_success 'beyond --max-inflight, ticks are logged as skipped, never dropped' '
	badpeer_start silent && port=$BADPEER_PORT &&
	"$PB" -q --rate 100 --duration 1s --timeout 500ms --max-inflight 2 -o cap.log \
		http://127.0.0.1:$port/ &&
	"$LOGCAT" -f req:outcome cap.log | sort | uniq -c >out &&
	skipped=$(awk "\$2==\"skipped\" { print \$1 }" out) &&
	timeouts=$(awk "\$2==\"timeout\" { print \$1 }" out) &&
	test $((skipped + timeouts)) -eq 100 &&
	test "$timeouts" -ge 2 && test "$timeouts" -le 4
'

test_expect_success 'a skipped tick has no latency, delay, bytes or request id' '
	"$LOGCAT" -f req:outcome,latency_us,delay_us,bytes,request_id cap.log |
		awk -F"\t" "\$1==\"skipped\" && (\$2 != -1 || \$3 != -1 || \$4 != -1 || \$5 != \"-\")" >bad &&
	test_must_be_empty bad
'

# A private network namespace, as root: its own loopback and port range, so
# that 51 local ports (and no TIME_WAIT reuse) run out in a quarter second.
if unshare -n true 2>/dev/null; then
	test_expect_success 'no free local port is the prober'"'"'s limit: skipped, a warning, never connect' '
		cat >ns.sh <<-EOF &&
		set -e
		ip link set lo up
		sysctl -q -w net.ipv4.ip_local_port_range="40000 40050" net.ipv4.tcp_tw_reuse=0
		. "$PB_SRC/lab/services.sh"
		trap svc_stop_all EXIT
		svc_nginx_start "$TEST_DIR/ns-ng" 8080
		"$PB" --connections new --rate 200 --duration 1s -o ports.log http://127.0.0.1:8080/ 2>ports.err
		EOF
		unshare -n bash ns.sh &&
		"$LOGCAT" -f req:outcome ports.log | sort | uniq -c >out &&
		# every connection nginx accepted is a 200; the rest were never sent
		sent=$(wc -l <"$TEST_DIR/ns-ng/access.log") &&
		test_within "$sent" 40 51 &&
		printf "%7d 200\n%7d skipped\n" "$sent" $((200 - sent)) >expect &&
		test_cmp expect out &&
		test "$("$LOGCAT" -f warn:message ports.log | grep -c "could not open a connection")" -eq 1 &&
		grep -q "Cannot assign requested address" ports.err &&
		test_expect_code 4 "$PB_BUILD/pbprobe-report" ports.log >report &&
		head -n 1 report | grep "^INCONCLUSIVE" &&
		grep "the prober warned: /: ticks logged as skipped, not sent" report
	'
else
	test_skip 'no free local port is the prober'"'"'s limit' 'unshare -n needs root'
fi

test_done
