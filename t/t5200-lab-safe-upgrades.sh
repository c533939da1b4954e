#!/bin/bash
# The reference demo's safe upgrades, run by their scenario scripts under
# pbprobe in a private lab: 2.7.1 -> 2.7.2 (a rolling update) and 2.7.2 ->
# 2.8.0 (the migration first), each with the gate's verdict and the ground
# truth: every response 200, what haproxy routes to, the driver's events, the
# database. And a migration made to fail: nothing rolled out, 2.7.2 serving.

# Bodies are single-quoted strings eval'd later; shellcheck cannot see that
# they use these variables and functions.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source-path=SCRIPTDIR source=./lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=./lib-lab.sh
. "$PB_SRC/t/lib-lab.sh"

export PBPROBE_LAB_PROGRESS_DEADLINE=10

# every_200 NAME: both targets answered every request, all with 200.
every_200() {
	local json=$LAB_LOGS/$1.json
	test "$(jq -r ".targets | map(.name) | sort | join(\" \")" "$json")" = "api home" &&
		test "$(jq "[.targets[] | select(.failed != 0 or .skipped != 0 or .missing != 0)] | length" "$json")" = 0 &&
		test "$(jq -r "[.targets[].status | keys[]] | unique | join(\" \")" "$json")" = 200 &&
		test "$(jq "[.targets[].requests] | min" "$json")" -gt 500
}

has_mark() {
	test -n "$(mark_us "$LAB_LOGS/$1.log" "$2")"
}

test_expect_success 'a scenario'"'"'s usage: --help; a bad platform or prober is exit 3 before anything starts' '
	sc=$PB_SRC/lab/scenarios/upgrade-from-2-7-1-to-2-7-2.sh &&
	"$sc" --help >help &&
	grep -q "the reference demo" help && grep -q -- "--platform  where the upgrade runs" help &&
	test_expect_code 3 "$sc" --platform moon 2>err && grep -q "is lab or kubernetes, not \"moon\"" err &&
	test_expect_code 3 "$sc" --prober job 2>err && grep -q "the lab'"'"'s prober is local" err &&
	test_expect_code 3 "$sc" --prober 2>err && grep -q -- "--prober needs a value" err &&
	test_expect_code 3 "$sc" --fast 2>err && grep -q "unknown argument \"--fast\"" err &&
	test ! -e "$LAB_DIR/env"
'

test_expect_success 'setup and init-at-2-7-1' '
	lab_expect_rc 0 setup &&
	lab_expect_rc 0 init-at-2-7-1 &&
	test "$(pool_versions | tr "\n" " ")" = "2.7.1 2.7.1 "
'

test_expect_success 'upgrade-from-2-7-1-to-2-7-2: completes, exit 0, gate PASS' '
	lab_expect_rc 0 upgrade-from-2-7-1-to-2-7-2 &&
	grep -q "gate PASS" upgrade-from-2-7-1-to-2-7-2.out &&
	test "$(jq .gate.passed "$LAB_LOGS/upgrade-from-2-7-1-to-2-7-2.json")" = true &&
	grep -qx "verdict=pass" "$LAB_LOGS/upgrade-from-2-7-1-to-2-7-2.result" &&
	test -s "$LAB_LOGS/upgrade-from-2-7-1-to-2-7-2.png"
'

test_expect_success '2.7.1 -> 2.7.2: every response 200, from 2.7.1 then 2.7.2, and haproxy routes to 2.7.2 only' '
	every_200 upgrade-from-2-7-1-to-2-7-2 &&
	json=$LAB_LOGS/upgrade-from-2-7-1-to-2-7-2.json &&
	test "$(jq -r "[.targets[].versions.final] | unique | join(\" \")" "$json")" = 2.7.2 &&
	test "$(jq -r "[.targets[].versions.requests | keys[]] | unique | join(\" \")" "$json")" = "2.7.1 2.7.2" &&
	test "$(pool_versions | tr "\n" " ")" = "2.7.2 2.7.2 " &&
	ev=$LAB_LOGS/upgrade-from-2-7-1-to-2-7-2.driver.tsv &&
	test "$(ev_count "$ev" pool-add "^2.7.2#")" = 2 &&
	test "$(ev_count "$ev" exit "^2.7.1#")" = 2 &&
	test "$(ev_count "$ev" sigkill)" = 0
'

test_expect_success '2.7.1 -> 2.7.2: the log marks each instance ready and each old one drained' '
	for m in "rollout to 2.7.2" "[lab] instance 2.7.2#1 ready" "[lab] instance 2.7.2#2 ready" \
		"[lab] old 2.7.1#1 drained" "[lab] old 2.7.1#2 drained" "rollout complete"; do
		has_mark upgrade-from-2-7-1-to-2-7-2 "$m" || return 1
	done &&
	ready=$(mark_us "$LAB_LOGS/upgrade-from-2-7-1-to-2-7-2.log" "[lab] instance 2.7.2#1 ready") &&
	drained=$(mark_us "$LAB_LOGS/upgrade-from-2-7-1-to-2-7-2.log" "[lab] old 2.7.1#1 drained") &&
	test "$ready" -lt "$drained" &&
	jq -e "[.timeline[] | select(.source == \"lab\")] | length >= 4" "$LAB_LOGS/upgrade-from-2-7-1-to-2-7-2.json"
'

test_expect_success 'a migration made to fail: exit 1, gate PASS, nothing rolled out' '
	standin_before=$(hap_pool) &&
	lab_psql "UPDATE alembic_version SET version_num = '\''0000deadbeef'\''" &&
	lab_expect_rc 1 upgrade-from-2-7-2-to-2-8-0 &&
	grep -q "the migration failed: nothing rolled out" upgrade-from-2-7-2-to-2-8-0.out &&
	grep -q "gate PASS" upgrade-from-2-7-2-to-2-8-0.out &&
	every_200 upgrade-from-2-7-2-to-2-8-0 &&
	has_mark upgrade-from-2-7-2-to-2-8-0 "migration failed" &&
	! has_mark upgrade-from-2-7-2-to-2-8-0 "rollout to 2.8.0" &&
	test ! -s "$LAB_LOGS/upgrade-from-2-7-2-to-2-8-0.driver.tsv" &&
	test "$(hap_pool)" = "$standin_before" &&
	test "$(jq -r "[.targets[].versions.requests | keys[]] | unique | join(\" \")" \
		"$LAB_LOGS/upgrade-from-2-7-2-to-2-8-0.json")" = 2.7.2 &&
	test "$(lab_psql "SELECT count(*) FROM information_schema.columns
		WHERE table_name = '\''helpingmaterial'\'' AND column_name = '\''priority'\''")" = 0
'

test_expect_success 'upgrade-from-2-7-2-to-2-8-0: migration, then rollout; exit 0, gate PASS' '
	lab_psql "UPDATE alembic_version SET version_num = '\''52209719b79e'\''" &&
	lab_expect_rc 0 upgrade-from-2-7-2-to-2-8-0 &&
	grep -q "gate PASS" upgrade-from-2-7-2-to-2-8-0.out &&
	test "$(jq .gate.passed "$LAB_LOGS/upgrade-from-2-7-2-to-2-8-0.json")" = true
'

test_expect_success '2.7.2 -> 2.8.0: every response 200; the migration ended before the rollout began' '
	every_200 upgrade-from-2-7-2-to-2-8-0 &&
	log=$LAB_LOGS/upgrade-from-2-7-2-to-2-8-0.log &&
	m_end=$(mark_us "$log" "migration end") &&
	r_start=$(mark_us "$log" "rollout to 2.8.0") &&
	test -n "$m_end" && test "$m_end" -lt "$r_start" &&
	first_new=$(ev_us "$LAB_LOGS/upgrade-from-2-7-2-to-2-8-0.driver.tsv" start "^2.8.0#") &&
	test "$m_end" -lt "$first_new" &&
	test "$(lab_psql "SELECT version_num FROM alembic_version")" = 8fe68fbf6baa &&
	test "$(pool_versions | tr "\n" " ")" = "2.8.0 2.8.0 " &&
	json=$LAB_LOGS/upgrade-from-2-7-2-to-2-8-0.json &&
	test "$(jq -r "[.targets[].versions.final] | unique | join(\" \")" "$json")" = 2.8.0
'

test_expect_success '2.7.2 -> 2.8.0: the database probe sees the schema change between the migration marks' '
	log=$LAB_LOGS/upgrade-from-2-7-2-to-2-8-0.log &&
	m_start=$(mark_us "$log" "migration start") &&
	m_end=$(mark_us "$log" "migration end") &&
	r_start=$(mark_us "$log" "rollout to 2.8.0") &&
	"$LOGCAT" -f db-schema:time,value "$log" >schema &&
	head -n 1 schema | grep -q "	52209719b79e\$" &&
	changed=$(awk "\$2 == \"8fe68fbf6baa\" { print \$1; exit }" schema) &&
	test -n "$changed" &&
	test "$changed" -ge $((m_start - 150000)) && test "$changed" -le $((m_end + 150000)) &&
	test "$changed" -le $((r_start + 100000)) &&
	test "$(jq -r "[.database.schema[].value] | join(\" \")" "$LAB_LOGS/upgrade-from-2-7-2-to-2-8-0.json")" = "52209719b79e 8fe68fbf6baa" &&
	test "$(jq ".database.unreachable | length" "$LAB_LOGS/upgrade-from-2-7-2-to-2-8-0.json")" = 0
'

test_expect_success 'baseline: the prober alone for PBPROBE_BASELINE, no rollout; gate PASS' '
	PBPROBE_BASELINE=2s lab_expect_rc 0 baseline &&
	grep -q "gate PASS" baseline.out &&
	every_200 baseline &&
	log=$LAB_LOGS/baseline.log &&
	from=$(mark_us "$log" "baseline for 2s") && to=$(mark_us "$log" "baseline end") &&
	test $((to - from)) -ge 2000000 && test $((to - from)) -lt 3000000 &&
	# nothing was deployed: the driver never ran, the pool is as it was
	test ! -s "$LAB_LOGS/baseline.driver.tsv" &&
	test "$(pool_versions | tr "\n" " ")" = "2.8.0 2.8.0 "
'

test_expect_success 'baseline: a length that is no duration is refused before probing (exit 3)' '
	rm -f "$LAB_LOGS"/baseline.* &&
	PBPROBE_BASELINE=soon lab_expect_rc 3 baseline &&
	grep -F "PBPROBE_BASELINE is a duration (90, 90s, 5m), not \"soon\"" baseline.out &&
	test ! -e "$LAB_LOGS/baseline.log"
'

test_expect_success 'teardown leaves no process' '
	lab_expect_rc 0 teardown &&
	test -z "$(lab_processes)"
'

test_done
