#!/bin/bash
# Error classes against real misbehaving peers: each failure is named for
# what a user would have seen, and the in-flight cap logs skipped ticks.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
LOGCAT=$PB_BUILD/t/helpers/logcat

# outcomes of a short probe of URL, as "count outcome" lines
outcomes() {
	"$PB" -q --rate 20 --duration 1s --timeout 300ms -o "$1.log" "$2" &&
	"$LOGCAT" "$1.log" | awk -F"\t" '$1=="req" { print $4 }' | sort | uniq -c | awk '{ print $2, $1 }'
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
	"$LOGCAT" cap.log | awk -F"\t" "\$1==\"req\" { print \$4 }" | sort | uniq -c >out &&
	skipped=$(awk "\$2==\"skipped\" { print \$1 }" out) &&
	timeouts=$(awk "\$2==\"timeout\" { print \$1 }" out) &&
	test $((skipped + timeouts)) -eq 100 &&
	test "$timeouts" -ge 2 && test "$timeouts" -le 4
'

test_expect_success 'a skipped tick has no latency, delay, bytes or request id' '
	"$LOGCAT" cap.log | awk -F"\t" "\$4==\"skipped\" && (\$5 != -1 || \$6 != -1 || \$7 != -1 || \$11 != \"-\")" >bad &&
	test_must_be_empty bad
'

test_done
