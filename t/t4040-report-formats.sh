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
test_expect_success 'JSON: per second, p50 and p99 of equal length to the counts, p50 at most p99' '
	test_must_fail "$REPORT" -f json "$D/report-outage.log" >j &&
	jq -e ".targets[0].series | (.p50_ms | length) == (.ok | length) and
		(.p99_ms | length) == (.ok | length) and
		([.p50_ms, .p99_ms] | transpose | all(.[0] <= .[1])) and
		(.p50_ms | any(. > 0))" j
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
	for fmt in text json junit markdown openmetrics html; do
		for log in report-clean report-outage report-db; do
			"$REPORT" -f $fmt "$D/$log.log" >o; test $? -le 1 || return 1
			test -n "$(head -n 1 o)" || { echo "$fmt $log: blank first line"; return 1; }
			test -n "$(tail -n 1 o)" || { echo "$fmt $log: blank last line"; return 1; }
			test "$(tail -c 1 o | od -An -c | tr -d " ")" = "\n" ||
				{ echo "$fmt $log: no final newline"; return 1; }
		done
	done
'
test_expect_success 'JUnit: every log of t/data valid against the schema CI systems read' '
	for log in report-outage report-versions report-db report-hostile report-skipped \
		report-stalled report-open report-missing; do
		"$REPORT" -f junit --max-p99 1s "$D/$log.log" >s.xml; test $? -le 4 || return 1
		xmllint --noout --schema "$D/junit.xsd" s.xml || { echo "$log"; return 1; }
	done &&
	"$REPORT" -f junit "$D/report-pod-a.log" "$D/report-clean.log" >s.xml; test $? -le 4 &&
	xmllint --noout --schema "$D/junit.xsd" s.xml &&
	: the schema is not a rubber stamp: a case without its time is refused &&
	sed "0,/ time=\"0\"/s///" s.xml >bad.xml && ! cmp -s s.xml bad.xml &&
	! xmllint --noout --schema "$D/junit.xsd" bad.xml 2>/dev/null
'
test_expect_success 'JUnit: the plot and --attach files are attachments of each target'"'"'s case' '
	test_must_fail "$REPORT" -f junit --plot p.svg --attach run.html --attach shot.png \
		"$D/report-outage.log" "$D/report-clean.log" >a.xml 2>err &&
	xmllint --noout --schema "$D/junit.xsd" a.xml &&
	for f in p.svg run.html shot.png; do
		test "$(grep -c -F "[[ATTACHMENT|$f]]" a.xml)" = 2 || { echo "$f"; return 1; }
	done &&
	test_must_fail "$REPORT" -f junit "$D/report-outage.log" >b.xml &&
	! grep -q ATTACHMENT b.xml &&
	for bad in "" "a]b" "a|b"; do
		test_expect_code 2 "$REPORT" -f junit --attach "$bad" "$D/report-outage.log" 2>err >/dev/null &&
		grep -q "^pbprobe-report: --attach \"" err && test "$(wc -l <err)" = 1 || return 1
	done &&
	test_expect_code 2 "$REPORT" -f junit --plot "a]b.png" "$D/report-outage.log" 2>err >/dev/null &&
	grep -q "^pbprobe-report: --plot \"a\]b.png\": the name holds" err &&
	: a plot gnuplot could not draw is no attachment, and no file &&
	test_must_fail "$REPORT" -f junit --plot no/such/p.png "$D/report-outage.log" >c.xml 2>err &&
	grep -q "^pbprobe-report: --plot no/such/p.png: " err &&
	! grep -q ATTACHMENT c.xml && test ! -e no/such/p.png
'
test_expect_success 'Markdown: cut under 60000 bytes at a whole row, with a count, details closed' '
	awk -v OFS="\t" "BEGIN {
		print \"#pbprobe-log 1\tstart_us=1764165600000000\thost=ci\tpid=42\tversion=0.1.0\tcmd=pbprobe\"
		for (i = 0; i < 800; i++) print \"target\", 1764165600000000, \"t\" i, \"http://127.0.0.1:8080/\" i, 10, \"keepalive\"
		for (k = 0; k < 5; k++) for (i = 0; i < 800; i++)
			print \"req\", 1764165600000000 + k * 100000, \"t\" i, (k == 2 ? 503 : 200), 2000, 40, 18, 1, \"127.0.0.1:8080\", \"-\", \"id-\" i \"-\" k
		print \"end\", 1764165600500000, \"duration\"
	}" >many.log &&
	test_must_fail "$REPORT" -f markdown many.log >many.md &&
	test "$(wc -c <many.md)" -le 60000 &&
	head -n 1 many.md | grep -F "pbprobe: FAIL" &&
	grep -F -- "- and 780 more reasons, in the text and JSON reports" many.md &&
	tail -n 1 many.md | grep -E "^\*\*Cut here\*\*: the report passed 60000 bytes, .* [0-9]+ bytes more are in the text and JSON reports\.$" &&
	test "$(grep -c "<details>" many.md)" = "$(grep -c "</details>" many.md)" &&
	tail -n 3 many.md | head -n 1 | grep -E "^\| t[0-9]+ \| 5 \| 1 \| 0 \| 80.00% " &&
	test_must_fail "$REPORT" -f markdown "$D/report-outage.log" >small.md &&
	! grep -q "Cut here" small.md
'
test_expect_success '--markdown-summary appends to $GITHUB_STEP_SUMMARY, whatever the format' '
	echo "earlier step" >summary.md &&
	test_must_fail env GITHUB_STEP_SUMMARY=$PWD/summary.md "$REPORT" -f json --markdown-summary \
		"$D/report-outage.log" >j &&
	jq -e ".gate.passed == false" j &&
	test_must_fail "$REPORT" -f markdown "$D/report-outage.log" >m &&
	{ echo "earlier step"; cat m; } >expect && test_cmp expect summary.md &&
	: not under GitHub Actions: nothing, and the same verdict &&
	test_must_fail env -u GITHUB_STEP_SUMMARY "$REPORT" --markdown-summary "$D/report-outage.log" >t &&
	grep -q "FAIL" t &&
	: a summary that cannot be written: exit 3, one line naming it, the report still written &&
	test_expect_code 3 env GITHUB_STEP_SUMMARY=$PWD/no/such/dir/s.md "$REPORT" -f json \
		--markdown-summary -o r2.json "$D/report-clean.log" 2>err &&
	jq -e ".gate.passed" r2.json &&
	test "$(wc -l <err)" = 1 && grep -F "GITHUB_STEP_SUMMARY" err && grep -F "no/such/dir/s.md" err
'
test_done
