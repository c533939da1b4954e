#!/bin/bash
# The verdict has no blind spot: a prober that was paused, stopped twice,
# killed or cut short never gives PASS over time it did not observe, and a
# request in flight across its own stall is no invented failure. Checked
# against nginx's own log and the times at which the test injected each fault.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
LOGCAT=$PB_BUILD/t/helpers/logcat
port=$(free_port)
DOWN=$TEST_DIR/down
# nginx answers 503 while the file $DOWN exists: an outage the test turns on
# and off at known times.
svc_nginx_start "$TEST_DIR/ng" "$port" "if (-f $DOWN) { return 503; }" ||
	skip_all "nginx did not start"
URL=http://127.0.0.1:$port/

# Times the test injects a fault at, on the prober's timeline: monotonic
# time plus the wall clock's offset taken as the prober starts, as the
# prober does (t/helpers/clocks). `date` would read a wall clock that moved
# 20 ms against the prober's in 4 s on a loaded VM.
CLOCKS=$PB_BUILD/t/helpers/clocks
frame=$("$CLOCKS" offset) || {
	echo "Bail out! $CLOCKS is not built (make check-build)"
	exit 1
}
start_frame() { frame=$("$CLOCKS" offset); }
now_us() { "$CLOCKS" now "$frame"; }
# us FILTER: a time of the JSON report j, in integer microseconds
us() { jq "$1 * 1000000 | round" j; }
# report LOG: the JSON report in j, its exit status in rc
report() {
	rc=0
	"$REPORT" -f json "$@" >j || rc=$?
}

test_expect_success 'a prober paused across an outage: INCONCLUSIVE (exit 4), never PASS' '
	start_frame &&
	{ "$PB" -q --rate 100 --timeout 10s --duration 6s -o pause.log "$URL" & } &&
	pb=$! && sleep 1.5 &&
	kill -STOP $pb && stop_at=$(now_us) && sleep 0.3 &&
	touch "$DOWN" && down_from=$(now_us) && sleep 2 &&
	rm "$DOWN" && down_to=$(now_us) && sleep 0.3 &&
	cont_at=$(now_us) && kill -CONT $pb && wait $pb &&
	echo "$stop_at $down_from $down_to $cont_at" >pause.truth &&
	report pause.log &&
	test "$rc" = 4 &&
	jq -e ".gate.verdict == \"inconclusive\" and .targets[0].failed == 0" j &&
	# ground truth: nginx never answered 503, as the prober sent nothing then
	awk -F"\t" "\$3 == 503" "$TEST_DIR/ng/access.log" >served503 &&
	test_must_be_empty served503
'

test_expect_success 'the pause is one blind interval that covers it; its ticks are late' '
	read -r stop_at down_from down_to cont_at <pause.truth &&
	# the overdue ticks go out TICKS_PER_TURN at a time, the loop serving
	# sockets between: on a busy machine a tick of the catch-up may be late
	# too, a short interval of its own after the pause, and rightly so
	jq -r ".targets[0].blind[] | [(.start * 1e6 | round), (.end * 1e6 | round)] | @tsv" j >blind &&
	# a tick due less than --max-lag (100 ms) before the prober ran again
	# was sent within it: on time by definition
	awk -v a=$((stop_at + 20000)) -v b=$((cont_at - 100000 - 20000)) \
		"\$1 <= a && \$2 >= b" blind >covering &&
	test "$(wc -l <covering)" = 1 &&
	# and it began with the pause (a tick due less than --max-lag before it
	# may have been unsent still)
	read -r start _ <covering &&
	test "$start" -ge $((stop_at - 100000 - 20000)) &&
	# every tick scheduled in the outage was sent late, after it
	"$LOGCAT" -f req:time,lag_us,target,request_id pause.log | awk -F"\t" -v a="$down_from" -v b="$down_to" \
		"\$1 >= a && \$1 < b && \$2 <= 100000" >on_time &&
	test_must_be_empty on_time &&
	test "$(jq ".targets[0].late" j)" -ge 200 &&
	jq -r ".gate.reasons[0]" j | grep -E "^/: [0-9.]+s blind in [0-9]+ intervals? .* sent late\): the prober did not observe it on time"
'

test_expect_success 'the stall of the prober is logged, from before the pause to after it' '
	read -r stop_at down_from down_to cont_at <pause.truth &&
	"$LOGCAT" -f stall:time,end,length_us pause.log >stalls &&
	# one stall spans the pause; the catch-up after it may be one more on a
	# busy machine (it is time the loop did not run on schedule either)
	awk -F"\t" -v a="$stop_at" -v b="$cont_at" "\$1 <= a && \$2 >= b" stalls >spanning &&
	test "$(wc -l <spanning)" = 1 &&
	IFS="	" read -r start end length <spanning &&
	test "$length" = $((end - start)) &&
	n=$(wc -l <stalls) &&
	jq -r ".notes[]" j | grep -E "pause.log: the prober'"'"'s event loop stalled $n times?"
'

test_expect_success 'requests in flight across a pause: no invented timeout' '
	# /slow takes about 1 s (2 KiB at 2 KiB/s); the pause outlasts the
	# timeout while nginx answers every request in flight
	"$PB" -q --rate 20 --timeout 1500ms --duration 4s -o flight.log slow=http://127.0.0.1:$port/slow &
	pb=$! && sleep 1.5 &&
	kill -STOP $pb && sleep 2.5 && kill -CONT $pb && wait $pb &&
	"$LOGCAT" -f req:stalled,request_id,outcome flight.log | awk -F"\t" "\$1 == 1 { print \$2, \$3 }" >stalled &&
	test -s stalled &&
	# nginx answered every one of them, in full
	while read -r id outcome; do
		grep -q "	200	$id	GET	/slow	2048	" "$TEST_DIR/ng/access.log" || return 1
	done <stalled &&
	report flight.log &&
	test "$rc" = 4 &&
	jq -e ".targets[0].failed == 0" j
'

test_expect_success 'a second signal: the command is stopped and waited for, exit 143' '
	"$PB" -q --rate 50 --timeout 10s --lead 200ms -o twice.log slow=http://127.0.0.1:$port/slow \
		-- sh -c "trap \"\" TERM; echo \$\$ >cmd.pid; sleep 60; echo survived >cmd.out" &
	pb=$! &&
	test_wait_for 5 test -s cmd.pid && sleep 1.5 &&
	kill -TERM $pb && sleep 0.3 && second=$(now_us) && kill -TERM $pb &&
	rc=0 && wait $pb || rc=$? &&
	done_at=$(now_us) &&
	test "$rc" = 143 &&
	! kill -0 "$(cat cmd.pid)" 2>/dev/null &&
	# nothing of its process group lives on (a zombie awaits its reaper)
	ps -eo pgid=,stat= | awk -v g="$(cat cmd.pid)" "\$1 == g && \$2 !~ /^Z/" >alive &&
	test_must_be_empty alive &&
	test ! -e cmd.out &&
	# it ignored SIGTERM: SIGKILL 5 s later, and pbprobe waited for it
	test $((done_at - second)) -ge 4900000 &&
	"$LOGCAT" -f cmd-exit:time,status,how twice.log | grep -x "[0-9]*	137	killed:SIGKILL"
'

test_expect_success 'a second signal: the abandoned requests are counted, the run is inconclusive' '
	abandoned=$("$LOGCAT" -f warn:message twice.log | sed -n "s/^\([0-9]*\) requests in flight at a second signal.*/\1/p") &&
	test "$abandoned" -gt 0 &&
	report twice.log &&
	test "$rc" = 4 &&
	test "$(jq ".targets[0].missing" j)" = "$abandoned" &&
	jq -r ".gate.reasons[]" j | grep -F "twice.log: the prober was stopped by a signal"
'

test_expect_success 'a prober killed with SIGKILL: INCONCLUSIVE, never PASS' '
	"$PB" -q --rate 100 --duration 10s -o killed.log "$URL" &
	pb=$! && sleep 1 && kill -KILL $pb && { wait $pb || :; } &&
	report killed.log &&
	test "$rc" = 4 &&
	jq -r ".gate.reasons[0]" j | grep -F "killed.log: no end line: the prober was cut short" &&
	jq -e ".logs[0].end == null and .targets[0].failed == 0" j
'

test_expect_success 'a log cut by a file size limit while the upgrade serves 503s: INCONCLUSIVE' '
	test_expect_code 3 bash -c "ulimit -f 64; exec \"\$0\" \"\$@\"" "$PB" -q --rate 1k \
		--lead 100ms --tail 100ms -o cut.log "$URL" \
		-- sh -c "sleep 1; touch \"$DOWN\"; sleep 2; rm -f \"$DOWN\"" 2>cut.err &&
	grep -q "File too large" cut.err &&
	report cut.log &&
	test "$rc" = 4 &&
	jq -e ".gate.passed == false and .gate.verdict == \"inconclusive\"" j
'

# A resolver that never answers, in a mount namespace of the prober's own
# (its /etc/resolv.conf bind-mounted): no query leaves the machine.
DNS_IP=127.0.53.$((RANDOM % 200 + 20))
cat >silent-dns.py <<'PY'
import socket, sys, time
ip = sys.argv[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((ip, 53))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind((ip, 53)); t.listen(64)
open(sys.argv[2], "w").write("ready\n")
time.sleep(60)
PY
printf 'nameserver %s\noptions timeout:5 attempts:2\n' "$DNS_IP" >resolv.silent
printf 'nameserver 127.0.53.1\noptions timeout:5 attempts:2\n' >resolv.refused
# in_resolver FILE CMD...: CMD with FILE as its /etc/resolv.conf
in_resolver() {
	unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$@"
}
if command -v python3 >/dev/null && in_resolver resolv.silent true 2>/dev/null; then
	test_bg python3 silent-dns.py "$DNS_IP" dns.ready &&
		test_wait_for 5 test -s dns.ready && dns_ok=1
fi

if [ "${dns_ok:-0}" = 1 ]; then
	test_expect_success 'a name whose lookup hangs: each request ends at --timeout, the run at --duration + --timeout' '
		start=$(now_us) &&
		in_resolver resolv.silent "$PB" -q -t 2s -d 1s --rate 5 -o hang.log http://pbprobe-no-such-host.example/ &&
		took=$(($(now_us) - start)) &&
		test "$took" -lt 4000000 &&
		"$LOGCAT" -f req:outcome,latency_us hang.log >reqs &&
		test "$(wc -l <reqs)" = 5 &&
		awk "\$1 != \"timeout\" && \$1 != \"dns\" || \$2 > 2100000" reqs >bad &&
		test_must_be_empty bad &&
		test_expect_code 1 "$REPORT" -f json hang.log >j &&
		# the downtime lies in the span the prober observed: the first tick to the last answer
		jq -e ".targets[0].downtime_s <= .duration_s + 2.1" j
	'
	test_expect_success 'a name whose lookup fails: a dns failure at once, no stall' '
		in_resolver resolv.refused "$PB" -q -t 2s -d 1s --rate 5 -o nx.log http://pbprobe-no-such-host.example/ &&
		"$LOGCAT" -f req:outcome,latency_us,time nx.log | awk -F"\t" "\$1 != \"dns\" || \$2 > 500000" >bad &&
		test_must_be_empty bad &&
		"$LOGCAT" -f stall:time,end,length_us nx.log >stalls &&
		test_must_be_empty stalls
	'
else
	test_skip 'a name whose lookup hangs: each request ends at --timeout, the run at --duration + --timeout' \
		"no mount namespace (unshare -m) or no python3 here"
	test_skip 'a name whose lookup fails: a dns failure at once, no stall' \
		"no mount namespace (unshare -m) or no python3 here"
fi

# libfaketime's LD_PRELOAD and AddressSanitizer's runtime deadlock at start
if grep -q __asan_init "$PB" 2>/dev/null; then
	test_skip 'a mark made after a wall clock step lands on the prober'"'"'s timeline' \
		"faketime (LD_PRELOAD) hangs an AddressSanitizer build; the plain build runs it"
else
	test_expect_success 'a mark made after a wall clock step lands on the prober'"'"'s timeline' '
		# the marker sees the wall clock an hour back (as after a step of the
		# system clock); the monotonic clock, which marks carry, is untouched
		"$PB" -q --rate 20 --lead 200ms --tail 200ms -o step.log "$URL" -- sh -c "
			sleep 0.3 && before=\$(date +%s%6N) &&
			FAKETIME_DONT_FAKE_MONOTONIC=1 timeout 20 faketime -f -1h \"$PB\" mark after the step &&
			after=\$(date +%s%6N) && echo \$before \$after >step.truth" &&
		read -r before after <step.truth &&
		t=$("$LOGCAT" -f mark:time step.log) &&
		test_within "$t" "$before" "$after"
	'
fi

test_expect_success 'pbprobe mark without a prober warns and exits 0; --strict fails' '
	env -u PBPROBE_MARK "$PB" mark lost 2>err &&
	grep -F "the mark is not recorded" err &&
	test_expect_code 2 env -u PBPROBE_MARK "$PB" mark --strict lost &&
	PBPROBE_MARK=$TEST_DIR/no-such-fifo "$PB" mark gone 2>err &&
	test_expect_code 3 env PBPROBE_MARK="$TEST_DIR/no-such-fifo" "$PB" mark --strict gone
'

test_done
