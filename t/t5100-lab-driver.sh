#!/bin/bash
# The lab's rollout driver (lab/rollout-driver) through the lab's platform
# layer and steps: Deployment semantics (maxSurge 1, maxUnavailable 0,
# readiness, preStop, progress deadline, undo) checked against haproxy's pool,
# the processes and the driver's event log; setup and teardown leave nothing
# behind, even when they fail half-way. Not about the 45 s deadline (t5300):
# the deadline here is 3 s.

# Bodies are single-quoted strings eval'd later; shellcheck cannot see that
# they use these variables and functions.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source-path=SCRIPTDIR source=./lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=./lib-lab.sh
. "$PB_SRC/t/lib-lab.sh"

export PBPROBE_LAB_PROGRESS_DEADLINE=3

# steps NAME CODE: runs CODE (upgrade/steps.sh functions) outside a scenario, the
# driver's events in NAME.tsv, output in NAME.out; STEPS_RC its status.
steps() {
	STEPS_RC=0
	PBPROBE_LAB_EVENTS=$TEST_DIR/$1.tsv bash -c '. "$PB_SRC/upgrade/steps.sh" && steps_init && '"$2" \
		>"$1.out" 2>&1 || STEPS_RC=$?
}

# The pids of the live app instances of VERSION, from /proc.
standin_pids() {
	lab_processes | awk -v v="$1" '$2 == "pybossa-standin" { print $1 }' | while read -r pid; do
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--app-version $1 " && echo "$pid"
	done | sort
}

# Replays an event log: instances counted by the Deployment (started, not
# yet deleted: a terminating pod holds no place in maxSurge) and pooled ones
# after every event, starting from BEFORE of each; prints "max_counted
# min_pool".
replay() {
	awk -F'\t' -v live="$2" -v pool="$2" '
		BEGIN { max = live; min = pool }
		NR > 1 && $2 == "start" { live++ }
		NR > 1 && ($2 == "terminating" || $2 == "died") { live-- }
		NR > 1 && $2 == "pool-add" { pool++ }
		NR > 1 && $2 == "pool-remove" { pool-- }
		NR > 1 { if (live > max) max = live; if (pool < min) min = pool }
		END { print max, min }' "$1"
}

test_expect_success 'setup: PostgreSQL at the 2.7 schema, haproxy with an empty pool' '
	lab_expect_rc 0 setup &&
	lab_env &&
	test "$(lab_psql "SELECT version_num FROM alembic_version")" = 52209719b79e &&
	test "$(lab_psql "SELECT count(*) FROM helpingmaterial")" = 7 &&
	test -z "$(hap_pool)" &&
	# TCP, as a ClusterIP: no endpoint, the connection closed unanswered
	test "$(http_status "http://127.0.0.1:$LAB_HAPROXY_PORT/")" = 000
'

test_expect_success 'a second setup refuses while the lab runs' '
	lab_expect_rc 1 setup &&
	grep -q "already runs" setup.out &&
	test "$(http_status "http://127.0.0.1:$LAB_HAPROXY_PORT/")" = 000
'

test_expect_success 'init-at-2-7-1: two 2.7.1 instances, both pooled, both ready' '
	lab_expect_rc 0 init-at-2-7-1 &&
	test "$(pool_versions | tr "\n" " ")" = "2.7.1 2.7.1 " &&
	test "$(ev_count logs/init-at-2-7-1.driver.tsv pool-add)" = 2 &&
	test "$(standin_pids 2.7.1 | wc -l)" = 2 &&
	curl -s -m 5 -D head.out -o body.out "http://127.0.0.1:$LAB_HAPROXY_PORT/api/helpingmaterial" &&
	grep -qi "^X-App-Version: 2.7.1" head.out &&
	test "$(jq length body.out)" = 5
'

test_expect_success 'a rolling update: one new instance at a time, never fewer than 2 pooled' '
	standin_pids 2.7.1 >old.pids &&
	steps roll "step_rollout 2.7.2 && step_wait_rollout" &&
	test "$STEPS_RC" = 0 &&
	read -r max_live min_pool <<<"$(replay roll.tsv 2)" &&
	test "$max_live" = 3 && test "$min_pool" = 2 &&
	test "$(pool_versions | tr "\n" " ")" = "2.7.2 2.7.2 " &&
	test -z "$(standin_pids 2.7.1)" &&
	while read -r pid; do ! proc_alive "$pid" || return 1; done <old.pids
'

test_expect_success 'each new instance is pooled before an old one leaves; the endpoint lag races preStop' '
	# from the deletion (terminating): the endpoint out after the lag drawn
	# from 50-250 ms, plus up to one turn of the driver'"'"'s poll (a socat per
	# pool change: tens of ms here, more under load: 250 ms allowed), SIGTERM
	# after the 0.5 s preStop; the lag below the preStop, so removal wins
	# the n-th deletion after the n-th new instance joined (which old one
	# goes is the ReplicaSet'"'"'s choice)
	for n in 1 2; do
		added=$(awk -F"\t" -v n=$n "\$2 == \"pool-add\" && \$3 ~ /^2.7.2#/ && ++k == n { print \$1 }" roll.tsv) &&
		id=$(awk -F"\t" -v n=$n "\$2 == \"terminating\" && \$3 ~ /^2.7.1#/ && ++k == n { print \$3 }" roll.tsv) &&
		deleted=$(ev_us roll.tsv terminating "^$id\$") &&
		removed=$(ev_us roll.tsv pool-remove "^$id\$") &&
		term=$(ev_us roll.tsv sigterm "^$id\$") &&
		exited=$(ev_us roll.tsv exit "^$id\$") &&
		echo "$id: out $(((removed - deleted) / 1000)) ms, SIGTERM $(((term - deleted) / 1000)) ms after its deletion" &&
		test "$added" -lt "$deleted" &&
		test_within $((removed - deleted)) 50000 500000 &&
		test $((term - deleted)) -ge 500000 &&
		test "$removed" -lt "$term" &&
		test "$exited" -ge "$term" || return 1
	done
'

test_expect_success 'a version that never gets ready stalls at the deadline, the old ones serving' '
	standin_pids 2.7.2 >old.pids &&
	steps stall "step_rollout 2.8.0 && step_wait_rollout" &&
	test "$STEPS_RC" = 1 &&
	grep -q "rollout stalled: progress deadline exceeded" stall.out &&
	start=$(ev_us stall.tsv rollout-start) &&
	deadline=$(ev_us stall.tsv deadline-exceeded) &&
	test $((deadline - start)) -ge 3000000 &&
	test $((deadline - start)) -lt 4000000 &&
	test "$(ev_count stall.tsv pool-add)" = 0 &&
	test "$(pool_versions | tr "\n" " ")" = "2.7.2 2.7.2 " &&
	test "$(standin_pids 2.8.0 | wc -l)" = 1 &&
	test "$(standin_pids 2.7.2)" = "$(cat old.pids)"
'

test_expect_success 'undo stops the stalled instance and leaves the old ones untouched' '
	steps undo "step_undo" &&
	test "$STEPS_RC" = 0 &&
	test -z "$(standin_pids 2.8.0)" &&
	test "$(standin_pids 2.7.2)" = "$(cat old.pids)" &&
	test "$(pool_versions | tr "\n" " ")" = "2.7.2 2.7.2 " &&
	test "$(ev_count undo.tsv pool-remove)" = 0
'

test_expect_success 'undo after a completed rollout rolls back to the previous version' '
	steps to271 "step_rollout 2.7.1 && step_wait_rollout" &&
	test "$STEPS_RC" = 0 &&
	test "$(pool_versions | tr "\n" " ")" = "2.7.1 2.7.1 " &&
	steps back "step_undo" &&
	test "$STEPS_RC" = 0 &&
	test "$(pool_versions | tr "\n" " ")" = "2.7.2 2.7.2 " &&
	read -r max_live min_pool <<<"$(replay back.tsv 2)" &&
	test "$max_live" = 3 && test "$min_pool" = 2
'

test_expect_success 'instances failing their probe leave the pool and, being old, are stopped first' '
	steps to280 "step_migrate 2.8.0 && step_rollout 2.8.0 && step_wait_rollout" &&
	test "$STEPS_RC" = 0 &&
	test "$(pool_versions | tr "\n" " ")" = "2.8.0 2.8.0 " &&
	lab_psql "\\i $PB_SRC/lab/sql/downgrade-8fe68fbf6baa.sql" &&
	steps fix "step_rollout 2.7.2 && step_wait_rollout" &&
	test "$STEPS_RC" = 0 &&
	test "$(ev_count fix.tsv unready "^2.8.0#")" = 2 &&
	grep -q "unready.*probe 500, 2 in a row" fix.out &&
	for id in $(awk -F"\t" "\$2 == \"unready\" { print \$3 }" fix.tsv); do
		test "$(ev_us fix.tsv pool-remove "^$id\$")" -ge "$(ev_us fix.tsv unready "^$id\$")" || return 1
	done &&
	test "$(pool_versions | tr "\n" " ")" = "2.7.2 2.7.2 "
'

test_expect_success 'a driver stopped mid-rollout leaves every process in the lab state' '
	steps half "step_rollout 2.7.1" &&
	test "$STEPS_RC" = 0 &&
	test_wait_for 10 grep -q "^2[.]7[.]1#" "$LAB_DIR/instances.tsv" &&
	driver=$(cat "$LAB_DIR/driver.pid") &&
	kill -TERM "$driver" &&
	test_wait_for 10 eval "! proc_alive $driver" &&
	test "$(cat "$LAB_DIR/driver.status")" = 143 &&
	lab_processes | awk "\$2 == \"pybossa-standin\" { print \$1 }" | sort >running &&
	awk -F"\t" "\$1 !~ /^#/ { print \$4 }" "$LAB_DIR/instances.tsv" | sort >known &&
	test_cmp known running
'

test_expect_success 'the next driver takes over what the stopped one left: the rollout completes' '
	steps resume "step_rollout 2.7.1 && step_wait_rollout" &&
	test "$STEPS_RC" = 0 &&
	test "$(pool_versions | tr "\n" " ")" = "2.7.1 2.7.1 " &&
	# the driver exits once every deleted instance is gone: two remain
	test "$(lab_processes | awk "\$2 == \"pybossa-standin\"" | wc -l)" = 2
'

test_expect_success 'teardown stops every process of the lab and removes its state' '
	lab_env &&
	port=$LAB_HAPROXY_PORT &&
	test -n "$(lab_processes)" &&
	lab_expect_rc 0 teardown &&
	test -z "$(lab_processes)" &&
	test ! -e "$LAB_DIR" &&
	test "$(http_status "http://127.0.0.1:$port/")" = 000
'

test_expect_success 'teardown of a lab that is gone succeeds' '
	lab_expect_rc 0 teardown
'

test_expect_success 'a setup that fails half-way stops what it started' '
	mkdir -p nohap &&
	printf "#!/bin/sh\necho broken haproxy >&2\nexit 1\n" >nohap/haproxy &&
	chmod +x nohap/haproxy &&
	PATH=$TEST_DIR/nohap:$PATH lab_expect_rc 1 setup &&
	grep -q "setup failed" setup.out &&
	test -z "$(lab_processes)" &&
	test ! -e "$LAB_DIR"
'

test_expect_success 'a lab busy with another script refuses a second one' '
	mkdir -p "$LAB_DIR" &&
	test_bg sleep 60 &&
	holder=$TEST_BG_PID &&
	echo "$holder" >"$LAB_DIR/lock" &&
	lab_expect_rc 1 setup &&
	grep -q "is busy: pid $holder" setup.out &&
	test -z "$(lab_processes)" &&
	kill "$holder" &&
	test_wait_for 5 eval "! proc_alive $holder" &&
	lab_expect_rc 0 teardown &&
	test ! -e "$LAB_DIR"
'

test_expect_success 'the driver rejects bad options (exit 2)' '
	mkdir -p bad &&
	driver=$PB_BUILD/lab/rollout-driver &&
	{ "$driver" --state bad --version 2.8.0 --replicas 8 2>err; test $? = 2; } &&
	grep -q "replicas must be" err &&
	{ "$driver" --state bad --version 2.8.0 --strategy Rolling 2>err; test $? = 2; } &&
	{ "$driver" --state bad --version 2.8.0 --period 0 2>err; test $? = 2; } &&
	{ "$driver" --state bad 2>err; test $? = 2; } &&
	grep -q "version is required" err
'

if command -v shellcheck >/dev/null 2>&1; then
	test_expect_success 'the lab scripts and their tests are shellcheck-clean' '
		(cd "$PB_SRC" && shellcheck -x upgrade/*.sh lab/*.sh lab/scenarios/*.sh demo.sh \
			t/lib-lab.sh t/t5[1-9]*.sh)
	'
else
	test_skip 'the lab scripts and their tests are shellcheck-clean' 'shellcheck is not installed'
fi

test_done
