#!/bin/bash
# One definition of success: the prober's --ok-status counts live, is written
# in the log's header, and is the report's unless overridden; redirects are
# not followed unless asked. Checked against nginx's own access log.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
LOGCAT=$PB_BUILD/t/helpers/logcat
port=$(free_port)
svc_nginx_start "$TEST_DIR/ng" "$port" \
	"location = /nocontent { return 204; }" \
	"location = /moved { return 301 /; }" ||
	skip_all "nginx did not start"
BASE=http://127.0.0.1:$port
ACCESS=$TEST_DIR/ng/access.log

# report LOG...: the JSON report in j, its exit status in rc. What is a
# success is the question here, not the prober's punctuality: a tick sent
# late on a busy machine would leave the counts (--max-lag 10s)
report() {
	rc=0
	"$REPORT" --max-lag 10s -f json "$@" >j || rc=$?
}
# served STATUS URI: how many requests nginx answered with STATUS for URI
served() {
	awk -F"\t" -v s="$1" -v u="$2" "\$3 == s && \$6 == u" "$ACCESS" | wc -l
}
# probe LOG URI STATUS [OPTION...]: probes URI for a second into LOG (its
# status line in LOG.err); n: how many requests nginx answered with STATUS
probe() {
	local log=$1 uri=$2 status=$3
	shift 3
	: >"$ACCESS" &&
		"$PB" --rate 20 --duration 1s "$@" -o "$log" "t=$BASE$uri" 2>"$log.err" &&
		n=$(served "$status" "$uri") && test "$n" -gt 10
}

test_expect_success 'default: 200 only; a 204 is a failure live and in the report' '
	probe plain.log /nocontent 204 &&
	head -1 plain.log | grep -q "	ok_status=200	follow_redirects=0	" &&
	# the live summary counts what the report will count
	grep -E "ok 0 .*fail $n( |$)" plain.log.err &&
	report plain.log &&
	test "$rc" = 1 &&
	jq -e ".config.ok_status == \"200\" and .config.ok_status_from == \"log\"" j &&
	test "$(jq ".targets[0].failed" j)" = "$n"
'

test_expect_success '--ok-status 200,204: live, in the header, and the report agrees' '
	# a run apart from plain.log'"'"'s: more than --burst-gap (1 s) later
	sleep 1.2 &&
	probe nc.log /nocontent 204 --ok-status 200,204 &&
	head -1 nc.log | grep -q "	ok_status=200,204	" &&
	grep -E "ok $n .*fail 0( |$)" nc.log.err &&
	report nc.log &&
	test "$rc" = 0 &&
	jq -e ".config.ok_status == \"200,204\" and .config.ok_status_from == \"log\"" j &&
	jq -e ".logs[0].ok_status == \"200,204\" and .logs[0].follow_redirects == false" j &&
	test "$(jq ".targets[0].ok" j)" = "$n"
'

test_expect_success 'the report'"'"'s --ok-status overrides the header' '
	report --ok-status 200 nc.log &&
	test "$rc" = 1 &&
	jq -e ".config.ok_status == \"200\" and .config.ok_status_from == \"option\"" j &&
	jq -r ".notes[]" j | grep -F "nc.log: its prober counted ok_status=200,204 as success; this report judges by --ok-status 200" &&
	test "$(jq ".targets[0].failed" j)" = "$(jq ".targets[0].requests" j)"
'

test_expect_success 'runs apart: each judged by its own prober'"'"'s success' '
	report nc.log plain.log &&
	test "$rc" = 1 &&
	# in order of time: plain.log was probed first
	test "$(jq -c "[.runs[].config.ok_status]" j)" = "[\"200\",\"200,204\"]" &&
	test "$(jq -c "[.runs[].gate.verdict]" j)" = "[\"fail\",\"pass\"]"
'

test_expect_success 'merged logs whose probers disagree on success: exit 3, both named; --ok-status settles it' '
	report --one-run nc.log plain.log &&
	test "$rc" = 3 &&
	{ "$REPORT" --one-run nc.log plain.log 2>err >/dev/null || :; } &&
	grep -F "plain.log:1: ok_status=200, but nc.log:1 has ok_status=200,204" err &&
	report --one-run --ok-status 2xx nc.log plain.log &&
	test "$rc" = 0
'

test_expect_success 'a redirect is an answer in itself: 301 logged, never followed' '
	probe moved.log /moved 301 &&
	test "$(served 200 /)" = 0 &&
	report moved.log &&
	test "$rc" = 1 &&
	jq -e ".targets[0].status == {\"301\": $n}" j
'

test_expect_success '--follow-redirects: the final status is logged, and the header says so' '
	probe follow.log /moved 301 --follow-redirects &&
	# every redirect was followed to /, which answered 200
	test "$(served 200 /)" = "$n" &&
	head -1 follow.log | grep -q "	follow_redirects=1	" &&
	report follow.log &&
	test "$rc" = 0 &&
	jq -e ".targets[0].status == {\"200\": $n} and .logs[0].follow_redirects == true" j
'

test_expect_success 'a bad --ok-status: usage error naming it, exit 2' '
	test_expect_code 2 "$PB" --ok-status 2x9 -d 1s "$BASE/" 2>err &&
	grep -F "pbprobe: --ok-status: bad status \"2x9\"" err
'

test_expect_success 'a bad ok_status in a header: exit 3, file:line named' '
	sed "1s/	ok_status=200,204	/	ok_status=20x	/" nc.log >badok.log &&
	test_expect_code 3 "$REPORT" badok.log 2>err >/dev/null &&
	grep -F "badok.log:1: header ok_status=20x: --ok-status: bad status \"20x\"" err
'

test_done
