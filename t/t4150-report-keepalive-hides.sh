#!/bin/bash
# --connections both behind a balancer that balances connections, not
# requests (haproxy in TCP mode, as kube-proxy is): the Service moves from a
# healthy backend to a broken one by a graceful reload. The connection kept
# alive stays with the old worker and the old backend, and sees nothing; new
# connections, as new users make them, reach the broken one. The report must
# tell the two series apart, each matching what the backends' own logs say.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
LOGCAT=$PB_BUILD/t/helpers/logcat
good=$(free_port) bad=$(free_port) front=$(free_port)
if ! svc_nginx_start "$TEST_DIR/good" "$good" ||
	! svc_nginx_start "$TEST_DIR/bad" "$bad" 'return 503;' ||
	! svc_haproxy_start "$TEST_DIR/hap" "$front" --defaults "mode tcp" -- "s1=127.0.0.1:$good"; then
	skip_all "nginx or haproxy did not start"
fi

# served DIR STATUS: requests of this run nginx in DIR answered with STATUS
served() {
	awk -F'\t' -v s="$2" '$3 == s && $6 == "/?run=both"' "$TEST_DIR/$1/access.log" | wc -l
}

test_expect_success 'a kept-alive connection hides the move; new connections see it; the report tells them apart' '
	"$PB" -q --rate 20 --duration 3s --connections both -o both.log \
		"svc=http://127.0.0.1:$front/?run=both" &
	pb=$! &&
	for i in $(seq 100); do
		[ "$(served good 200)" -ge 20 ] && break
		sleep 0.05
	done &&
	# the Service now points at the broken backend
	sed -i "s/server s1 127.0.0.1:$good/server s1 127.0.0.1:$bad/" "$TEST_DIR/hap/haproxy.cfg" &&
	svc_haproxy_reload "$TEST_DIR/hap" &&
	wait $pb &&
	broken=$(served bad 503) && test "$broken" -ge 10 &&
	# the kept-alive series: every request answered by the old backend
	test "$("$LOGCAT" -f req:target,outcome both.log | grep -c "^svc	200$")" = 60 &&
	test_expect_code 1 "$REPORT" -f json both.log >j &&
	test "$(jq -r ".targets[] | select(.name == \"svc\") | .failed" j)" = 0 &&
	test "$(jq -r ".targets[] | select(.name == \"svc~new\") | .failed" j)" = "$broken" &&
	test "$(jq -r ".targets[] | select(.name == \"svc~new\") | .by_connection[0] | \"\(.connection) \(.failed) \(.outcomes[\"503\"])\"" j)" = "new $broken $broken" &&
	test "$(jq -r ".targets[] | select(.name == \"svc~new\") | .windows_count" j)" = 1 &&
	test_expect_code 1 "$REPORT" --color never both.log >text &&
	grep "^FAIL  svc~new: $broken failed requests" text &&
	! grep "^ *svc: " text
'

test_done
