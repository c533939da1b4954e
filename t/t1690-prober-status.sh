#!/bin/bash
# The live status line on a real terminal (tmux, 80 columns): it fits the
# width and follows a resize, leaves no trails, keeps out of the wrapped
# command's lines, says the command's state, the last mark and the log's
# path, and the summary's rate is the run's.
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null; then
	skip_all "tmux not installed"
fi

port=$(svc_free_port)
url=http://127.0.0.1:$port/
sock=$TEST_DIR/tmux.sock
# lib.sh's trap, with the tmux server stopped first, however the script ends
trap 'rc=$?; tmux -S "$sock" kill-server 2>/dev/null; (exit $rc); test_cleanup' EXIT

# Polls the pane until a line matches the regex (the screen, trailing blanks
# dropped, wrapped lines joined, is left in "screen"); fails after SECS.
wait_screen() {
	local re=$1 secs=${2:-15} i=0
	while [ "$i" -lt $((secs * 10)) ]; do
		tmux -S "$sock" capture-pane -p -J -S - -t pb | sed 's/ *$//' >screen
		grep -qE -- "$re" screen && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "no line matching /$re/ within ${secs}s; the screen:"
	cat screen
	return 1
}

# The status line: the time, then the first target.
status_re='^[0-9.]+(us|ms|s) home: '

# Exactly one status line, no line of the screen over COLS-1 columns, and
# no fragment of a status line anywhere else.
one_status_line() {
	local cols=$1
	grep -E -- "$status_re" screen >status.line &&
	test "$(wc -l <status.line)" = 1 &&
	awk -v max=$((cols - 1)) 'length($0) > max { print "too long: " $0; bad = 1 } END { exit bad }' screen &&
	test "$(grep -cE -- "/s|cmd: |mark: |log: " screen)" = 1
}

# Lets the command go on to its next step.
step() {
	touch "go$1"
}

test_expect_success 'setup: a private nginx, a command that prints lines, marks and waits' '
	svc_nginx_start "$TEST_DIR/ng" "$port" &&
	cat >upgrade.sh <<-\EOF &&
	# waits for the test (bounded: never hangs the run)
	await() { i=0; while [ ! -e "$1" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done; }
	echo "upgrade: line one"
	pbprobe mark "migrate"
	await go1
	echo "upgrade: line two"
	pbprobe mark "a long mark that takes up most of what is left of the status line"
	await go2
	pbprobe mark "v6"
	printf "upgrade: working..."
	sleep 0.3
	echo " upgrade to v6 done"
	await go3
	printf "evil \033[2J\033]0;title\007 mark\n" >"$PBPROBE_MARK"
	await go4
	echo "upgrade: last line"
	EOF
	cat >run.sh <<-EOF &&
	cd "$TEST_DIR" || exit 1
	pbprobe --rate 100 --lead 1s --tail 500ms -o st.log \
		home=$url api=${url}index.html -- sh ./upgrade.sh
	echo "pbprobe-exit \$?"
	sleep 120
	EOF
	tmux -S "$sock" new-session -d -s pb -x 80 -y 24 "bash $TEST_DIR/run.sh"
'

test_expect_success 'before the command: its start time, on one line within 80 columns' '
	wait_screen "cmd: starts in " &&
	one_status_line 80
'

test_expect_success 'the command running: its state, the last mark and the log path fit 80 columns' '
	wait_screen "cmd: running [0-9]+s \| mark: migrate \| log: st\.log$" &&
	one_status_line 80 &&
	grep -x "upgrade: line one" screen &&
	# the status line comes last, below the command'"'"'s output
	test "$(grep -v "^$" screen | tail -n 1)" = "$(cat status.line)"
'

test_expect_success 'the command'"'"'s output is on lines of its own, never glued to the status' '
	step 1 &&
	wait_screen "^upgrade: line two$" &&
	one_status_line 80 &&
	grep -x "upgrade: line one" screen
'

test_expect_success 'a long mark is cut to fit; a shorter redraw leaves no trail' '
	wait_screen "mark: a long mark.*\.\.\." &&
	one_status_line 80 &&
	step 2 &&
	wait_screen "\| mark: v6 \| log: st\.log$" &&
	one_status_line 80 &&
	# the status line ends where its text does: no rest of the longer one
	grep -E "$status_re.* \| mark: v6 \| log: st\.log$" screen
'

test_expect_success 'a line the command writes in two parts stays whole' '
	wait_screen "^upgrade: working\.\.\. upgrade to v6 done$" &&
	one_status_line 80
'

test_expect_success 'a mark with control characters is shown escaped, not obeyed' '
	step 3 &&
	wait_screen "mark: evil " &&
	one_status_line 80 &&
	grep -F "mark: evil \\x1b[2J\\x1b]0" screen &&
	# the screen was not cleared by it: the command'"'"'s lines are still there
	grep -x "upgrade: line one" screen
'

test_expect_success 'resized to 60 columns (SIGWINCH): the status line fits at once, no stale rows' '
	tmux -S "$sock" resize-window -t pb -x 60 &&
	wait_screen "$status_re" &&
	i=0 &&
	until one_status_line 60 || [ $i -ge 30 ]; do
		sleep 0.1 && i=$((i + 1)) &&
		tmux -S "$sock" capture-pane -p -J -S - -t pb | sed "s/ *\$//" >screen
	done &&
	one_status_line 60 &&
	grep -x "upgrade: line one" screen
'

test_expect_success 'the end: the command exited 0, and the summary rate is --rate within 5%' '
	tmux -S "$sock" resize-window -t pb -x 80 &&
	step 4 &&
	wait_screen "^pbprobe-exit " 20 &&
	grep -x "pbprobe-exit 0" screen &&
	grep -x "upgrade: last line" screen &&
	grep "^pbprobe: " screen >summary &&
	test "$(wc -l <summary)" = 1 &&
	grep -F "| cmd: exited 0 |" summary &&
	grep -F "| log: st.log" summary &&
	grep -F "| mark: evil \\x1b[2J\\x1b]0;title\\x07 mark |" summary &&
	# no live line left behind the summary
	test "$(grep -cE -- "$status_re" screen)" = 0 &&
	for tgt in home api; do
		rate=$(sed -E "s/.* $tgt: ([0-9]+)\/s .*/\1/" summary) &&
		echo "$tgt: $rate/s" &&
		test_within "$rate" 95 105 || return 1
	done
'

test_expect_success 'the summary counts what the log holds' '
	n=$(logcat -f req:target,outcome st.log | grep -c "^home	[0-9]") &&
	grep -F " home: " summary | grep -E " home: [0-9]+/s ok $n fail 0 "
'

test_done
