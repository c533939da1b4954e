#!/bin/bash
# Exit statuses are a contract: one table per program, the same rows in
# --help, the man page, the README (and, for the report, docs/kubernetes.md),
# and every row produced here by the situation it names.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
D=$PB_SRC/t/data

# help_rows PROGRAM: "CODE<TAB>MEANING" from the "Exit status:" block of
# its --help (a row's continuation lines are indented under its meaning)
help_rows() {
	"$1" --help | awk '
		/^Exit status:/ { on = 1; next }
		on && /^  [0-9]/ {
			if (row != "") print row
			code = $1; sub(/^  [^ ]+ +/, ""); row = code "\t" $0; next
		}
		on && /^         [^ ]/ { sub(/^ +/, ""); row = row " " $0; next }
		on { on = 0 }
		END { if (row != "") print row }'
}

# man_rows PAGE: the same from the EXIT STATUS section: ".TP", ".B CODE",
# then the meaning up to the next paragraph macro, roff markup removed
man_rows() {
	awk '
		function flush() { if (code != "") print code "\t" text; code = ""; text = "" }
		function add(s) { text = text == "" ? s : text " " s }
		/^\.SH / { flush(); on = ($0 ~ /^\.SH EXIT STATUS/); next }
		!on { next }
		/^\.TP/ { flush(); want = 1; next }
		/^\.PP/ { flush(); on = 0; next }
		want && /^\.B / { code = substr($0, 4); want = 0; next }
		code == "" { next }
		/^\.(IR|BR|RB|RI) / { s = ""; for (i = 2; i <= NF; i++) s = s $i; add(s); next }
		/^\.[IB] / { add(substr($0, 4)); next }
		{ add($0) }
		END { flush() }' "$1" | sed 's/\\-/-/g; s/\\f[BIRP]//g'
}

# md_rows FILE HEADER: the rows of the table under the line HEADER
md_rows() {
	awk -v h="$2" '
		$0 == h { on = 1; getline; next }
		on && /^\|/ { split($0, f, " \\| "); sub(/^\| /, "", f[1]); sub(/ \|$/, "", f[2]); print f[1] "\t" f[2]; next }
		on { exit }' "$1"
}

test_expect_success 'pbprobe: the same exit table in --help, pbprobe(1) and the README' '
	help_rows "$PB" >help.rows &&
	test "$(cut -f1 help.rows | tr "\n" " ")" = "0 2 3 4 5 6 127 128+N " &&
	man_rows "$PB_SRC/docs/pbprobe.1" >man.rows &&
	md_rows "$PB_SRC/README.md" "| status | meaning |" >readme.rows &&
	test_cmp help.rows man.rows &&
	test_cmp help.rows readme.rows
'

test_expect_success 'pbprobe-report: the same exit table in --help, its man page, the README, docs/kubernetes.md' '
	help_rows "$REPORT" >rhelp.rows &&
	test "$(cut -f1 rhelp.rows | tr "\n" " ")" = "0 1 2 3 4 " &&
	man_rows "$PB_SRC/docs/pbprobe-report.1" >rman.rows &&
	md_rows "$PB_SRC/README.md" "| status | verdict |" >rreadme.rows &&
	md_rows "$PB_SRC/docs/kubernetes.md" "| status | verdict |" >rk8s.rows &&
	test_cmp rhelp.rows rman.rows &&
	test_cmp rhelp.rows rreadme.rows &&
	test_cmp rhelp.rows rk8s.rows
'

closed=$(free_port) # nothing listens here: every request fails, the run does not
URL=http://127.0.0.1:$closed/

test_expect_success 'pbprobe 0: the duration reached, whatever the requests did' '
	"$PB" -q --rate 20 -d 300ms -o zero.log "$URL" &&
	grep -q "^req	.*	connect	" zero.log
'

test_expect_success 'pbprobe 0: stopped by one signal' '
	"$PB" -q --rate 20 -o sig.log "$URL" &
	pb=$! && test_wait_for 5 test -s sig.log && kill -TERM $pb &&
	wait $pb
'

test_expect_success 'pbprobe 2: a bad option value, one line naming it' '
	test_expect_code 2 "$PB" --rate fast "$URL" 2>err &&
	test "$(wc -l <err)" = 1 && grep -q "^pbprobe: .*--rate" err
'

test_expect_success 'pbprobe 3: the log cannot be opened' '
	test_expect_code 3 "$PB" -q -d 300ms -o "$TEST_DIR/no/such/dir.log" "$URL" 2>err &&
	grep -F "$TEST_DIR/no/such/dir.log" err
'

test_expect_success 'pbprobe 4: libevent has no backend to run on' '
	# libevent honours these: no epoll, poll or select, so no event base
	test_expect_code 4 env EVENT_NOEPOLL=1 EVENT_NOPOLL=1 EVENT_NOSELECT=1 \
		"$PB" -q -d 300ms -o four.log "$URL" 2>err &&
	grep -q "^pbprobe: " err
'

test_expect_success 'pbprobe 127: the command cannot be started' '
	test_expect_code 127 "$PB" -q --lead 0 --tail 0 -o nocmd.log "$URL" -- /no/such/command 2>err &&
	grep -F "/no/such/command" err
'

test_expect_success 'pbprobe 128+N: a second signal, after the command was stopped' '
	# the command outlives the first signal (its trap restores the default),
	# so the second one is pbprobe'"'"'s: SIGINT, 130, not the command'"'"'s 143.
	# Each signal waits for proof that the previous one was handled.
	"$PB" -q --lead 0 -o twice.log "$URL" -- \
		sh -c "trap \"trap - TERM; touch got-term\" TERM; touch ready; while :; do sleep 0.1 & wait \$!; done" &
	pb=$! && test_wait_for 5 test -e ready &&
	kill -TERM $pb && test_wait_for 5 test -e got-term && kill -INT $pb &&
	rc=0 && wait $pb || rc=$? &&
	test "$rc" = 130 &&
	grep "^cmd-exit	" twice.log | grep -q "	143	killed:SIGTERM$"
'

test_expect_success 'pbprobe-report 0: PASS' '
	"$REPORT" "$D/report-clean.log" >out &&
	grep -q PASS out
'

test_expect_success 'pbprobe-report 1: FAIL on a failed request' '
	test_expect_code 1 "$REPORT" "$D/report-outage.log" >out &&
	grep -q FAIL out
'

test_expect_success 'pbprobe-report 2: a bad option, and one log given twice' '
	test_expect_code 2 "$REPORT" --max-errors lots "$D/report-clean.log" 2>err &&
	grep -q "^pbprobe-report: .*max-errors" err &&
	test_expect_code 2 "$REPORT" "$D/report-clean.log" "$D/../data/report-clean.log" 2>err &&
	grep -q "^pbprobe-report: " err
'

test_expect_success 'pbprobe-report 3: a file that is not a log, named with its line' '
	test_expect_code 3 "$REPORT" "$D/bad-not-a-log.log" 2>err &&
	grep -q "^pbprobe-report: .*bad-not-a-log.log:1" err
'

test_expect_success 'pbprobe-report 4: INCONCLUSIVE for a log cut short, never PASS' '
	grep -v "^end	" "$D/report-clean.log" >cut.log &&
	test_expect_code 4 "$REPORT" cut.log >out &&
	grep -q INCONCLUSIVE out
'

test_done
