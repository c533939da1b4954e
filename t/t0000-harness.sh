#!/bin/bash
# t0000-harness: the test harness itself. The private servers of
# lab/services.sh and the bad peers of t/helpers/badpeer behave as the
# other tests assume, the helpers of t/lib.sh catch what they must, nothing
# outlives a script, and t/run-all never loses a failure.

# Bodies are single-quoted strings eval'd later; shellcheck cannot see that
# they expand, use the variables, and call the helper functions.
# shellcheck disable=SC2016,SC2034,SC2317

# shellcheck source-path=SCRIPTDIR source=./lib.sh
. "$(dirname "$0")/lib.sh"

test_expect_success 'free_port gives distinct loopback ports that nobody uses' '
	p1=$(free_port) && p2=$(free_port) &&
	test "$p1" != "$p2" &&
	test -z "$(ss -Htan "sport = :$p1")" &&
	test -z "$(ss -Htan "sport = :$p2")" &&
	test "$(cat "$SVC_PORT_DIR/$p1")" = "$$"
'

NG=$TEST_DIR/nginx
NG_PORT=$(free_port)
test_expect_success 'nginx starts on a private port and answers 200 on /' '
	svc_nginx_start "$NG" "$NG_PORT" "location = /down { return 503; }" &&
	test "$(http_status "http://127.0.0.1:$NG_PORT/")" = 200 &&
	curl -sS -m 5 "http://127.0.0.1:$NG_PORT/" >body &&
	echo "pbprobe test page" >expect &&
	test_cmp expect body
'

test_expect_success 'extra server-block lines reach the nginx config' '
	test "$(http_status "http://127.0.0.1:$NG_PORT/down")" = 503 &&
	test "$(http_status "http://127.0.0.1:$NG_PORT/nothing-here")" = 404
'

# Checks the access log line of request ID $2: 13 TAB-separated fields,
# $msec between $3 and $4 (Unix seconds), status 200, GET /.
access_line_ok() {
	awk -F'\t' -v id="$2" -v b="$3" -v e="$4" '
		$4 == id {
			n++
			if ($1 !~ /^[0-9]+\.[0-9][0-9][0-9]$/ || $1 < b || $1 > e) bad = "msec " $1
			if ($2 !~ /^[0-9]+\.[0-9][0-9][0-9]$/) bad = "request_time " $2
			if ($3 != 200 || $5 != "GET" || $6 != "/") bad = "fields: " $0
			if (NF != 13 || $12 != "HTTP/1.1") bad = "NF " NF " or protocol " $12
			if ($13 !~ /^127\.0\.0\.1:[0-9]+$/) bad = "server address " $13
		}
		END {
			if (bad != "") print bad
			exit !(n == 1 && bad == "")
		}' "$1"
}

test_expect_success 'nginx access log has end time, duration, status and X-Request-ID' '
	before=$(date +%s) &&
	test "$(http_status "http://127.0.0.1:$NG_PORT/" -H "X-Request-ID: t0000-abc")" = 200 &&
	test_wait_for 5 grep -q "t0000-abc" "$NG/access.log" &&
	access_line_ok "$NG/access.log" t0000-abc "$before" "$(($(date +%s) + 1))"
'

HP=$TEST_DIR/haproxy
HP_PORT=$(free_port)
test_expect_success 'haproxy forwards to nginx' '
	svc_haproxy_start "$HP" "$HP_PORT" "127.0.0.1:$NG_PORT" &&
	test "$(http_status "http://127.0.0.1:$HP_PORT/" -H "X-Request-ID: via-haproxy")" = 200 &&
	test_wait_for 5 grep -q "via-haproxy" "$NG/access.log"
'

test_expect_success 'haproxy admin socket puts the server in maint (503) and back (200)' '
	svc_haproxy_cmd "$HP" "set server be/s1 state maint" &&
	test "$(http_status "http://127.0.0.1:$HP_PORT/")" = 503 &&
	svc_haproxy_cmd "$HP" "set server be/s1 state ready" &&
	test "$(http_status "http://127.0.0.1:$HP_PORT/")" = 200
'

test_expect_success 'haproxy admin socket refuses a server that does not exist' '
	test_must_fail svc_haproxy_cmd "$HP" "set server be/s9 state maint"
'

# The pid of haproxy's current worker, from the master CLI.
current_worker() {
	printf 'show proc\n' | socat -t 2 - "UNIX-CONNECT:$1/master.sock" |
		awk '$2 == "worker" { print $1; exit }'
}

# Whether haproxy in $1 sees server $2 in operational state $3 (0 down, 2 up).
server_is() {
	svc_haproxy_cmd "$1" "show servers state be" |
		awk -v s="$2" -v st="$3" '$4 == s && $6 == st { ok = 1 } END { exit !ok }'
}

test_expect_success 'haproxy reload starts a new worker and keeps serving' '
	old=$(current_worker "$HP") && test -n "$old" &&
	svc_haproxy_reload "$HP" &&
	new=$(current_worker "$HP") && test -n "$new" &&
	test "$new" != "$old" &&
	test "$(http_status "http://127.0.0.1:$HP_PORT/")" = 200
'

test_expect_success 'haproxy health checks take a stopped backend out of the pool' '
	ng2=$TEST_DIR/nginx2 && ng2_port=$(free_port) &&
	svc_nginx_start "$ng2" "$ng2_port" &&
	hc=$TEST_DIR/haproxy-check && hc_port=$(free_port) &&
	svc_haproxy_start "$hc" "$hc_port" --check "127.0.0.1:$NG_PORT" "127.0.0.1:$ng2_port" &&
	test_wait_for 5 server_is "$hc" s2 2 &&
	svc_nginx_stop "$ng2" &&
	test_wait_for 5 server_is "$hc" s2 0 &&
	for i in 1 2 3 4 5 6; do
		test "$(http_status "http://127.0.0.1:$hc_port/")" = 200 || return 1
	done
'

PG=$TEST_DIR/pg
PG_PORT=$(free_port)
test_expect_success 'PostgreSQL starts as an unprivileged user and answers SELECT 1' '
	svc_pg_start "$PG" "$PG_PORT" &&
	test "$(svc_pg_psql "$PG" "$PG_PORT" "SELECT 1")" = 1 &&
	postmaster=$(head -n 1 "$PG/pgdata/postmaster.pid") &&
	owner=$(ps -o user= -p "$postmaster") &&
	if test "$(id -u)" = 0; then test "$owner" = "$SVC_PG_USER"; fi &&
	test "$owner" != root
'

test_expect_success 'PostgreSQL stop refuses connections; start serves the same data again' '
	svc_pg_psql "$PG" "$PG_PORT" "CREATE TABLE kept (v int)" "INSERT INTO kept VALUES (42)" &&
	svc_pg_stop "$PG" &&
	test_must_fail svc_pg_psql "$PG" "$PG_PORT" "SELECT 1" &&
	svc_pg_start "$PG" "$PG_PORT" &&
	test "$(svc_pg_psql "$PG" "$PG_PORT" "SELECT v FROM kept")" = 42
'

test_expect_success 'PostgreSQL restart stays down for the interval asked' '
	start=$(date +%s%N) &&
	svc_pg_restart "$PG" "$PG_PORT" 1 immediate &&
	elapsed_ms=$((($(date +%s%N) - start) / 1000000)) &&
	test "$elapsed_ms" -ge 1000 &&
	test "$(svc_pg_psql "$PG" "$PG_PORT" "SELECT 1")" = 1
'

test_expect_success 'badpeer silent: the client times out (curl exit 28)' '
	badpeer_start silent &&
	rc=0 && curl -sS -m 1 -o /dev/null "http://127.0.0.1:$BADPEER_PORT/" || rc=$? &&
	test "$rc" = 28
'

test_expect_success 'badpeer reset: the connection is reset mid-body (curl exit 18 or 56)' '
	badpeer_start reset &&
	rc=0 && curl -sS -m 5 -o /dev/null "http://127.0.0.1:$BADPEER_PORT/" || rc=$? &&
	{ test "$rc" = 18 || test "$rc" = 56; }
'

test_expect_success 'badpeer malformed: the client sees no HTTP (curl exit 1 or 8)' '
	badpeer_start malformed &&
	rc=0 && curl -sS -m 5 -o /dev/null "http://127.0.0.1:$BADPEER_PORT/" || rc=$? &&
	{ test "$rc" = 1 || test "$rc" = 8; }
'

test_expect_success 'badpeer close: the client gets an empty reply (curl exit 52)' '
	badpeer_start close &&
	rc=0 && curl -sS -m 5 -o /dev/null "http://127.0.0.1:$BADPEER_PORT/" || rc=$? &&
	test "$rc" = 52
'

test_expect_success 'badpeer serves many connections at once' '
	badpeer_start close &&
	pids= &&
	for i in $(seq 1 40); do
		{ curl -s -m 5 -o /dev/null "http://127.0.0.1:$BADPEER_PORT/$i"; echo $? >"rc.$i"; } &
		pids="$pids $!"
	done &&
	wait $pids &&
	test "$(cat rc.* | sort -u)" = 52 &&
	test "$(cat rc.* | wc -l)" = 40
'

gone() {
	! _svc_alive "$1"
}

test_expect_success 'badpeer exits by itself after --max-seconds and refuses bad usage' '
	badpeer --max-seconds 1 silent 0 >out &
	pid=$! &&
	test_wait_for 5 gone "$pid" &&
	wait "$pid" &&
	grep -q "^ready [0-9][0-9]*\$" out &&
	test_must_fail badpeer teapot 0 &&
	test_must_fail badpeer silent 70000 &&
	test_must_fail badpeer --max-seconds 0 silent 0
'

test_expect_success 'test_must_fail accepts a failure, not a success, a signal or a missing command' '
	test_must_fail false &&
	test_must_fail sh -c "exit 3" &&
	! test_must_fail true 2>/dev/null &&
	! test_must_fail sh -c "kill -SEGV \$\$" 2>/dev/null &&
	! test_must_fail sh -c "kill -ABRT \$\$" 2>/dev/null &&
	! test_must_fail no-such-command-pbprobe 2>/dev/null
'

test_expect_success 'test_cmp fails on a difference' '
	printf "a\n" >one && printf "b\n" >two &&
	test_cmp one one &&
	! test_cmp one two >/dev/null
'

# A script that starts nginx, haproxy and a background process, then waits.
cat >"$TEST_DIR/victim.sh" <<EOF
#!/bin/bash
. "$PB_SRC/t/lib.sh"
p=\$(free_port) && svc_nginx_start "\$TEST_DIR/ng" "\$p" &&
h=\$(free_port) && svc_haproxy_start "\$TEST_DIR/hp" "\$h" "127.0.0.1:\$p" &&
test_bg sleep 300 &&
{ cat "\$TEST_DIR/ng/nginx.pid" "\$TEST_DIR/hp/haproxy.pid"; echo "\$TEST_BG_PID"; echo "\$TEST_DIR"; } >"\$VICTIM_INFO.tmp" &&
mv "\$VICTIM_INFO.tmp" "\$VICTIM_INFO"
sleep 300
EOF

victim_up() {
	local pid
	test -s "$1" || return 1
	for pid in $(head -n 3 "$1"); do
		_svc_alive "$pid" || return 1
	done
}

victim_gone() {
	local pid
	for pid in $(head -n 3 "$1"); do
		_svc_alive "$pid" && return 1
	done
	test ! -e "$(sed -n 4p "$1")"
}

# TERM and INT go to the victim's whole process group, as timeout(1) and a
# Ctrl-C send them; KILL only to its shell, so the watchdog must clean up.
# The victim gets its own session, and INT back (a background job ignores it);
# for TERM and INT it runs without its watchdog: its traps alone must do.
for sig in TERM INT KILL; do
	case $sig in
	KILL) target=victim no_watchdog=0 ;;
	*) target=group no_watchdog=1 ;;
	esac
	test_expect_success "a script killed with SIG$sig leaves no server or directory behind" '
		info=$TEST_DIR/victim-'"$sig"'.info
		TEST_NO_WATCHDOG='"$no_watchdog"' VICTIM_INFO=$info setsid env --default-signal=INT bash "$TEST_DIR/victim.sh" >/dev/null 2>&1 &
		victim=$! &&
		test_wait_for 10 victim_up "$info" &&
		if test '"$target"' = group; then to=-$victim; else to=$victim; fi &&
		kill -s '"$sig"' -- "$to" &&
		test_wait_for 10 victim_gone "$info" &&
		{ kill -KILL -- "-$victim" 2>/dev/null; wait "$victim"; true; }
	'
done

# t/run-all on a suite with every way of failing: each must count.
test_expect_success 't/run-all counts dying, hanging and miscounting scripts as failures' '
	mkdir -p fake/t &&
	printf "%s\n" "echo \"ok 1 - a\"" "echo \"ok 2 - b\"" "echo 1..2" >fake/t/t1-pass.sh &&
	printf "%s\n" "echo \"ok 1 - a\"" "echo \"not ok 2 - b\"" "echo 1..2" "exit 1" >fake/t/t2-fail.sh &&
	printf "%s\n" "echo \"ok 1 - a\"" "kill -SEGV \$\$" >fake/t/t3-crash.sh &&
	printf "%s\n" "echo \"ok 1 - a\"" "echo 1..3" >fake/t/t4-plan.sh &&
	printf "%s\n" "echo \"ok 1 - a\"" "echo 1..1" "exit 2" >fake/t/t5-exit.sh &&
	printf "%s\n" "echo \"ok 1 - a\"" "sleep 30" "echo 1..1" >fake/t/t6-hang.sh &&
	printf "%s\n" "echo \"ok 1 - a # SKIP no db\"" "echo \"ok 2 - b\"" "echo 1..2" >fake/t/t7-skip.sh &&
	printf "%s\n" "echo \"1..0 # SKIP nothing to do\"" >fake/t/t8-skipall.sh &&
	rc=0 &&
	PB_SRC=$PWD/fake PB_BUILD=$PWD/fake RUN_ALL_TIMEOUT=2 "$PB_SRC/t/run-all" fake/t/t*.sh >out 2>&1 ||
		rc=$? &&
	cat out &&
	test "$rc" = 1 &&
	test "$(tail -n 1 out)" = "8 passed, 5 failed" &&
	grep -q "^t3-crash.sh: 1 passed, 1 failed: killed by signal 11" out &&
	grep -q "^t4-plan.sh: 1 passed, 1 failed: planned 3 tests, ran 1" out &&
	grep -q "^t5-exit.sh: 1 passed, 1 failed: exit status 2" out &&
	grep -q "^t6-hang.sh: 1 passed, 1 failed: timed out" out &&
	grep -q "^t7-skip.sh: 1 passed, 0 failed, 1 skipped" out &&
	grep -q "^t8-skipall.sh: 0 passed, 0 failed (SKIP nothing to do)" out &&
	rc=0 &&
	PB_SRC=$PWD/fake PB_BUILD=$PWD/fake "$PB_SRC/t/run-all" fake/t/t1-pass.sh fake/t/t7-skip.sh >out2 2>&1 ||
		rc=$? &&
	test "$rc" = 0 &&
	test "$(tail -n 1 out2)" = "3 passed, 0 failed"
'

test_done
