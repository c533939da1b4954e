#!/bin/bash
# The reference demo's failing upgrade, with the real progressDeadlineSeconds
# of 45: 2.8.0 rolled out without its migration never gets ready (its
# /api/helpingmaterial answers 500), the rollout halts and is undone, the
# script exits non-zero, and users get only 200s from the 2.7.2 instances,
# which never stopped. Checked against the gate, the driver's own clock,
# haproxy's pool and the processes.

# Bodies are single-quoted strings eval'd later; shellcheck cannot see that
# they use these variables and functions.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source-path=SCRIPTDIR source=./lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=./lib-lab.sh
. "$PB_SRC/t/lib-lab.sh"

unset PBPROBE_LAB_PROGRESS_DEADLINE # the lab's default: 45 s, the seed's deadline
NAME=failing-upgrade-from-2-7-2-to-2-8-0
EV=$LAB_LOGS/$NAME.driver.tsv
JSON=$LAB_LOGS/$NAME.json

test_expect_success 'a lab at 2.7.2' '
	lab_expect_rc 0 setup &&
	lab_expect_rc 0 init-at-2-7-1 &&
	bash -c ". \"$PB_SRC/upgrade/steps.sh\" && steps_init && step_rollout 2.7.2 && step_wait_rollout" >to272.out 2>&1 &&
	test "$(pool_versions | tr "\n" " ")" = "2.7.2 2.7.2 " &&
	hap_pool >pool.before &&
	lab_processes | awk "\$2 == \"pybossa-standin\" { print \$1 }" | sort >pids.before &&
	test "$(wc -l <pids.before)" = 2
'

test_expect_success 'failing-upgrade-from-2-7-2-to-2-8-0 exits 1 with the gate PASS' '
	lab_expect_rc 1 $NAME &&
	grep -q "the rollout to 2.8.0 did not complete and was undone" $NAME.out &&
	grep -q "gate PASS" $NAME.out &&
	test "$(jq .gate.passed "$JSON")" = true &&
	grep -qx "upgrade=1" "$LAB_LOGS/$NAME.result"
'

test_expect_success 'every response was 200, and from 2.7.2' '
	test "$(jq "[.targets[] | select(.failed != 0 or .skipped != 0 or .missing != 0)] | length" "$JSON")" = 0 &&
	test "$(jq -r "[.targets[].status | keys[]] | unique | join(\" \")" "$JSON")" = 200 &&
	test "$(jq -r "[.targets[].versions.requests | keys[]] | unique | join(\" \")" "$JSON")" = 2.7.2 &&
	test "$(jq "[.targets[].requests] | min" "$JSON")" -gt 8000
'

test_expect_success 'the new instance never got ready nor traffic' '
	test "$(ev_count "$EV" start "^2.8.0#")" = 1 &&
	test "$(ev_count "$EV" ready "^2.8.0#")" = 0 &&
	test "$(ev_count "$EV" pool-add "^2.8.0#")" = 0 &&
	access=$(ls "$LAB_DIR"/instances/2.8.0-*.access.log) &&
	test -z "$(grep -v "uri=/api/helpingmaterial request_id=- *\$" $access)" &&
	grep -q "status=500" $access
'

# From the deadline to the undo's start: the driver exits, the steps see it
# (a 50 ms poll), mark "rollout stalled" and "rollout undo" (a pbprobe
# process each) and start the undo's driver, all at nice 10 beside a prober
# at -10: about 0.4 s, and 0.9-1.03 s under ASan (measured). The undo itself
# is one pass of the driver: the stalled pod deleted, the old ones complete.
test_expect_success 'the deadline passed at 45 s and the rollback was done at once' '
	start=$(ev_us "$EV" rollout-start "^-\$" first) &&
	deadline=$(ev_us "$EV" deadline-exceeded) &&
	undo=$(ev_us "$EV" rollout-start "^-\$" last) &&
	undone=$(ev_us "$EV" rollout-complete "^-\$" last) &&
	gone=$(ev_us "$EV" exit "^2.8.0#") &&
	echo "deadline after $(((deadline - start) / 1000)) ms, undo started $(((undo - deadline) / 1000)) ms later, done in $(((undone - undo) / 1000)) ms" &&
	test $((deadline - start)) -ge 45000000 &&
	test $((deadline - start)) -lt 45600000 &&
	test "$gone" -gt "$deadline" &&
	test "$undo" -gt "$deadline" &&
	test $((undo - deadline)) -lt 2000000 &&
	test $((undone - undo)) -lt 500000 &&
	log=$LAB_LOGS/$NAME.log &&
	test -n "$(mark_us "$log" "rollout undone")" &&
	test "$(mark_us "$log" "rollout undone")" -ge "$undone"
'

test_expect_success 'the old instances never stopped and still are the whole pool; no 2.8.0 left' '
	lab_processes | awk "\$2 == \"pybossa-standin\" { print \$1 }" | sort >pids.after &&
	test_cmp pids.before pids.after &&
	hap_pool >pool.after &&
	test_cmp pool.before pool.after &&
	test "$(ev_count "$EV" pool-remove)" = 0 &&
	test "$(ev_count "$EV" sigterm "^2.7.2#")" = 0 &&
	grep -q "^revision=4\$" "$LAB_DIR/deployment" &&
	grep -q "^version=2.7.2\$" "$LAB_DIR/deployment"
'

test_expect_success 'teardown leaves no process' '
	lab_expect_rc 0 teardown &&
	test -z "$(lab_processes)"
'

test_done
