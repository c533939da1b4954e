#!/bin/bash
# The negative controls: four unsafe upgrades pbprobe must catch, the gate
# failing and the harm located; and one that looks unsafe and is not, which
# pbprobe must pass. Recreate: one downtime window whose ends match
# the driver's own clock (last old instance out of the pool, first new one
# in: between the command to haproxy and its acknowledgement) within 1/rate +
# 50 ms. 2.8.0 without migration and without readiness
# probe: routed before it listens, connections refused until then (between
# the driver's pool-add and its listening stamp); 500s on
# /api/helpingmaterial only, all from 2.8.0. The migration after the
# rollout: 500s only between the two. Pods without preStop whose app dies on
# SIGTERM: failures only between each pod's SIGTERM and its endpoint's
# removal (the endpoint lag), on the driver's clock. Pods without preStop
# whose app ignores SIGTERM: no failure, each killed at the grace period.
#
# The lab's Service is haproxy in TCP mode, as kube-proxy: a connection it
# cannot hand to an endpoint (none in the pool, or one that refuses) is
# closed unanswered, which pbprobe logs as "reset" (REFUSED below).

# Bodies are single-quoted strings eval'd later; shellcheck cannot see that
# they use these variables and functions.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source-path=SCRIPTDIR source=./lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=./lib-lab.sh
. "$PB_SRC/t/lib-lab.sh"

export PBPROBE_LAB_PROGRESS_DEADLINE=10
RATE=200
export PBPROBE_LAB_RATE=$RATE
TOL_US=$((1000000 / RATE + 50000))
REFUSED=reset

# outcomes JSON [TARGET]: the HTTP statuses and error classes seen (by
# TARGET, or by all), sorted, on one line.
outcomes() {
	jq -r --arg t "${2:-}" "[.targets[] | select(\$t == \"\" or .name == \$t) |
		(.status | keys[]), (.errors | keys[])] | unique | join(\" \")" "$1"
}

# after A B ACK: A lies in [B - TOL_US, B + ACK + TOL_US]: B is when the driver
# sent haproxy a pool change, ACK how long haproxy took to acknowledge it.
after() {
	if [ "$1" -lt $(($2 - TOL_US)) ] || [ "$1" -gt $(($2 + $3 + TOL_US)) ]; then
		echo "$1 not within $((TOL_US / 1000)) ms of [$2, $2 + $3 us]" >&2
		return 1
	fi
}

# in_spans SPANS TIMES: every time of TIMES (one a line, microseconds) lies
# within TOL_US of a span of SPANS ("id from to" lines), and every span holds
# one or more; prints the count per span.
in_spans() {
	awk -v tol="$TOL_US" '
		NR == FNR { id[NR] = $1; from[NR] = $2; to[NR] = $3; n = NR; next }
		{ ok = 0; for (i = 1; i <= n; i++) if ($1 >= from[i] - tol && $1 <= to[i] + tol) { ok = 1; hits[i]++ }
		  if (!ok) { print "at " $1 " in no span"; bad = 1 } }
		END { for (i = 1; i <= n; i++) { print id[i] ": " hits[i] + 0 " in " int((to[i] - from[i]) / 1000) " ms"; if (!hits[i]) bad = 1 }
		      exit bad }' "$1" "$2"
}

# startup_spans EVENTS VERSION: "id pool-add listening" of each instance of
# VERSION routed before it listened (--readiness none). The driver stamps
# listening when it reads the instance's "ready" line, at its next probe
# round: never before the port opened, so the span holds every refusal.
startup_spans() {
	awk -F'\t' -v v="$2" '
		NR > 1 && $4 == v && $2 == "pool-add" && !($3 in add) { add[$3] = $1; order[++n] = $3 }
		NR > 1 && $4 == v && $2 == "listening" && !($3 in lis) { lis[$3] = $1 }
		END { for (i = 1; i <= n; i++) if (lis[order[i]] > add[order[i]]) print order[i], add[order[i]], lis[order[i]] }' "$1"
}

# The times failures with OUTCOME reached the Service (scheduled + delay).
fail_times() {
	"$LOGCAT" -f req:outcome,time,delay_us "$1" | awk -F'\t' -v o="$2" '$1 == o { print $2 + ($3 == "-" ? 0 : $3) }' | sort -n
}

# is GOT WANT WHAT: GOT is WANT, or says what it was instead (a CI log
# shows only what a failing test printed)
is() {
	[ "$1" = "$2" ] && return 0
	echo "$3: \"$1\", expected \"$2\"" >&2
	return 1
}

# A JSON time (Unix seconds, six decimals) in microseconds.
json_us() {
	jq -r "$1" "$2" | awk '{ printf "%.0f\n", $1 * 1000000 }'
}

test_expect_success 'setup and init-at-2-7-1' '
	lab_expect_rc 0 setup &&
	lab_expect_rc 0 init-at-2-7-1
'

NAME=recreate-upgrade-from-2-7-1-to-2-7-2
test_expect_success 'Recreate: the gate FAILs (exit 2), one downtime window per target' '
	lab_expect_rc 2 $NAME &&
	grep -q "gate FAIL" $NAME.out &&
	json=$LAB_LOGS/$NAME.json &&
	is "$(jq .gate.passed "$json")" false "gate.passed" &&
	is "$(jq -r "[.targets[].windows_count] | unique | join(\" \")" "$json")" 1 "windows per target" &&
	is "$(outcomes "$json")" "200 $REFUSED" "outcomes" &&
	is "$(pool_versions | tr "\n" " ")" "2.7.2 2.7.2 " "versions in the pool"
'

test_expect_success 'Recreate: the scenario'"'"'s HTML report has each window of the JSON as a band, per target' '
	html=$LAB_LOGS/$NAME.html json=$LAB_LOGS/$NAME.json &&
	origin=$(grep -o "data-origin=\"[0-9.]*\"" "$html" | head -n 1 | tr -dc "0-9.") &&
	test -n "$origin" &&
	jq -r --argjson o "$origin" ".targets[] | .name as \$n | .windows[] | \"\(\$n) \((.start - \$o) * 1000000 | round)\"" "$json" |
		sort >want &&
	awk -v o="$origin" "
		/<g class=\"target\"/ { match(\$0, /data-name=\"[^\"]*\"/); name = substr(\$0, RSTART + 11, RLENGTH - 12) }
		{ while (match(\$0, /<rect class=\"window\" data-start=\"[0-9.]+\"/)) {
			s = substr(\$0, RSTART, RLENGTH); sub(/.*data-start=\"/, \"\", s); sub(/\"/, \"\", s)
			printf \"%s %.0f\\n\", name, s * 1000000; \$0 = substr(\$0, RSTART + RLENGTH) } }
	" "$html" | sort >got &&
	test -s want && test_cmp want got
'

test_expect_success 'Recreate: the window starts as the last old instance leaves the pool and ends as the first new one joins' '
	json=$LAB_LOGS/$NAME.json &&
	ev=$LAB_LOGS/$NAME.driver.tsv &&
	last_out=$(ev_us "$ev" pool-remove "^2.7.1#" last) &&
	out_ack=$(ev_ack_us "$ev" pool-remove "^2.7.1#" last) &&
	first_in=$(ev_us "$ev" pool-add "^2.7.2#" first) &&
	in_ack=$(ev_ack_us "$ev" pool-add "^2.7.2#" first) &&
	stopped=$(ev_us "$ev" exit "^2.7.1#" last) &&
	test "$last_out" -lt "$stopped" && test "$stopped" -lt "$first_in" &&
	for t in home api; do
		start=$(json_us ".targets[] | select(.name == \"$t\") | .windows[0].start" "$json") &&
		end=$(json_us ".targets[] | select(.name == \"$t\") | .windows[0].end" "$json") &&
		echo "$t: window $(((end - start) / 1000)) ms; start $(((start - last_out) / 1000)) ms from the last pool-remove, end $(((end - first_in) / 1000)) ms from the first pool-add" &&
		after "$start" "$last_out" "$out_ack" &&
		after "$end" "$first_in" "$in_ack" || return 1
	done
'

NAME=no-readiness-upgrade-from-2-7-2-to-2-8-0
test_expect_success 'no migration, no readiness probe: the rollout completes, the gate FAILs (exit 2)' '
	lab_expect_rc 2 $NAME &&
	grep -q "gate FAIL" $NAME.out &&
	test "$(jq .gate.passed "$LAB_LOGS/$NAME.json")" = false &&
	log=$LAB_LOGS/$NAME.log &&
	test -n "$(mark_us "$log" "rollout complete")" &&
	test "$(ev_count "$LAB_LOGS/$NAME.driver.tsv" pool-add "^2.8.0#")" = 2
'

test_expect_success 'no readiness probe: routed before listening, each 2.8.0 instance refused connections until it listened' '
	startup_spans "$LAB_LOGS/$NAME.driver.tsv" 2.8.0 >spans &&
	test "$(wc -l <spans)" = 2 &&
	fail_times "$LAB_LOGS/$NAME.log" $REFUSED >refused.times &&
	in_spans spans refused.times
'

test_expect_success 'no migration, no readiness probe: besides those refusals, 500s on api only, all from 2.8.0; home 200' '
	json=$LAB_LOGS/$NAME.json &&
	test "$(outcomes "$json" home)" = "200 $REFUSED" &&
	test "$(jq ".targets[] | select(.name == \"api\") | .failed" "$json")" -gt 100 &&
	test "$(outcomes "$json" api)" = "200 500 $REFUSED" &&
	"$LOGCAT" -f req:target,outcome,version "$LAB_LOGS/$NAME.log" >reqs &&
	test "$(awk -F"\t" "\$1 == \"api\" && \$2 == 500 { print \$3 }" reqs | sort -u)" = 2.8.0 &&
	test "$(awk -F"\t" "\$1 == \"api\" && \$2 == 200 && \$3 == \"2.8.0\"" reqs | wc -l)" = 0
'

test_expect_success 'after the undo, 2.7.2 serves again' '
	test "$(pool_versions | tr "\n" " ")" = "2.7.2 2.7.2 " &&
	test -n "$(mark_us "$LAB_LOGS/$NAME.log" "rollout undone")"
'

NAME=guarded-upgrade-from-2-7-2-to-2-8-0
test_expect_success 'the same upgrade under the live gate: pbprobe aborts, rolls back; the gate FAILs (exit 2)' '
	lab_expect_rc 2 $NAME &&
	grep -q "the live gate aborted the upgrade, and the rollback succeeded" $NAME.out &&
	log=$LAB_LOGS/$NAME.log &&
	"$LOGCAT" -f abort:time,target,rule,limit "$log" >abort &&
	is "$(wc -l <abort)" 1 "abort lines" &&
	read -r abort_us target rule limit <abort &&
	is "$rule $limit" "max-window 1000000" "rule" &&
	"$LOGCAT" -f cmd-exit:how "$log" >how &&
	is "$(cat how)" killed:SIGTERM "the steps" &&
	test -n "$(mark_us "$log" "rollout undone")" &&
	is "$(pool_versions | tr "\n" " ")" "2.7.2 2.7.2 " "versions in the pool"
'

test_expect_success 'the live gate: the abort one second after the window opened, the rollback healing it' '
	log=$LAB_LOGS/$NAME.log &&
	read -r abort_us target rule limit <abort &&
	"$LOGCAT" -f req:target,time,outcome "$log" | awk -F"\t" -v t="$target" "\$1 == t { print \$2, \$3 }" |
		sort -n >reqs &&
	# the window that broke the rule: its first failure follows the last
	# success scheduled more than a second before the abort
	start=$(awk -v a="$abort_us" "\$1 > a - 1000000 { exit } \$2 == 200 { ok = \$1 } END { print ok }" reqs) &&
	first=$(awk -v s="$start" "\$1 > s && \$2 != 200 { print \$1; exit }" reqs) &&
	echo "abort $(((abort_us - first) / 1000)) ms after the window opened" &&
	test "$abort_us" -ge $((first + 1000000)) &&
	test "$abort_us" -le $((first + 1000000 + TOL_US + 150000)) &&
	# the rollback is the driver'"'"'s second rollout, begun after the abort;
	# haproxy acknowledged its pool changes (ack_us) after it too
	undo_us=$(ev_us "$LAB_LOGS/$NAME.driver.tsv" rollout-start . last) &&
	test "$undo_us" -gt "$abort_us" &&
	test "$(ev_us "$LAB_LOGS/$NAME.driver.tsv" pool-add "^2.7.2#" last)" -gt "$abort_us" &&
	undone=$(mark_us "$log" "rollout undone") &&
	awk -v u="$undone" "\$1 > u && \$2 != 200 { bad++ } END { exit bad > 0 }" reqs
'

NAME=migration-after-upgrade-from-2-7-2-to-2-8-0
test_expect_success 'the migration after the rollout: the gate FAILs (exit 2), 500s on api only, refusals while 2.8.0 starts' '
	lab_expect_rc 2 $NAME &&
	json=$LAB_LOGS/$NAME.json &&
	test "$(jq .gate.passed "$json")" = false &&
	test "$(outcomes "$json" home)" = "200 $REFUSED" &&
	test "$(jq ".targets[] | select(.name == \"api\") | .failed" "$json")" -gt 0 &&
	test "$(outcomes "$json" api)" = "200 500 $REFUSED" &&
	startup_spans "$LAB_LOGS/$NAME.driver.tsv" 2.8.0 >spans &&
	fail_times "$LAB_LOGS/$NAME.log" $REFUSED >refused.times &&
	in_spans spans refused.times
'

test_expect_success 'the migration after the rollout: every 500 lies between 2.8.0 joining the pool and the migration end' '
	log=$LAB_LOGS/$NAME.log &&
	first_in=$(ev_us "$LAB_LOGS/$NAME.driver.tsv" pool-add "^2.8.0#" first) &&
	m_start=$(mark_us "$log" "migration start") &&
	m_end=$(mark_us "$log" "migration end") &&
	r_done=$(mark_us "$log" "rollout complete") &&
	test "$r_done" -lt "$m_start" &&
	"$LOGCAT" -f req:outcome,time "$log" | awk -F"\t" "\$1 == 500 { print \$2 }" | sort -n >fail.times &&
	test -s fail.times &&
	first=$(head -n 1 fail.times) && last=$(tail -n 1 fail.times) &&
	echo "500s from $(((first - first_in) / 1000)) ms after 2.8.0 joined to $(((m_end - last) / 1000)) ms before the migration ended" &&
	test "$first" -ge $((first_in - TOL_US)) &&
	test "$last" -le "$m_end" &&
	test "$(lab_psql "SELECT version_num FROM alembic_version")" = 8fe68fbf6baa &&
	test "$(pool_versions | tr "\n" " ")" = "2.8.0 2.8.0 "
'

NAME=no-prestop-restart-at-2-8-0
test_expect_success 'pods without preStop, their app dying on SIGTERM: the gate FAILs (exit 2), connections refused' '
	lab_expect_rc 2 $NAME &&
	json=$LAB_LOGS/$NAME.json &&
	test "$(jq .gate.passed "$json")" = false &&
	# every failure a connection closed unanswered: handed to an endpoint
	# that refused, or cut as the app died under a request
	test "$(outcomes "$json")" = "200 $REFUSED" &&
	test "$(pool_versions | tr "\n" " ")" = "2.8.0 2.8.0 "
'

test_expect_success 'no preStop: every failure lies between a pod'"'"'s SIGTERM and its endpoint'"'"'s removal; each pod caused some' '
	ev=$LAB_LOGS/$NAME.driver.tsv &&
	# the pods started without preStop: their SIGTERM says on_sigterm=exit
	awk -F"\t" "NR > 1 && \$2 == \"sigterm\" && \$7 ~ /prestop_us=0 on_sigterm=exit/ { print \$3 }" "$ev" >nopre.ids &&
	test "$(wc -l <nopre.ids)" = 2 &&
	: >spans &&
	while read -r id; do
		term=$(ev_us "$ev" sigterm "^$id\$") &&
		out=$(ev_us "$ev" pool-remove "^$id\$") &&
		ack=$(ev_ack_us "$ev" pool-remove "^$id\$") &&
		test "$out" -gt "$term" &&
		test "$(ev_us "$ev" exit "^$id\$")" -gt "$term" &&
		echo "$id $term $((out + ack))" >>spans || return 1
	done <nopre.ids &&
	# each failure when it reached the Service: scheduled + delay
	"$LOGCAT" -f req:outcome,time,delay_us "$LAB_LOGS/$NAME.log" | awk -F"\t" "\$1 != 200 { print \$2 + \$3 }" | sort -n >fail.times &&
	test -s fail.times &&
	in_spans spans fail.times
'

NAME=ignore-sigterm-restart-at-2-8-0
test_expect_success 'pods without preStop whose app ignores SIGTERM: no request fails (exit 0, gate PASS)' '
	lab_expect_rc 0 $NAME &&
	json=$LAB_LOGS/$NAME.json &&
	test "$(jq .gate.passed "$json")" = true &&
	test "$(outcomes "$json")" = 200 &&
	test "$(pool_versions | tr "\n" " ")" = "2.8.0 2.8.0 "
'

test_expect_success 'ignoring SIGTERM: each such pod served on until SIGKILL at the grace period, its endpoint long gone' '
	ev=$LAB_LOGS/$NAME.driver.tsv &&
	awk -F"\t" "NR > 1 && \$2 == \"sigterm\" && \$7 ~ /prestop_us=0 on_sigterm=ignore/ { print \$3 }" "$ev" >ignoring.ids &&
	test "$(wc -l <ignoring.ids)" = 2 &&
	while read -r id; do
		deleted=$(ev_us "$ev" terminating "^$id\$") &&
		out=$(ev_us "$ev" pool-remove "^$id\$") &&
		killed=$(ev_us "$ev" sigkill "^$id\$") &&
		exited=$(ev_us "$ev" exit "^$id\$") &&
		echo "$id: endpoint out $(((out - deleted) / 1000)) ms, SIGKILL $(((killed - deleted) / 1000)) ms after its deletion" &&
		test "$out" -lt "$killed" &&
		test $((killed - deleted)) -ge 5000000 &&
		test "$exited" -ge "$killed" || return 1
		: the driver'"'"'s event is on the prober'"'"'s timeline, a [lab] event at its own time, &&
		: when the steps still ran: the rollout completes while old pods terminate &&
		steps_end=$("$LOGCAT" -f cmd-exit:time "$LAB_LOGS/$NAME.log") &&
		test -n "$steps_end" || return 1
		[ "$killed" -lt "$steps_end" ] || continue
		mark=$("$LOGCAT" -f mark:name,time "$LAB_LOGS/$NAME.log" |
			awk -F"\t" -v m="[lab] instance $id killed: grace " "index(\$1, m) == 1 { print \$2 }") &&
		is "$mark" "$killed" "the time of the mark of $id killed" &&
		echo "$id" >>marked || return 1
	done <ignoring.ids &&
	test -s marked
'

test_expect_success 'teardown leaves no process' '
	lab_expect_rc 0 teardown &&
	test -z "$(lab_processes)"
'

test_done
