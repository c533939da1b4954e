#!/bin/bash
# Failures by peer, by connection kind and by protocol, against nginx's own
# logs: which server answered each request (its $server_addr, joined by the
# X-Request-ID the prober sent), and whether it came on a new connection
# (nginx's $connection_requests is 1).
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
port=$(free_port)
other=$(free_port)
# a draining pod on 127.0.0.1:$port that answers 503, and a healthy one on
# 127.0.0.2:$port (its own 127.0.0.1 port unused)
if ! svc_nginx_start "$TEST_DIR/old" "$port" 'return 503;' ||
	! svc_nginx_start "$TEST_DIR/new" "$other" "listen 127.0.0.2:$port;"; then
	skip_all "nginx did not start"
fi

# answered DIR STATUS: how many requests of this run nginx in DIR logged with STATUS
answered() {
	awk -F'\t' -v s="$2" '$3 == s && $6 == "/?run=peer"' "$TEST_DIR/$1/access.log" | wc -l
}
# split KEY VALUE FIELD: FIELD of the by_KEY entry whose KEY is VALUE, in j
split() {
	jq -r --arg v "$2" ".targets[0].by_$1[] | select(.$1 == \$v) | .$3" j
}

# The name resolves to both addresses, the draining pod first: every new
# connection goes there until it stops, then libcurl, refused, takes the
# second address. The report must name the pod that failed.
test_expect_success 'failures by peer: the draining pod, and the healthy one without failures' '
	"$PB" -q --rate 20 --duration 2s --connections new \
		--resolve "svc.invalid:$port:127.0.0.1,127.0.0.2" -o peer.log \
		"svc=http://svc.invalid:$port/?run=peer" &
	pb=$! &&
	for i in $(seq 100); do
		[ "$(answered old 503)" -ge 10 ] && break
		sleep 0.05
	done &&
	svc_nginx_stop "$TEST_DIR/old" &&
	wait $pb &&
	failed_old=$(answered old 503) && served_new=$(answered new 200) &&
	test "$failed_old" -ge 10 && test "$served_new" -ge 5 &&
	test_expect_code 1 "$REPORT" -f json peer.log >j &&
	# every request the old pod answered failed there; a request cut by its
	# stop is a failure on that peer too, never on the healthy one
	old_failed=$(split peer "127.0.0.1:$port" failed) &&
	test "$(split peer "127.0.0.1:$port" requests)" = "$old_failed" &&
	test "$(jq -r ".targets[0].by_peer[] | select(.peer == \"127.0.0.1:$port\") | .outcomes[\"503\"]" j)" = "$failed_old" &&
	test "$(split peer "127.0.0.2:$port" requests)" = "$served_new" &&
	test "$(split peer "127.0.0.2:$port" failed)" = 0 &&
	test "$(jq ".targets[0].failed" j)" = "$old_failed" &&
	# requests of every peer add up to those sent
	test "$(jq "[.targets[0].by_peer[].requests] | add" j)" = "$(jq ".targets[0].requests" j)" &&
	test "$(split connection new requests)" = "$(jq ".targets[0].requests" j)" &&
	test_expect_code 1 "$REPORT" --color never peer.log >text &&
	grep -F "    by peer: 127.0.0.1:$port $old_failed of $old_failed (503 $failed_old" text &&
	grep -F "no failures from 1 other ($served_new requests)" text
'

# nginx closes a connection after 4 requests and fails the first request of
# each: only new connections fail, which the report must say.
test_expect_success 'failures by connection: new connections fail, reused ones do not' '
	port2=$(free_port) &&
	svc_nginx_start "$TEST_DIR/conn" "$port2" "keepalive_requests 4;" \
		"if (\$connection_requests = 1) { return 503; }" &&
	"$PB" -q --rate 20 --duration 2s -o conn.log "conn=http://127.0.0.1:$port2/?run=conn" &&
	first=$(awk -F"\t" "\$6 == \"/?run=conn\" && \$10 == 1" "$TEST_DIR/conn/access.log" | wc -l) &&
	later=$(awk -F"\t" "\$6 == \"/?run=conn\" && \$10 > 1" "$TEST_DIR/conn/access.log" | wc -l) &&
	test "$first" -ge 5 && test "$later" -ge 10 &&
	test_expect_code 1 "$REPORT" -f json conn.log >j &&
	test "$(split connection new requests)" = "$first" &&
	test "$(split connection new failed)" = "$first" &&
	test "$(split connection reused requests)" = "$later" &&
	test "$(split connection reused failed)" = 0 &&
	test "$(split protocol 1.1 requests)" = $((first + later)) &&
	test_expect_code 1 "$REPORT" --color never conn.log >text &&
	grep -F "    by connection: new $first of $first (503 $first); no failures from 1 other ($later requests)" text &&
	grep -F "    by protocol: 1.1 $first of $((first + later)) (503 $first)" text &&
	test_expect_code 1 "$REPORT" -f markdown conn.log >md &&
	grep -F "| conn | connection | new | $first | $first | 503 $first |" md &&
	test_expect_code 1 "$REPORT" -f junit conn.log >junit &&
	grep -F "failures by connection: new $first of $first (503 $first)" junit
'

test_done
