#!/bin/bash
# Names and connections against nginx: --resolve and --connect-to reach a
# server with no resolver involved; a name that moves mid-run (a DNS cutover,
# made here with a private /etc/hosts in a mount namespace) is followed at
# once with --dns-ttl 0 and new connections, and not with libcurl's default
# cache; --max-conn-age ends reuse, counted by nginx's $connection.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
LOGCAT=$PB_BUILD/t/helpers/logcat
port=$(free_port)
# nginx on two loopback addresses, one port: the name's old and new homes
svc_nginx_start "$TEST_DIR/ng" "$port" "listen 127.0.0.2:$port;" ||
	skip_all "nginx did not start"
ACCESS=$TEST_DIR/ng/access.log

# peers LOG: "COUNT OUTCOME PEER" lines of LOG's requests
peers() {
	"$LOGCAT" -f req:outcome,peer "$1" | tr '\t' ' ' | sort | uniq -c | sed 's/^ *//'
}
# connections URI: how many distinct nginx connections served URI
connections() {
	awk -F'\t' -v u="$1" '$6 == u { print $9 }' "$ACCESS" | sort -u | wc -l
}

test_expect_success '--resolve pins a name that no resolver knows; --connect-to redirects a host:port' '
	"$PB" -q --rate 20 --duration 1s --resolve "probe.invalid:$port:127.0.0.2" \
		-o resolve.log "http://probe.invalid:$port/?run=resolve" &&
	peers resolve.log >got && echo "20 200 127.0.0.2:$port" >expect && test_cmp expect got &&
	"$PB" -q --rate 20 --duration 1s --connect-to "backend.invalid:80:127.0.0.1:$port" \
		-o connect.log "http://backend.invalid/?run=connect" &&
	peers connect.log >got && echo "20 200 127.0.0.1:$port" >expect && test_cmp expect got &&
	test_expect_code 2 "$PB" --connect-to "a:1:b" -d 1s http://h/ 2>err &&
	grep -q "connect-to: \"a:1:b\" is not HOST1:PORT1:HOST2:PORT2" err
'

# cutover OUT [OPTION...]: probes http://svc.invalid:$port/ for 2 s on new
# connections in a mount namespace whose /etc/hosts maps the name to
# 127.0.0.1, then, once a few requests are logged, to 127.0.0.2
cutover() {
	local out=$1
	shift
	printf "127.0.0.1 svc.invalid\n" >"$TEST_DIR/hosts.$out" &&
		unshare -m bash -c '
			mount --bind "$1" /etc/hosts || exit 3
			shift
			hosts=$1 pb=$2 out=$3 port=$4
			shift 4
			"$pb" -q --rate 20 --duration 2s --connections new "$@" -o "$out" \
				"http://svc.invalid:$port/?run=$out" &
			# the move, once the old address has answered a few (the log is
			# written every 100 ms): a slow start never hides the old home
			for i in $(seq 200); do
				[ "$(grep -c "^req" "$out" 2>/dev/null)" -ge 5 ] && break
				sleep 0.05
			done
			sleep 0.3
			printf "127.0.0.2 svc.invalid\n" >"$hosts"
			wait $!
		' - "$TEST_DIR/hosts.$out" "$TEST_DIR/hosts.$out" "$PB" "$out" "$port" "$@"
}

if unshare -m true 2>/dev/null; then
	test_expect_success 'a name that moves: --dns-ttl 0 follows it, the default cache does not' '
	cutover ttl0.log --dns-ttl 0 &&
	"$LOGCAT" -f req:outcome,peer ttl0.log >peers &&
	# the old address, then the new one (requests resolving as the file
	# changes may go either way); every one answered
	test "$(wc -l <peers)" = 40 && ! grep -v "^200	" peers &&
	head -n 3 peers | cut -f2 | sort -u >first && echo "127.0.0.1:$port" >expect && test_cmp expect first &&
	tail -n 3 peers | cut -f2 | sort -u >last && echo "127.0.0.2:$port" >expect && test_cmp expect last &&
	cutover cached.log &&
	peers cached.log >got && echo "40 200 127.0.0.1:$port" >expect && test_cmp expect got
'
else
	test_skip 'a name that moves: --dns-ttl 0 follows it' 'unshare -m needs root'
fi

# libcurl counts a connection's age in whole seconds: with --max-conn-age 1s
# one lives until it is 2 s old, so 3 s of probing take 2 or 3 connections
test_expect_success '--max-conn-age 1s: a kept-alive connection is not reused past 2 s' '
	"$PB" -q --rate 20 --duration 3s -o kept.log "http://127.0.0.1:$port/?run=kept" &&
	test "$(connections "/?run=kept")" = 1 &&
	"$PB" -q --rate 20 --duration 3s --max-conn-age 1s -o aged.log "http://127.0.0.1:$port/?run=aged" &&
	n=$(connections "/?run=aged") &&
	test "$n" -ge 2 && test "$n" -le 3
'

test_done
