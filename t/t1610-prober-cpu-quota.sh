#!/bin/bash
# The prober under a CPU limit, as in a pod with resources.limits.cpu: a CFS
# quota made here in cgroup v1. At a rate the quota cannot carry (2000/s in
# 0.05 core) the prober falls behind: the report is never a PASS
# (INCONCLUSIVE, or FAIL on 503s it did see), it has blind time, and no
# success it counts fell in the outage the test injected. At a rate the quota
# carries (50/s in 0.1 core), the outage's window matches the times the test
# injected it within 1/rate + 25 ms.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
LOGCAT=$PB_BUILD/t/helpers/logcat
CG_ROOT=/sys/fs/cgroup/cpu
if [ ! -w "$CG_ROOT" ] || [ ! -f "$CG_ROOT/cpu.cfs_quota_us" ]; then
	skip_all "no writable cgroup v1 cpu controller at $CG_ROOT: a CPU quota cannot be made here"
fi
CG=$CG_ROOT/pbprobe-t1610-$$
mkdir "$CG" 2>/dev/null || skip_all "cannot make a cgroup in $CG_ROOT"
# the group goes with the script, whatever ends it (its processes end first)
trap 'rc=$?; rmdir "$CG" 2>/dev/null; (exit $rc); test_cleanup' EXIT
if ! echo 100000 >"$CG/cpu.cfs_period_us" || ! echo 10000 >"$CG/cpu.cfs_quota_us"; then
	skip_all "cannot set a CFS quota in $CG"
fi

port=$(free_port)
DOWN=$TEST_DIR/down
svc_nginx_start "$TEST_DIR/ng" "$port" "if (-f $DOWN) { return 503; }" ||
	skip_all "nginx did not start"
URL=http://127.0.0.1:$port/

now_us() { date +%s%6N; }
us() { jq "$1 * 1000000 | round" j; }
# in_quota CMD...: runs CMD inside the cgroup, as a container's process
in_quota() {
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG" "$@"
}
# outage FROM_S FOR_S TRUTH: 503s from FROM_S seconds from now for FOR_S
outage() {
	sleep "$1" && local a b && a=$(now_us) && touch "$DOWN" && b=$(now_us) &&
		sleep "$2" && local c d && c=$(now_us) && rm "$DOWN" && d=$(now_us) &&
		echo "$a $b $c $d" >"$3"
}

test_expect_success 'a rate the quota cannot carry: never PASS, blind time, no success invented in the outage' '
	# 0.05 core: in 0.1 core a kept-alive prober nearly carried 2000/s on
	# this machine (0.795 s blind in 4 s, one run of many), a test of
	# starvation must starve
	echo 5000 >"$CG/cpu.cfs_quota_us" &&
	in_quota "$PB" -q --rate 2000 --duration 4s -o starved.log "$URL" &
	pb=$! &&
	outage 1.5 0.7 starved.truth && wait $pb &&
	read -r down_from _ _ down_to <starved.truth &&
	rc=0 && "$REPORT" -f json starved.log >j || rc=$? &&
	# what decides, said whatever the outcome, so a failure is understood
	jq -r "\"report exit $rc: \(.gate.verdict), \(.targets[0].late) late, \(.targets[0].blind_s) s blind, \(.targets[0].failed) failed\"" j &&
	# INCONCLUSIVE; or FAIL when some 503s of the outage were answered to
	# requests it did observe (a 503 is the server'"'"'s whatever the prober
	# did meanwhile); never PASS
	{ test "$rc" = 4 || test "$rc" = 1; } &&
	jq -e ".targets[0].late > 1000 and .targets[0].blind_s >= 1" j &&
	# every failure it reports is a 503 nginx really served
	served=$(awk -F"\t" "\$3 == 503" "$TEST_DIR/ng/access.log" | wc -l) &&
	echo "nginx answered $served requests 503" &&
	jq -e ".targets[0].failed == (.targets[0].status[\"503\"] // 0) and .targets[0].failed <= $served" j &&
	# and no success is counted at a time nginx was answering 503: a 200
	# on time written well inside the outage (the loop may run up to
	# 100 ms + --max-lag after a write it stamped) would be invented
	"$LOGCAT" -f req:outcome,lag_us,time,delay_us,request_id starved.log |
		awk -F"\t" -v a=$((down_from + 200000)) -v b=$((down_to - 200000)) \
			"\$1 == 200 && \$2 <= 100000 && \$3 + \$4 > a && \$3 + \$4 < b" >invented &&
	test_must_be_empty invented
'

test_expect_success 'a rate the quota carries: the window matches the outage within 1/rate + 25 ms' '
	echo 10000 >"$CG/cpu.cfs_quota_us" &&
	: >"$TEST_DIR/ng/access.log" &&
	in_quota "$PB" -q --rate 50 --duration 4s -o fed.log "$URL" &
	pb=$! &&
	outage 1.5 0.8 fed.truth && wait $pb &&
	read -r down_from down_to up_from up_to <fed.truth &&
	tol=$((1000000 / 50 + 25000)) &&
	rc=0 && "$REPORT" -f json fed.log >j || rc=$? &&
	echo "truth: 503 from $down_from..$down_to to $up_from..$up_to" &&
	jq -r "\"report exit $rc: \(.gate.verdict), \(.targets[0].late) late, \(.targets[0].blind_s) s blind, windows \(.targets[0].windows | map([.start, .end]))\"" j &&
	"$LOGCAT" -f stall:time,end,length_us fed.log | awk "{ print \"stall\", \$0 }" &&
	"$LOGCAT" -f req:time,lag_us fed.log | awk -F"\t" "\$2 != \"-\" && \$2 > 20000 { print \"late req\", \$0 }" &&
	test "$rc" = 1 &&
	test "$(jq ".targets[0].windows_count" j)" = 1 &&
	test_within "$(us ".targets[0].windows[0].start")" $((down_from - tol)) $((down_to + tol)) &&
	test_within "$(us ".targets[0].windows[0].end")" $((up_from - tol)) $((up_to + tol))
'

test_done
