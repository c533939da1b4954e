#!/bin/bash
# What the prober itself reports, read back: skipped ticks when it may not
# send (--max-inflight) make the run inconclusive, never a pass; timeouts are
# failures, and a run that ends inside them has an open window.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
LOGCAT=$PB_BUILD/t/helpers/logcat
port=$(free_port)
svc_nginx_start "$TEST_DIR/ng" "$port" || skip_all "nginx did not start"

test_expect_success 'a slow server and --max-inflight 1: skipped ticks' '
	"$PB" -q --rate 20 --duration 2s --max-inflight 1 --timeout 3s -o slow.log \
		slow=http://127.0.0.1:$port/slow &&
	rc=0 && "$REPORT" -f json slow.log >j || rc=$? &&
	test "$rc" -eq 4 &&
	jq -e ".targets[0].skipped > 20 and .targets[0].failed == 0" j &&
	jq -e ".targets[0].requests == 40 and .targets[0].missing == 0" j
'
test_expect_success 'skipped ticks alone: INCONCLUSIVE, with the reason' '
	jq -e ".gate.verdict == \"inconclusive\" and .gate.passed == false" j &&
	jq -r ".gate.reasons[0]" j | grep -E "^slow: [0-9.]+m?s blind in [0-9]+ intervals? \(the longest .*; ticks: [0-9]+ skipped \(not sent\); at 20/s and a p99 latency of 1\.[0-9]+s about 2[0-9] requests are in flight: --max-inflight must be above that, unless the prober warned of another cause\): the prober did not observe it on time, so the run is inconclusive \(--max-blind 0\)$"
'
test_expect_success '--allow-skipped accepts them' '
	"$REPORT" --allow-skipped slow.log >out &&
	head -n 1 out | grep "^PASS"
'
test_expect_success 'latency counts from the scheduled time: the slow page takes about 1 s' '
	jq -e ".targets[0].latency_ms.p50 >= 800" j
'
test_expect_success 'timeouts: a run ending inside them has one open window' '
	"$PB" -q --rate 10 --duration 1500ms --timeout 300ms -o timeout.log \
		slow=http://127.0.0.1:$port/slow &&
	test_must_fail "$REPORT" -f json timeout.log >j &&
	jq -e ".targets[0].failed == 15 and .targets[0].errors == {\"timeout\": 15}" j &&
	jq -e ".targets[0].windows_count == 1 and .targets[0].windows[0].open" j &&
	# from when its first request reached the server (field 6: the delay)
	delay=$("$LOGCAT" -f req:time,delay_us timeout.log | sort -n | awk "{ print \$2; exit }") &&
	test "$(jq "(.targets[0].windows[0].start - .targets[0].first) * 1e6 | round" j)" = "$delay" &&
	# open: it ends when its last failure completed, after the timeout
	jq -e "(.targets[0].windows[0].end - .targets[0].last) >= 0.3 and
	       (.targets[0].windows[0].end - .targets[0].last) < 0.5" j
'
test_done
