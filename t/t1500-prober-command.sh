#!/bin/bash
# pbprobe wrapping an upgrade command: its status passes through, its
# markers land in order on the timeline, probing covers lead and tail.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
LOGCAT=$PB_BUILD/t/helpers/logcat
port=$(svc_free_port)
test_expect_success 'setup: a private nginx' '
	svc_nginx_start "$TEST_DIR/ng" "$port"
'
url=http://127.0.0.1:$port/
export PATH="$PB_BUILD:$PATH"

test_expect_success 'the command exit status is pbprobe exit status' '
	test_expect_code 7 "$PB" -q --lead 100ms --tail 100ms -o st.log $url -- sh -c "exit 7" &&
	"$LOGCAT" -f cmd-exit:time,status,how st.log | grep -qx "[0-9]*	7	exited"
'

test_expect_success 'a command killed by a signal gives 128+N' '
	test_expect_code 143 "$PB" -q --lead 100ms --tail 100ms -o sig.log $url -- sh -c "kill -TERM \$\$" &&
	"$LOGCAT" -f cmd-exit:time,status,how sig.log | grep -qx "[0-9]*	143	killed:SIGTERM"
'

test_expect_success 'the verdict says what the command did, in every format' '
	REPORT=$PB_BUILD/pbprobe-report &&
	"$REPORT" st.log >out &&
	head -n 1 out | grep "^PASS" &&
	sed -n 2p out | grep -E "^ +command .sh -c .exit 7.. exited with status 7 after [0-9.]+(us|ms|s)$" &&
	"$REPORT" -f markdown st.log | grep -E "^- command .*sh -c .exit 7.* exited with status 7" &&
	"$REPORT" -f junit st.log | grep -F "<property name=\"command\" value=\"\`sh -c &apos;exit 7&apos;\` exited with status 7" &&
	"$REPORT" -f json st.log >j &&
	jq -e ".logs[0].command.status == 7 and .logs[0].command.how == \"exited\" and .logs[0].command.duration_s > 0" j &&
	"$REPORT" sig.log | sed -n 2p | grep -E "command .* was killed by SIGTERM \(status 143\)"
'

test_expect_success '--require-command-success: a failed command fails the gate' '
	REPORT=$PB_BUILD/pbprobe-report &&
	test_expect_code 1 "$REPORT" --require-command-success st.log >out &&
	grep -F "st.log: the command \`sh -c '"'"'exit 7'"'"'\` exited with status 7 after" out &&
	test_expect_code 1 "$REPORT" -f junit --require-command-success st.log >r.xml &&
	grep -F "<failure type=\"require-command-success\"" r.xml
'

test_expect_success 'a command that cannot start is 127 and a clear line; the run is inconclusive' '
	test_expect_code 127 "$PB" -q --lead 100ms -o nx.log $url -- /nonexistent/upgrade 2>err &&
	test_expect_code 4 "$PB_BUILD/pbprobe-report" nx.log >out &&
	head -n 1 out | grep "^INCONCLUSIVE  nx.log: the prober stopped on an error" &&
	grep -q "/nonexistent/upgrade: cannot run: No such file or directory" err
'

test_expect_success 'markers appear in order, inside the command, with their times' '
	"$PB" -q --rate 100 --lead 300ms --tail 300ms -o marks.log $url -- sh -c "
		pbprobe mark \"migration start\" && sleep 0.2 &&
		echo \"migration end\" >\"\$PBPROBE_MARK\" && sleep 0.2 &&
		pbprobe mark rollout && sleep 0.1" &&
	# the kinds in the order logged (a kind is each line'"'"'s first field),
	# then what each kind says, in its own order
	"$LOGCAT" marks.log | cut -f1 | grep -E "^(cmd-|mark)" >order &&
	printf "%s\n" cmd-start mark mark mark cmd-exit >expect && test_cmp expect order &&
	"$LOGCAT" -f mark:name marks.log >got &&
	printf "%s\n" "migration start" "migration end" "rollout" >expect && test_cmp expect got &&
	"$LOGCAT" -f cmd-exit:status marks.log >got &&
	echo 0 >expect && test_cmp expect got &&
	"$LOGCAT" -f mark:time marks.log | awk "{ if (\$1 <= prev) exit 1; prev = \$1 }"
'

test_expect_success 'probing starts --lead before the command and lasts --tail after' '
	"$LOGCAT" -f req:time marks.log >req.times &&
	first=$(head -n 1 req.times) &&
	last=$(tail -n 1 req.times) &&
	start=$("$LOGCAT" -f cmd-start:time marks.log) &&
	exit=$("$LOGCAT" -f cmd-exit:time marks.log) &&
	test $((start - first)) -ge 290000 && test $((start - first)) -le 350000 &&
	test $((last - exit)) -ge 280000 && test $((last - exit)) -le 310000
'

test_expect_success 'a log that cannot be written at all: the upgrade is not started' '
	test_expect_code 3 "$PB" -q --lead 100ms -o /dev/full $url -- touch never.started 2>err &&
	! test -f never.started &&
	grep -q "/dev/full: write failed: No space left on device" err
'

test_expect_success 'a log that fills up mid-run stops probing but never the upgrade' '
	test_expect_code 3 bash -c "ulimit -f 64; exec \"\$0\" \"\$@\"" "$PB" -q --rate 1k \
		--lead 100ms --tail 100ms -o full.log $url -- \
		sh -c "sleep 1.5; touch upgrade.done; exit 5" 2>err &&
	test -f upgrade.done &&
	grep -q "full.log: write failed: File too large" err &&
	grep -q "the command exited with status 5" err &&
	"$LOGCAT" full.log >events 2>logcat.err &&
	test "$(grep -c "^req" events)" -ge 400
'

test_expect_success 'cmd-start names the command from its own argv, whatever the options hold' '
	"$PB" -q --lead 100ms --tail 100ms -H "X-Note: a -- b" -o argv.log $url \
		-- sh -c "exit 0" -- "x y" &&
	"$LOGCAT" -f cmd-start:command argv.log >cmd &&
	echo "sh -c '"'"'exit 0'"'"' -- '"'"'x y'"'"'" >expect &&
	test_cmp expect cmd
'

test_done
