#!/bin/bash
# The formats: JSON has the documented members and types (docs/report-json.md)
# and stays valid whatever bytes a log holds; JUnit is well-formed XML with a
# test case per target and per rule; Markdown escapes what would break a
# table; the text report cannot drive the terminal.
. "$(dirname "$0")/lib.sh"

REPORT=$PB_BUILD/pbprobe-report
D=$PB_SRC/t/data

test_expect_success 'JSON: the documented members, with their types' '
	test_must_fail "$REPORT" -f json "$D/report-outage.log" "$D/report-versions.log" >j &&
	jq -e "
		(.schema == 1) and
		(.gate.passed | type == \"boolean\") and
		(.gate.reasons | type == \"array\") and (.gate.reasons[0] | type == \"string\") and
		(.gate.verdict == \"fail\") and
		(.targets | length == 1) and
		(.targets[0] | (.name | type == \"string\") and (.url | type == \"string\") and
			([.requests, .ok, .failed, .skipped, .missing] | all(type == \"number\")) and
			(.status | type == \"object\") and (.errors | type == \"object\") and
			(.availability | type == \"number\") and
			(.latency_ms | [.p50, .p90, .p99, .p999, .max] | all(type == \"number\")) and
			(.downtime_s | type == \"number\") and (.longest_window_s | type == \"number\") and
			(.windows | type == \"array\") and (.bursts | type == \"array\") and
			(.windows[0] | [.start, .end, .duration_s, .failed] | all(type == \"number\")) and
			(.versions | type == \"object\") and (.series | type == \"object\")) and
		(.logs | length == 2) and (.timeline | length == 3)
	" j
'
test_expect_success 'JSON: times have exactly six decimals, durations are seconds' '
	grep -E "\"start\": [0-9]{10}\.[0-9]{6}," j >/dev/null &&
	! grep -E "\"(start|end|first|last|time)\": [0-9]+(\.[0-9]{1,5})?,?$" j &&
	test_must_fail "$REPORT" -f json "$D/report-outage.log" >j1 &&
	grep -F "\"downtime_s\": 0.600000," j1
'
test_expect_success 'JSON: invalid UTF-8 and control bytes from a log stay valid JSON' '
	test_must_fail "$REPORT" -f json "$D/report-hostile.log" >j &&
	jq -e ".targets[0].name == \"a|b<x>&\\\"q\\\"'"'"'s \`id\` \u001b[31mRED\ufffd\"" j
'
test_expect_success 'JUnit: well-formed, a case per target and per rule' '
	test_must_fail "$REPORT" -f junit --max-p99 1s "$D/report-outage.log" "$D/report-clean.log" >r.xml &&
	{ ! command -v xmllint >/dev/null || xmllint --noout r.xml; } &&
	grep -c "<testcase classname=\"pbprobe.target\"" r.xml >n && test "$(cat n)" = 2 &&
	grep -F "name=\"home: max-p99 1s\"" r.xml &&
	grep -F "name=\"api: max-errors 0 (default)\"" r.xml &&
	grep -F "<failure type=\"max-errors\" message=\"home: 6 failed requests" r.xml &&
	grep -F "<testsuites name=\"pbprobe-report\" tests=\"12\" failures=\"2\"" r.xml
'
test_expect_success 'JUnit: hostile names are escaped into valid XML' '
	test_must_fail "$REPORT" -f junit "$D/report-hostile.log" >h.xml &&
	{ ! command -v xmllint >/dev/null || xmllint --noout h.xml; } &&
	grep -F "name=\"a|b&lt;x&gt;&amp;&quot;q&quot;&apos;s \`id\` ?[31mRED?\"" h.xml
'
test_expect_success 'Markdown: verdict, table, windows; markup in names escaped' '
	test_must_fail "$REPORT" -f markdown "$D/report-outage.log" >r.md &&
	head -n 1 r.md | grep -F "pbprobe: FAIL" &&
	grep -F "| home | 40 | 6 | 0 | 85.00% |" r.md &&
	grep -F "<summary>Downtime windows</summary>" r.md &&
	test_must_fail "$REPORT" -f markdown "$D/report-hostile.log" >h.md &&
	grep -F "| a\|b&lt;x&gt;&amp;\"q\"'"'"'s \\\`id\\\` ?\[31mRED? | 30 |" h.md &&
	grep -F "system(\"touch PWNED-mark\") \# \\\\n\"\@x" h.md
'
test_expect_success 'text: control characters from a log are shown as ?' '
	test_must_fail "$REPORT" --color never "$D/report-hostile.log" >h.txt &&
	! grep -q "$(printf "\033")" h.txt &&
	grep -F "a|b<x>&\"q\"'"'"'s \`id\` ?[31mRED?: 5 failed requests" h.txt
'
test_expect_success 'the same facts in every format: downtime and failures' '
	test_must_fail "$REPORT" -f json "$D/report-outage.log" >j &&
	test_must_fail "$REPORT" -f markdown "$D/report-outage.log" >m &&
	test_must_fail "$REPORT" "$D/report-outage.log" >t &&
	test "$(jq .targets[0].downtime_s j)" = 0.6 &&
	grep -F "| 600.0ms | 2 | 0 |" m &&
	grep -E "^home +40 +6 +0 +85.00% .* 600.0ms +2 +0us$" t
'
test_expect_success '-o writes the report to a file' '
	"$REPORT" -f json -o r.json "$D/report-clean.log" >stdout &&
	test ! -s stdout && jq -e .gate.passed r.json
'
test_expect_success 'JSON starts with { on its first byte and ends with }, newline' '
	"$REPORT" -f json "$D/report-clean.log" >j0 &&
	test "$(head -c 1 j0)" = "{" &&
	test "$(tail -c 2 j0 | od -An -c | tr -d " ")" = "}\n" &&
	"$REPORT" -f json -o j1 "$D/report-db.log" &&
	test "$(head -c 1 j1)" = "{"
'
test_expect_success 'no format starts or ends with a blank line' '
	for fmt in text json junit markdown; do
		for log in report-clean report-outage report-db; do
			"$REPORT" -f $fmt "$D/$log.log" >o; test $? -le 1 || return 1
			test -n "$(head -n 1 o)" || { echo "$fmt $log: blank first line"; return 1; }
			test -n "$(tail -n 1 o)" || { echo "$fmt $log: blank last line"; return 1; }
			test "$(tail -c 1 o | od -An -c | tr -d " ")" = "\n" ||
				{ echo "$fmt $log: no final newline"; return 1; }
		done
	done
'
test_done
