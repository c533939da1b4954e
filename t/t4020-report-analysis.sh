#!/bin/bash
# The numbers: hand-made logs (t/data/report-*.log) with known windows,
# bursts, skipped and missing ticks, versions and several probers; the
# JSON report must give exactly them.
. "$(dirname "$0")/lib.sh"

REPORT=$PB_BUILD/pbprobe-report
D=$PB_SRC/t/data
T0=1764165600
T1=$((T0 + 1))
T2=$((T0 + 2))
T3=$((T0 + 3))

# json [OPTION...] LOG...: the JSON report in j, whatever the verdict
json() {
	local rc=0
	"$REPORT" -f json "$@" >j || rc=$?
	test "$rc" -le 1 || test "$rc" = 4 || { echo "exit $rc"; return 1; }
	jq -e . j >/dev/null
}
# is FILTER VALUE: jq -r FILTER on j prints VALUE
is() {
	local got
	got=$(jq -r "$1" j) || return 1
	[ "$got" = "$2" ] || { echo "$1: got \"$got\", expected \"$2\""; return 1; }
}

test_expect_success 'outage: counts per status and per error class' '
	json "$D/report-outage.log" &&
	is ".targets[0].requests" 40 && is ".targets[0].ok" 34 && is ".targets[0].failed" 6 &&
	is ".targets[0].status | tojson" "{\"200\":34,\"503\":1}" &&
	is ".targets[0].errors | tojson" "{\"connect\":5}" &&
	is ".targets[0].availability" 0.85
'
test_expect_success 'outage: a window runs from the first failure to the next success' '
	is ".targets[0].windows_count" 2 &&
	is ".targets[0].windows[0].start" $T1 &&
	is ".targets[0].windows[0].end" $T1.5 &&
	grep -F "\"start\": $T1.000000," j &&
	grep -F "\"end\": $T1.500000," j &&
	is ".targets[0].windows[0].failed" 5 &&
	is ".targets[0].windows[0].open" false &&
	is ".targets[0].windows[1].start" $T2.5 &&
	is ".targets[0].windows[1].duration_s" 0.1 &&
	is ".targets[0].downtime_s" 0.6 && is ".targets[0].longest_window_s" 0.5
'
test_expect_success 'outage: lines written in completion order are sorted by schedule' '
	# tick 5 (a success, 800 ms slow) is written after failures 10..12:
	# read in file order it would split the first window in two
	is ".targets[0].windows[0].failed" 5 &&
	is ".targets[0].latency_ms.max" 800
'
test_expect_success 'outage: a window names the phase it fell in' '
	is ".targets[0].windows[0].phase.kind" mark &&
	is ".targets[0].windows[0].phase.text" rollout &&
	is "[.timeline[].kind] | join(\",\")" "cmd-start,mark,cmd-exit" &&
	is ".timeline[0].text" "kubectl rollout restart deploy/pybossa"
'
test_expect_success 'outage: two windows 1.1 s apart are not a burst; with --burst-gap 2s they are' '
	is ".targets[0].bursts_count" 0 &&
	json --burst-gap 2s "$D/report-outage.log" &&
	is ".targets[0].bursts_count" 1 &&
	is ".targets[0].bursts[0].start" $T1 &&
	is ".targets[0].bursts[0].end" $T2.6 &&
	is ".targets[0].bursts[0].failed" 6 &&
	is ".targets[0].bursts[0].requests" 16 &&
	is ".targets[0].bursts[0].error_rate" 0.375
'
test_expect_success 'burst: every other request failing is one burst of about 50%' '
	json "$D/report-burst.log" &&
	is ".targets[0].bursts_count" 1 &&
	is ".targets[0].bursts[0].start" $T2 &&
	is ".targets[0].bursts[0].end" $T3.9 &&
	is ".targets[0].bursts[0].failed" 10 &&
	is ".targets[0].bursts[0].requests" 19 &&
	is ".targets[0].bursts[0].outcomes | tojson" "{\"503\":10}" &&
	is ".targets[0].windows_count" 10 && is ".targets[0].downtime_s" 1
'
test_expect_success 'burst: --list keeps the longest windows but counts them all' '
	json --list 3 "$D/report-burst.log" &&
	is ".targets[0].windows | length" 3 && is ".targets[0].windows_count" 10 &&
	is ".targets[0].windows[0].start" $T2 &&
	is ".targets[0].downtime_s" 1
'
test_expect_success 'burst: --ok-status lists and ranges decide what a success is' '
	json --ok-status 200,503 "$D/report-burst.log" && is ".gate.passed" true &&
	json --ok-status 200-299,500-599 "$D/report-burst.log" && is ".targets[0].failed" 0 &&
	json --ok-status 5xx "$D/report-burst.log" && is ".targets[0].failed" 50
'
test_expect_success 'open: a log ending in failure has an open window up to the last completion' '
	json "$D/report-open.log" &&
	is ".targets[0].windows[0].open" true &&
	is ".targets[0].windows[0].start" $T1 &&
	is ".targets[0].windows[0].end" $T3.9 &&
	is ".logs[0].end" null && is ".logs[0].truncated" true &&
	jq -r ".notes[]" j >notes &&
	grep -F "report-open.log: no end line: the prober was cut short" notes &&
	grep -F "report-open.log:23: truncated last line ignored" notes
'
test_expect_success 'skipped ticks neither fail nor split a window' '
	json "$D/report-skipped.log" &&
	is ".targets[0].requests" 30 && is ".targets[0].skipped" 2 &&
	is ".targets[0].failed" 5 && is ".targets[0].ok" 23 &&
	is ".targets[0].windows_count" 1 &&
	is ".targets[0].windows[0].failed" 5 &&
	is ".targets[0].windows[0].end" $T1.6 &&
	is ".targets[0].series.skipped | add" 2
'
test_expect_success 'skipped ticks make the run inconclusive, never a pass' '
	rc=0 && "$REPORT" --max-errors 10 "$D/report-skipped.log" >out || rc=$? &&
	test "$rc" = 4 &&
	head -n 1 out | grep "^INCONCLUSIVE  home: 200.0ms blind in 2 intervals (the longest 100.0ms at +1.30s; ticks: 2 skipped (not sent); at 10/s and a p99 latency of 2.00ms about 1 requests are in flight: --max-inflight must be above that, unless the prober warned of another cause)" &&
	"$REPORT" --max-errors 10 --allow-skipped "$D/report-skipped.log" >out &&
	head -n 1 out | grep "^PASS"
'
test_expect_success 'missing ticks are counted and make the run inconclusive' '
	json "$D/report-missing.log" &&
	is ".targets[0].missing" 2 && is ".gate.verdict" inconclusive &&
	jq -r ".notes[]" j | grep -F "the prober warned: 2 requests still in flight past the timeout" &&
	json --allow-skipped "$D/report-missing.log" && is ".gate.passed" true
'
test_expect_success 'two probers of one target merge by time into one window' '
	json "$D/report-pod-a.log" "$D/report-pod-b.log" &&
	is ".targets | length" 1 && is ".targets[0].logs" 2 && is ".targets[0].rate" 10 &&
	is ".targets[0].requests" 40 && is ".targets[0].missing" 0 &&
	is ".targets[0].windows_count" 1 &&
	is ".targets[0].windows[0].start" $T1 &&
	is ".targets[0].windows[0].end" $T1.6 &&
	is ".targets[0].windows[0].failed" 6 &&
	is ".notes | length" 0
'
test_expect_success '--by-log keeps the probers apart' '
	json --by-log "$D/report-pod-a.log" "$D/report-pod-b.log" &&
	is ".targets | length" 2 &&
	is "[.targets[].windows[0].start] | join(\" \")" "$T1 $T1.1" &&
	is "[.targets[].windows[0].failed] | join(\" \")" "3 3" &&
	is ".targets[1].log" "$D/report-pod-b.log"
'
test_expect_success 'probers whose clocks or rates disagree are reported' '
	json "$D/report-pod-a.log" "$D/report-pod-b.log" "$D/report-pod-c.log" &&
	jq -r ".notes[]" j >notes &&
	grep -F "target home: logs disagree on its rate (20/s in $D/report-pod-c.log, 5/s before)" notes &&
	grep -F "logs start 30.0s apart" notes
'
test_expect_success 'a prober on another host with an unsynchronized clock is named (merged, not --by-log)' '
	sed "1s/host=ci/host=pod-b	clock_synced=0	clock_maxerror_us=16000000/" "$D/report-pod-b.log" >b.log &&
	sed "1s/host=ci/host=pod-a	clock_synced=1	clock_maxerror_us=1500/" "$D/report-pod-a.log" >a.log &&
	json a.log b.log &&
	jq -r ".notes[]" j >notes &&
	grep -F "b.log: its prober'"'"'s clock was not synchronized (maximum error 16.000s)" notes &&
	! grep -F "a.log: its prober" notes &&
	is ".logs[1].clock.synced" false && is ".logs[0].clock.maxerror_s" 0.0015 &&
	json --by-log a.log b.log &&
	! jq -r ".notes[]" j | grep -F "not synchronized"
'
test_expect_success 'versions: requests per version, the mixed interval, flip-flops' '
	json "$D/report-versions.log" &&
	is ".targets[0].versions.requests | tojson" "{\"v1\":25,\"v2\":15}" &&
	is ".targets[0].versions.final" v2 &&
	is ".targets[0].versions.mixed.start" $T2.1 &&
	is ".targets[0].versions.mixed.end" $T2.8 &&
	is ".targets[0].versions.switches" 9 &&
	is ".targets[0].versions.flip_flops" 4
'
test_expect_success 'the per-second series adds up to the totals' '
	json "$D/report-outage.log" &&
	is ".targets[0].series.start" $T0 &&
	is ".targets[0].series.ok | length" 4 &&
	is "[.targets[0].series | .ok, .http, .connect, .timeout, .reset, .other, .skipped | add] | add" 40 &&
	is ".targets[0].series.connect | tojson" "[0,5,0,0]" &&
	is ".targets[0].series.http | tojson" "[0,0,1,0]"
'
test_expect_success 'a clean log passes with exit 0' '
	"$REPORT" "$D/report-clean.log" >out &&
	head -n 1 out | grep "^PASS  2 targets, 40 requests sent, 0 failed"
'
test_expect_success 'windows are on observed time: a tick sent late saw the server then' '
	# tick 5 (due +0.5 s) was handed over 80 ms late, written 100 us later
	# and got 503; tick 10 (due +1.0 s), 60 ms late, got 200: both within
	# --max-lag, so on time, and the window is when the prober saw the
	# outage (the delay, field 6), not when it meant to
	json "$D/report-observed.log" &&
	is ".targets[0].late" 0 && is ".targets[0].windows_count" 1 &&
	is ".targets[0].windows[0].start" $T0.5801 &&
	is ".targets[0].windows[0].end" $T1.0601 &&
	is ".targets[0].downtime_s" 0.48 &&
	# latency still counts from the scheduled time (no coordinated omission)
	is ".targets[0].latency_ms.max" 82
'

test_expect_success 'a request held back by the prober'"'"'s own stall: its answer counts, when it was written' '
	# ticks 3 and 4 were handed over on time, then the prober stalled
	# (0.45-1.2 s) and wrote them 0.9 s late: the 503 tick 3 got is the
	# server'"'"'s, observed at 1.2 s, not at its scheduled 0.3 s; ticks 5-10
	# were handed over late: blind
	json "$D/report-stalled.log" &&
	is ".gate.verdict" fail &&
	is ".targets[0].failed" 1 && is ".targets[0].ok" 13 && is ".targets[0].late" 6 &&
	is ".targets[0].windows[0].start" $T1.2 && is ".targets[0].windows[0].end" $T1.25 &&
	is ".targets[0].blind[0].start" $T0.5 && is ".targets[0].blind[0].end" $T1.1
'

test_expect_success 'by peer: every peer counted, beyond 1022 as "(others)", the worst listed first' '
	# 1100 requests at 100/s, each from a peer of its own; peer i fails
	# (503) when i < 8, i fails twice as "reset" too for i = 0
	awk -v t0=${T0}000000 "BEGIN {
		OFS = \"\t\"
		print \"#pbprobe-log 1\", \"start_us=\" t0
		print \"target\", t0, \"home\", \"http://h/\", 100, \"keepalive\"
		for (i = 0; i < 1100; i++) {
			o = i < 8 ? 503 : 200
			print \"req\", t0 + i * 10000, \"home\", o, 2000, 40, 18, i % 2, \"10.0.\" int(i / 256) \".\" i % 256 \":80\", \"-\", \"id-\" i, 30, 0, \"2\"
		}
		print \"req\", t0 + 1100 * 10000, \"home\", \"reset\", 2000, 40, 0, 1, \"10.0.0.0:80\", \"-\", \"id-x\", 30, 0, \"-\"
		print \"end\", t0 + 1101 * 10000, \"done\"
	}" >peers.log &&
	json peers.log &&
	is ".targets[0].by_peer | length" 1023 &&
	is "[.targets[0].by_peer[].requests] | add" 1101 &&
	is ".targets[0].by_peer[0].peer" 10.0.0.0:80 &&
	is ".targets[0].by_peer[0].requests" 2 && is ".targets[0].by_peer[0].failed" 2 &&
	is ".targets[0].by_peer[0].outcomes | tojson" "{\"reset\":1,\"503\":1}" &&
	is ".targets[0].by_peer[] | select(.peer == \"(others)\") | .requests" 78 &&
	is ".targets[0].by_connection | map(.connection) | join(\",\")" reused,new &&
	is ".targets[0].by_protocol | map(\"\(.protocol)=\(.requests)\") | join(\",\")" 2=1100,null=1 &&
	test_expect_code 1 "$REPORT" --color never peers.log >out &&
	grep -F "    by peer: 10.0.0.0:80 2 of 2 (reset 1, 503 1); 10.0.0.1:80 1 of 1 (503 1);" out &&
	grep -F "; 2 more with failures; no failures from 1015 others (1092 requests)" out
'

# A platform's events ("[SOURCE] TEXT" marks: the cluster's, the lab
# driver's) are kept apart from the steps' marks: a window's phase is the last
# step mark, its event the last event at most 60 s before it.
test_expect_success 'platform events: never a phase; a window names the last one before it, within 60 s' '
	awk "NR == 13 { print \"mark\t1764165600950000\t[k8s] Killing pod/web-1: Stopping container web\" }
		NR == 20 { print \"mark\t1764165602400000\t[k8s] Unhealthy pod/web-2: Readiness probe failed\" }
		NR == 21 { print \"mark\t1764165602450000\t[K8S] not an event: upper case\" }
		NR == 22 { print \"mark\t1764165602460000\t[canary] 10% traffic: a step\" }
		{ print }" "$D/report-outage.log" >events.log &&
	json events.log &&
	is ".targets[0].windows | length" 2 &&
	is ".targets[0].windows[0].phase.text" rollout &&
	is ".targets[0].windows[0].event.text" "[k8s] Killing pod/web-1: Stopping container web" &&
	is ".targets[0].windows[0].event.source" k8s &&
	is ".targets[0].windows[1].phase.text" "[canary] 10% traffic: a step" &&
	is ".targets[0].windows[1].event.text" "[k8s] Unhealthy pod/web-2: Readiness probe failed" &&
	is "[.timeline[] | .source] | map(tostring) | join(\",\")" "null,null,k8s,k8s,null,null,null" &&
	test_expect_code 1 "$REPORT" --color never events.log >out &&
	grep -F "5 failed: connect 5; after mark \"rollout\" (+900.0ms); last event [k8s] Killing pod/web-1: Stopping container web (+950.0ms)" out &&
	awk "NR == 13 { print \"mark\t1764165540999999\t[lab] ready 2.7.2#1\" } { print }" "$D/report-outage.log" >old.log &&
	json old.log &&
	is ".targets[0].windows[0].event" null &&
	awk "NR == 13 { print \"mark\t1764165541000000\t[lab] ready 2.7.2#1\" } { print }" "$D/report-outage.log" >old.log &&
	json old.log &&
	is ".targets[0].windows[0].event.source" lab
'

test_done
