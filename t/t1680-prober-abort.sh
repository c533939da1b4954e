#!/bin/bash
# The live gate: --abort-on stops a run while it goes on. The test breaks the
# service itself at a known time (nginx answers 503 while a file exists); the
# --on-abort command is the rollback (it removes the file), and nginx's own log
# shows when the service healed.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
LOGCAT=$PB_BUILD/t/helpers/logcat
RATE=200
TICK_US=$((1000000 / RATE))
BROKEN=$TEST_DIR/broken
port=$(svc_free_port)
URL=app=http://127.0.0.1:$port/app

now_us() { date +%s%6N; }

test_expect_success 'setup: nginx whose /app answers 503 while a file exists' '
	svc_nginx_start "$TEST_DIR/ng" "$port" \
		"location = /app { if (-f $BROKEN) { return 503; } return 200 ok; }" &&
	test "$(http_status "http://127.0.0.1:$port/app")" = 200
'

test_expect_success 'a rule the prober cannot judge live is a usage error' '
	test_expect_code 2 "$PB" -q -d 1s --abort-on max-p99=1s "$URL" 2>err &&
	grep -q "not a live rule (max-errors, max-window, max-downtime, max-blind)" err &&
	test_expect_code 2 "$PB" -q -d 1s --abort-on max-window "$URL" 2>err &&
	grep -q "no limit" err &&
	test_expect_code 2 "$PB" -q -d 1s --abort-on max-errors=1% "$URL" 2>err &&
	grep -q "a count, not a share" err &&
	test_expect_code 2 "$PB" -q -d 1s --abort-on other:max-errors=1 "$URL" 2>err &&
	grep -q "no target named \"other\"" err &&
	test_expect_code 2 "$PB" -q -d 1s --on-abort true "$URL" 2>err &&
	grep -q "no --abort-on rule" err &&
	test_expect_code 2 "$PB" -q -d 1s --abort-on max-errors=1 --db "host=/nonexistent" 2>err &&
	grep -q "no URL to judge" err &&
	printf "[app]\nurl = http://127.0.0.1:%s/app\nabort-on = max-window=soon\n" "$port" >bad.targets &&
	test_expect_code 2 "$PB" -q -d 1s --targets bad.targets 2>err &&
	grep -q "^pbprobe: bad.targets:3: " err
'

# The run the rest of the tests read: healthy, broken by the test at
# fault_us, aborted by the guard, healed by the rollback.
test_expect_success 'the guard aborts: rollback run, command stopped, exit 5' '
	rm -f "$BROKEN" &&
	{ "$PB" -q --rate $RATE --lead 500ms --tail 1s --abort-on max-window=300ms \
		--on-abort "rm -f $BROKEN; echo rolled back" -o run.log "$URL" -- sleep 60 2>err &
	  pb=$!; } &&
	sleep 1.5 &&
	fault_us=$(now_us) && touch "$BROKEN" &&
	echo "$fault_us" >fault &&
	{ wait $pb && code=0 || code=$?; } &&
	echo "exit $code" &&
	test "$code" -eq 5 &&
	grep -q "aborting: app: max-window 0.3[0-9]*s, above 0.3s" err &&
	grep -q "rolled back" err &&
	! grep -q "^rolled back" run.log
'

test_expect_success 'one abort line names the target, the rule, its value and its limit' '
	"$LOGCAT" -f abort:time,target,rule,value,limit run.log >aborts &&
	test "$(wc -l <aborts)" -eq 1 &&
	read -r abort_us target rule value limit <aborts &&
	test "$target $rule $limit" = "app max-window 300000" &&
	test "$value" -gt 300000
'

test_expect_success 'it aborted one tick after the window reached its limit, not before' '
	read -r abort_us target rule value limit <aborts &&
	read -r fault_us <fault &&
	"$LOGCAT" -f req:time,outcome run.log | sort -n >reqs &&
	first_fail=$(awk "\$2 != 200 { print \$1; exit }" reqs) &&
	echo "fault $fault_us first failure $first_fail abort $abort_us" &&
	test "$first_fail" -ge $((fault_us - TICK_US - 5000)) &&
	test "$abort_us" -ge $((first_fail + 300000)) &&
	test "$abort_us" -le $((first_fail + 300000 + TICK_US + 100000))
'

test_expect_success 'the command was stopped at the abort, and the rollback ran after it' '
	read -r abort_us target rule value limit <aborts &&
	"$LOGCAT" -f cmd-exit:time,status,how run.log >exit &&
	read -r exit_us status how <exit &&
	test "$how $status" = "killed:SIGTERM 143" &&
	test "$exit_us" -ge "$abort_us" &&
	test "$exit_us" -le $((abort_us + 1000000)) &&
	"$LOGCAT" -f mark:time,name run.log >marks &&
	grep -q "	on-abort command started$" marks &&
	grep -q "	on-abort command exited 0$" marks
'

test_expect_success 'nginx healed after the rollback started, and probing went on through --tail' '
	started_us=$(awk -F"\t" "\$2 == \"on-abort command started\" { print \$1 }" marks) &&
	ended_us=$(awk -F"\t" "\$2 == \"on-abort command exited 0\" { print \$1 }" marks) &&
	# Each clock against itself: the prober'"'"'s requests against its marks,
	# nginx'"'"'s log against nginx'"'"'s log. A wall clock adjusted during the
	# run (a VM'"'"'s time sync) moved one against the other by 8 ms once.
	"$LOGCAT" -f req:time,outcome,latency_us run.log | sort -n >reqs.lat &&
	last_503_end=$(awk "\$2 == 503 { e = \$1 + \$3 } END { print e }" reqs.lat) &&
	test "$last_503_end" -le $((ended_us + 2000)) &&
	awk -F"\t" "\$6 == \"/app\" { printf \"%d %s\n\", \$1 * 1000000, \$3 }" \
		"$TEST_DIR/ng/access.log" >nginx &&
	last_503=$(awk "\$2 == 503 { t = \$1 } END { print t }" nginx) &&
	healed=$(awk -v t="$last_503" "\$1 > t && \$2 == 200 { n++ } END { print n + 0 }" nginx) &&
	echo "rollback $started_us..$ended_us, last 503 answered by $last_503_end, 200s after nginx'"'"'s last 503: $healed" &&
	test "$healed" -ge $((RATE * 9 / 10)) &&
	awk -v t="$ended_us" "\$1 > t && \$2 != 200 { exit 1 }" reqs
'

test_expect_success 'every 503 the prober logged is one nginx served' '
	"$LOGCAT" -f req:outcome,request_id run.log | awk -F"\t" "\$1 == 503 { print \$2 }" | sort >pb.503 &&
	awk -F"\t" "\$6 == \"/app\" && \$3 == 503 { print \$4 }" "$TEST_DIR/ng/access.log" | sort >ng.503 &&
	test -s pb.503 &&
	test_cmp ng.503 pb.503
'

test_expect_success 'the report shows the abort and the hurt on either side of it' '
	test_expect_code 1 "$REPORT" run.log >report.txt &&
	grep -q "the live gate aborted at +[0-9.]*s: app: max-window" report.txt &&
	grep -q "users were hurt [0-9.]*m*s (from the first failure of any target) before the abort" report.txt &&
	test_expect_code 1 "$REPORT" -f json run.log >report.json &&
	jq -e ".logs[0].abort.rule == \"max-window\" and .logs[0].abort.limit_s == 0.3 and
		.logs[0].abort.hurt_before_s >= 0.3 and
		(.logs[0].abort.hurt_after_s == null or .logs[0].abort.hurt_after_s >= 0)" report.json &&
	jq -e "[.timeline[] | select(.kind == \"abort\")] | length == 1" report.json
'

test_expect_success 'a failing rollback: exit 6, a warning, the command stopped all the same' '
	rm -f "$BROKEN" &&
	{ "$PB" -q --rate $RATE --lead 300ms --tail 300ms --abort-on max-errors=5 \
		--on-abort "exit 3" -o fail.log "$URL" -- sleep 60 2>err &
	  pb=$!; } &&
	sleep 1 && touch "$BROKEN" &&
	{ wait $pb && code=0 || code=$?; } &&
	rm -f "$BROKEN" &&
	test "$code" -eq 6 &&
	grep -q "the --on-abort command exited with status 3" err &&
	"$LOGCAT" -f warn:message fail.log | grep -q "on-abort command exited with status 3" &&
	"$LOGCAT" -f cmd-exit:how fail.log | grep -qx killed:SIGTERM &&
	"$LOGCAT" -f end:reason fail.log | grep -qx command
'

test_expect_success 'a rollback that hangs is stopped at --on-abort-timeout: exit 6, a warning' '
	touch "$BROKEN" &&
	start_us=$(now_us) &&
	test_expect_code 6 "$PB" -q --rate $RATE -d 30s --tail 200ms --abort-on max-errors=0 \
		--on-abort "sleep 60" --on-abort-timeout 500ms -o hang.log "$URL" 2>err &&
	end_us=$(now_us) &&
	rm -f "$BROKEN" &&
	test $((end_us - start_us)) -lt 10000000 &&
	grep -q "did not end within 0.5s (--on-abort-timeout)" err &&
	"$LOGCAT" -f mark:name hang.log | grep -qx "on-abort command killed:SIGTERM 143" &&
	test_expect_code 2 "$PB" -q -d 1s --on-abort-timeout 1s "$URL" 2>err &&
	grep -q "no --on-abort command" err
'

test_expect_success 'an abort during --tail probes on through the rollback and a new --tail' '
	rm -f "$BROKEN" &&
	test_expect_code 5 "$PB" -q --rate 50 --lead 200ms --tail 900ms --abort-on max-errors=0 \
		--on-abort "sleep 1; rm -f $BROKEN" -o tail.log "$URL" -- sh -c "sleep 0.2; touch $BROKEN" &&
	"$LOGCAT" -f cmd-exit:time tail.log >exit &&
	"$LOGCAT" -f abort:time tail.log >abort &&
	test "$(cat abort)" -gt "$(cat exit)" &&
	healed=$("$LOGCAT" -f mark:name,time tail.log | awk -F"\t" "\$1 == \"on-abort command exited 0\" { print \$2 }") &&
	"$LOGCAT" -f req:time,outcome tail.log | awk -v h="$healed" "\$1 > h { n++; if (\$2 != 200) bad++ }
		END { print n + 0, \"requests after the rollback\"; exit !(n >= 30 && !bad) }"
'

test_expect_success 'without a command the abort ends the run after --tail, long before --duration' '
	touch "$BROKEN" &&
	start_us=$(now_us) &&
	test_expect_code 5 "$PB" -q --rate $RATE -d 30s --tail 500ms --abort-on max-errors=10 \
		-o nocmd.log "$URL" &&
	end_us=$(now_us) &&
	rm -f "$BROKEN" &&
	test $((end_us - start_us)) -lt 10000000 &&
	"$LOGCAT" -f abort:value nocmd.log | grep -qx 11
'

test_expect_success 'an abort during --lead never starts the command' '
	touch "$BROKEN" &&
	test_expect_code 5 "$PB" -q --rate $RATE --lead 2s --tail 200ms --abort-on max-errors=0 \
		-o lead.log "$URL" -- touch started &&
	rm -f "$BROKEN" &&
	test ! -e started &&
	test "$("$LOGCAT" -f cmd-start:pid lead.log | wc -l)" -eq 0
'

test_done
