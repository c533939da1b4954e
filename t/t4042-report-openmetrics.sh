#!/bin/bash
# -f openmetrics (docs/openmetrics.md): valid OpenMetrics text for the strict
# parser of python3-prometheus-client (and the text format 0.0.4 parser a
# Pushgateway uses), whatever bytes a log holds; the same figures as the JSON
# report; --label on every sample; a run label when the logs hold several runs.
. "$(dirname "$0")/lib.sh"

REPORT=$PB_BUILD/pbprobe-report
D=$PB_SRC/t/data
# Debian's python, not a pyenv one that lacks Debian's python3-prometheus-client
PY=/usr/bin/python3
OM_PARSE=$PB_SRC/t/helpers/om-parse.py

"$PY" -c "import prometheus_client.openmetrics.parser" 2>/dev/null ||
	skip_all "no python3-prometheus-client for $PY (.ci/deps.sh installs it)"

# om LOG... : the OpenMetrics report in $1.om, its samples (om-parse) in
# $1.jsonl, the JSON report in $1.json; both must exit as the gate says,
# alike. The first argument names the set, the rest are pbprobe-report's.
om() {
	local set=$1 rc_om=0 rc_json=0
	shift
	"$REPORT" -f openmetrics "$@" >"$set.om" || rc_om=$?
	"$REPORT" -f json "$@" >"$set.json" || rc_json=$?
	test "$rc_om" = "$rc_json" || {
		echo "$set: exit $rc_om with -f openmetrics, $rc_json with -f json"
		return 1
	}
	test "$rc_om" -le 4 && "$PY" "$OM_PARSE" "$set.om" >"$set.jsonl"
}

# Runs apart in time: a log's times moved by +400 s (each 16-digit time
# 17641656xxxxxxxx becomes 17641660xxxxxxxx), +800 s.
sed 's/17641656\([0-9]\{8\}\)/17641660\1/g' "$D/report-versions.log" >run2.log
sed 's/17641656\([0-9]\{8\}\)/17641664\1/g' "$D/report-missing.log" >run3.log

# The figures of a JSON report (input) against the samples ($om): a line per
# difference; nothing when all agree. The reports were made without --label.
cat >compare.jq <<'EOF'
def flag: if . then 1 else 0 end;
def v($name; $labels):
	[$om[] | select(.name == $name and .labels == $labels) | .value]
	| if length == 1 then .[0] else "\(length) samples" end;
def us: . * 1000000 | round;
def cmp($what; $a; $b): if $a == $b then empty else "\($what): openmetrics \($a), json \($b)" end;
def verdicts($name; $labels; $v):
	("pass", "fail", "inconclusive") as $x
	| cmp("\($name) \($x) \($labels)"; v($name; $labels + {verdict: $x}); $v == $x | flag);

(.runs != null) as $multi
| (if $multi then .runs else [.] end) as $runs
| cmp("gate_passed"; v("pbprobe_gate_passed"; {}); .gate.passed | flag),
  verdicts("pbprobe_verdict"; {}; .gate.verdict),
  (range($runs | length) as $i | $runs[$i] as $r
  | (if $multi then {run: "\($i + 1)"} else {} end) as $run
  | (if $multi then
	cmp("run_gate_passed \($run)"; v("pbprobe_run_gate_passed"; $run); $r.gate.passed | flag),
	verdicts("pbprobe_run_verdict"; $run; $r.gate.verdict)
     else empty end),
    cmp("ok_status (the failures below assume 200)"; $r.config.ok_status; "200"),
    cmp("start \($run)"; v("pbprobe_start_timestamp_seconds"; $run); $r.start),
    cmp("end \($run)"; v("pbprobe_end_timestamp_seconds"; $run); $r.end),
    ($r.gate.checks[] as $c
     | ($run + {target: $c.target, rule: ($c.rule + if $c.kind then ":" + $c.kind else "" end)}) as $l
     | cmp("check \($l)"; v("pbprobe_check_passed"; $l); $c.passed | flag)),
    cmp("checks \($run)"; [$om[] | select(.name == "pbprobe_check_passed" and .labels.run == $run.run)] | length;
	$r.gate.checks | length),
    ($r.targets[] as $t | ($run + {target: $t.name}) as $l
     | cmp("requests \($l)"; v("pbprobe_requests"; $l); $t.requests),
       cmp("ok \($l)"; v("pbprobe_requests_ok"; $l); $t.ok),
       cmp("failed \($l)"; v("pbprobe_requests_failed"; $l); $t.failed),
       cmp("skipped \($l)"; v("pbprobe_requests_skipped"; $l); $t.skipped),
       cmp("late \($l)"; v("pbprobe_requests_late"; $l); $t.late),
       cmp("missing \($l)"; v("pbprobe_requests_missing"; $l); $t.missing),
       (($t.errors + ($t.status | del(.["200"]))) as $f
	| ($f | to_entries[] | cmp("failures \(.key) \($l)"; v("pbprobe_failures"; $l + {outcome: .key}); .value)),
	  cmp("failure outcomes \($l)";
	      [$om[] | select(.name == "pbprobe_failures" and (.labels | del(.outcome)) == $l)] | length;
	      $f | length)),
       ({"0.5": "p50", "0.9": "p90", "0.99": "p99", "0.999": "p999"} | to_entries[] as $q
	| cmp("p\($q.key) \($l)"; v("pbprobe_latency_seconds"; $l + {quantile: $q.key}) | us;
	      $t.latency_ms[$q.value] * 1000 | round)),
       cmp("max \($l)"; v("pbprobe_latency_max_seconds"; $l) | us; $t.latency_ms.max * 1000 | round),
       cmp("downtime \($l)"; v("pbprobe_downtime_seconds"; $l); $t.downtime_s),
       cmp("windows \($l)"; v("pbprobe_downtime_windows"; $l); $t.windows_count),
       cmp("longest window \($l)"; v("pbprobe_longest_window_seconds"; $l); $t.longest_window_s),
       cmp("bursts \($l)"; v("pbprobe_error_bursts"; $l); $t.bursts_count),
       cmp("longest burst \($l)"; v("pbprobe_longest_burst_seconds"; $l);
	   [$t.bursts[].duration_s] | max // 0),
       cmp("blind \($l)"; v("pbprobe_blind_seconds"; $l); $t.blind_s),
       cmp("blind intervals \($l)"; v("pbprobe_blind_intervals"; $l); $t.blind_count),
       cmp("longest blind \($l)"; v("pbprobe_longest_blind_seconds"; $l); $t.longest_blind_s)),
    (if $r.database == null then
	cmp("db samples \($run)";
	    [$om[] | select((.name | startswith("pbprobe_db_")) and .labels.run == $run.run)] | length; 0)
     else $r.database as $d
	| ($d.probes | to_entries[] | .key as $p | .value | to_entries[]
	   | cmp("db probes \($p) \(.key)"; v("pbprobe_db_probes"; $run + {probe: $p, outcome: .key}); .value)),
	  cmp("db reachable"; v("pbprobe_db_reachable"; $run); $d.reachable | flag),
	  cmp("db unreachable"; v("pbprobe_db_unreachable_seconds"; $run); $d.unreachable_s),
	  cmp("db windows"; v("pbprobe_db_unreachable_windows"; $run); $d.unreachable | length),
	  cmp("db longest"; v("pbprobe_db_longest_unreachable_seconds"; $run); $d.longest_unreachable_s // 0),
	  cmp("db refused"; v("pbprobe_db_refused_windows"; $run); $d.connections_refused | length),
	  cmp("db lock waits"; v("pbprobe_db_lock_waits"; $run); $d.lock_waits | length),
	  cmp("db longest lock wait"; v("pbprobe_db_longest_lock_wait_seconds"; $run);
	      [$d.lock_waits[].duration_s] | max // 0),
	  cmp("db longest single wait"; v("pbprobe_db_longest_single_wait_seconds"; $run);
	      $d.longest_single_wait_s),
	  ($d.gate | to_entries[] | select(.value != null)
	   | cmp("db check \(.key)"; v("pbprobe_db_check_passed"; $run + {rule: (.key | sub("_"; "-"; "g"))});
		 .value.passed | flag))
     end))
EOF

# the sets of test 1, one per kind of log
SETS="outage versions db db_open blind hostile runs"
test_expect_success 'valid OpenMetrics for an outage, versions, a database, a blind run, several runs' '
	om outage "$D/report-outage.log" &&
	om versions "$D/report-versions.log" &&
	om db --max-db-down 2s --max-lock-wait 500ms "$D/report-db.log" &&
	om db_open "$D/report-db-open.log" &&
	om blind "$D/report-missing.log" &&
	om hostile "$D/report-hostile.log" &&
	om runs "$D/report-outage.log" run2.log run3.log &&
	tail -n 1 outage.om | grep -Fx "# EOF" &&
	grep -Fx "pbprobe_verdict{verdict=\"fail\"} 1" outage.om &&
	grep -Fx "pbprobe_verdict{verdict=\"inconclusive\"} 1" blind.om &&
	grep -Fx "pbprobe_db_check_passed{rule=\"max-lock-wait\"} 0" db.om &&
	grep -Fx "pbprobe_failures{target=\"home\",outcome=\"connect\"} 5" outage.om &&
	grep -Fx "pbprobe_failures{target=\"home\",outcome=\"503\"} 1" outage.om
'
test_expect_success 'every figure equals the JSON report'"'"'s, for every set' '
	for set in $SETS; do
		jq -r --slurpfile om "$set.jsonl" -f compare.jq "$set.json" >"$set.diff" || return 1
		test_must_be_empty "$set.diff" || { echo "set $set"; return 1; }
	done &&
	# not vacuous: a figure changed in the text is caught
	sed "s/^pbprobe_downtime_seconds{target=\"home\"} 0.600000$/&1/" outage.om >changed.om &&
	! cmp -s outage.om changed.om &&
	"$PY" "$OM_PARSE" changed.om >changed.jsonl &&
	jq -r --slurpfile om changed.jsonl -f compare.jq outage.json >changed.diff &&
	grep -F "downtime {\"target\":\"home\"}: openmetrics 0.6000001, json 0.6" changed.diff
'
test_expect_success 'several runs: a run label on each run'"'"'s samples, the verdict over all without' '
	jq -e -s "
		(map(select(.name == \"pbprobe_gate_passed\" or .name == \"pbprobe_verdict\"))
			| length == 4 and all(.labels.run == null)) and
		(map(select(.name != \"pbprobe_gate_passed\" and .name != \"pbprobe_verdict\"))
			| all(.labels.run != null) and (map(.labels.run) | unique) == [\"1\", \"2\", \"3\"]) and
		(map(select(.name == \"pbprobe_run_verdict\" and .value == 1) | .labels.verdict)
			== [\"fail\", \"pass\", \"inconclusive\"])
	" runs.jsonl &&
	! grep -q "^pbprobe_run_" outage.om
'
test_expect_success '--label on every sample, a quote, backslash and newline escaped' '
	env="st\"a\\ge$(printf "\nd")" &&
	test_must_fail "$REPORT" -f openmetrics --label release=2.8.0 --label "environment=$env" \
		"$D/report-outage.log" "$D/report-db.log" >l.om &&
	"$PY" "$OM_PARSE" l.om >l.jsonl &&
	jq -e -s --arg env "$env" "length > 40 and
		all(.labels.release == \"2.8.0\" and .labels.environment == \$env)" l.jsonl &&
	grep -F "release=\"2.8.0\",environment=\"st\\\"a\\\\ge\\nd\"} " l.om >with &&
	test "$(wc -l <with)" = "$(grep -vc "^#" l.om)"
'
test_expect_success 'a target name of any bytes still gives valid OpenMetrics, the name as JSON has it' '
	# \\ \n \t \r are the log format'"'"'s escapes; then bytes that are not
	# UTF-8 (a stray byte, a truncated sequence, a surrogate, an overlong),
	# valid multibyte characters and a terminal escape
	hostile="a\"b\\\\c}d{e,f=g # h\\nx\\ty\\rz$(printf "\377\303(\355\240\200\300\257 \303\251\360\237\230\200\033[0m")" &&
	tab=$(printf "\t") &&
	while IFS= read -r line; do
		printf "%s\n" "${line//${tab}home${tab}/"$tab$hostile$tab"}"
	done <"$D/report-outage.log" >bytes.log &&
	grep -cF "$hostile" bytes.log >n && test "$(cat n)" -gt 40 &&
	om bytes bytes.log &&
	jq -r --slurpfile om bytes.jsonl -f compare.jq bytes.json >bytes.diff &&
	test_must_be_empty bytes.diff &&
	jq -e -s --slurpfile js bytes.json "map(select(.labels.target)) | length > 20 and
		all(.labels.target == \$js[0].targets[0].name)" bytes.jsonl &&
	jq -e ".targets[0].name | test(\"\\n\") and test(\"\\r\") and test(\"\ufffd\")" bytes.json
'
test_expect_success 'two target names alike once written as UTF-8: still one series each' '
	om alike "$D/om-alike.log" &&
	jq -e -s "map(select(.name == \"pbprobe_requests\") | .labels.target) ==
		[\"a\\ufffd\", \"a\\ufffd (2)\"]" alike.jsonl
'
test_expect_success 'with --by-log, a target per log, each its own series' '
	cp "$D/report-outage.log" "we\"ird\\one.log" &&
	test_must_fail "$REPORT" -f openmetrics --by-log "we\"ird\\one.log" "$D/report-versions.log" >bylog.om &&
	"$PY" "$OM_PARSE" bylog.om >bylog.jsonl &&
	jq -e -s --arg d "$D" "map(select(.name == \"pbprobe_requests\") | .labels.target) ==
		[\"home (we\\\"ird\\\\one.log)\", \"home (\(\$d)/report-versions.log)\"]" bylog.jsonl
'
test_expect_success 'bad --label: exit 2 and one line, nothing written' '
	for arg in target=x __x=y release 1release=x; do
		test_expect_code 2 "$REPORT" -f openmetrics --label "$arg" "$D/report-clean.log" >out 2>err &&
		test_must_be_empty out &&
		test "$(wc -l <err)" = 1 && grep "^pbprobe-report: --label \"$arg\": " err || return 1
	done &&
	test_expect_code 2 "$REPORT" -f openmetrics --label r=1 --label r=2 "$D/report-clean.log" >out 2>err &&
	test_must_be_empty out &&
	test "$(wc -l <err)" = 1 && grep -F "pbprobe-report: --label \"r=2\": r given twice" err
'
test_expect_success 'a --label named like one of the report'"'"'s own labels is refused, nothing written' '
	for key in run outcome quantile rule verdict probe; do
		test_must_fail "$REPORT" -f openmetrics --label "$key=x" "$D/report-clean.log" >out 2>err &&
		test_must_be_empty out &&
		test "$(wc -l <err)" = 1 || { echo "--label $key=x"; cat err; return 1; }
	done
'
test_expect_success 'the checker refuses what is not valid OpenMetrics' '
	"$REPORT" -f openmetrics "$D/report-clean.log" >good.om &&
	"$PY" "$OM_PARSE" good.om >/dev/null &&
	line=$(grep -m1 "^pbprobe_requests{" good.om) &&
	bad() { "$PY" "$OM_PARSE" "$1" >/dev/null 2>err && { echo "$1 passed"; return 1; }; cat err; } &&
	sed "s/target=\"home\"/target=\"ho\"me\"/" good.om >quote.om && bad quote.om &&
	sed "s/target=\"home\"/target=\"ho$(printf "\377")me\"/" good.om >utf8.om && bad utf8.om &&
	sed "s/^$line\$/&\n&/" good.om >twice.om && bad twice.om &&
	sed "s/^$line\$/& 1764165600/" good.om >ts.om && bad ts.om &&
	sed "\$d" good.om >noeof.om && bad noeof.om &&
	sed "s/^# UNIT pbprobe_downtime_seconds seconds\$//" good.om | grep -v "^\$" >nounit.om && bad nounit.om
'
test_expect_success 'docs/openmetrics.md names every family written, and no other' '
	cat db.om runs.om | sed -n "s/^# TYPE \([a-z0-9_]*\) gauge\$/\1/p" | sort -u >written &&
	grep -o "pbprobe_[a-z0-9_]*" "$PB_SRC/docs/openmetrics.md" | sort -u >documented &&
	test "$(wc -l <written)" -gt 30 &&
	test_cmp written documented
'
test_expect_success 'the backfill recipe of docs/openmetrics.md gives every sample the end time' '
	# as in the docs: the run'"'"'s end time appended to every sample line
	# without labels, and with --label (l.om ends with report-db.log'"'"'s last request)
	for f in outage.om:1764165603.900000 l.om:1764165604.900000; do
		want=${f#*:} f=${f%%:*} &&
		ts=$(grep "^pbprobe_end_timestamp_seconds[{ ]" $f | tail -n 1 | awk "{ print \$NF }") &&
		test "$ts" = "$want" &&
		awk -v ts="$ts" "/^#/ { print; next } { print \$0 \" \" ts }" $f >backfill.om &&
		"$PY" "$OM_PARSE" --backfill backfill.om >/dev/null &&
		! "$PY" "$OM_PARSE" backfill.om 2>/dev/null || return 1
	done
'
test_done
