#!/bin/bash
# Shell completions (completion/generate.awk makes them from --help at build
# time): in real bash, by calling the completion function as bash does, and
# in real zsh, by pressing Tab in a terminal (tmux) and reading the screen.
# Every option --help names completes; values listed in --help complete, and
# each one the program accepts; files, directories, the subcommand and the
# command after -- complete where they belong.
#
# PB_COMPLETION (default $PB_BUILD/completion) holds the four files; for an
# installed package, the directories bash-completion and zsh read are
# searched when it is unset and the build has none.
. "$(dirname "$0")/lib.sh"

comp=${PB_COMPLETION:-$PB_BUILD/completion}
bash_file() { echo "$comp/$1"; }
zsh_file() { echo "$comp/_$1"; }
if [ -z "${PB_COMPLETION:-}" ] && [ ! -e "$comp/pbprobe" ] &&
	[ -e /usr/share/bash-completion/completions/pbprobe ]; then
	bash_file() { echo "/usr/share/bash-completion/completions/$1"; }
	zsh_file() { echo "/usr/share/zsh/vendor-completions/_$1"; }
fi
sock=$TEST_DIR/tmux.sock
trap 'rc=$?; tmux -S "$sock" kill-server 2>/dev/null; (exit $rc); test_cleanup' EXIT

# The options PROG's --help names: every long option anywhere in it (the
# texts name only real ones), and the short ones of its option lines.
help_options() {
	"$1" --help >help.txt &&
	{
		grep -oE -- '--[a-z][a-z0-9.-]*[a-z0-9]' help.txt
		grep -E '^ +-[A-Za-z0-9], ' help.txt | grep -oE -- '(^| )-[A-Za-z0-9],' | tr -d ' ,'
	} | sort -u
}

# Runs PROG's bash completion on the command line WORD... (the last word is
# the one completed, as COMP_WORDS holds it: "--output=x" is three words,
# "--output" "=" "x"), in a bash of its own; prints COMPREPLY, one a line.
bash_complete() {
	local prog=$1
	shift
	bash --norc --noprofile -c '
		f=$1 prog=$2
		shift 2
		. "$f" || exit 1
		COMP_WORDS=("$prog" "$@")
		COMP_CWORD=$#
		fn=_${prog//-/_}
		"$fn" || true
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"
	' bash "$(bash_file "$prog")" "$prog" "$@"
}

for prog in pbprobe pbprobe-report; do
	test_expect_success "bash: $prog - completes every option of --help" '
		test -s "$(bash_file '"$prog"')" &&
		help_options '"$prog"' >expect &&
		test "$(wc -l <expect)" -gt 20 &&
		bash_complete '"$prog"' - | sort >got &&
		test_cmp expect got
	'
done

test_expect_success 'bash: values listed in --help complete, and each is accepted' '
	bash_complete pbprobe-report -f "" >got &&
	printf "%s\n" text json junit markdown html openmetrics >expect &&
	test_cmp expect got &&
	while read -r f; do
		pbprobe-report -f "$f" -o out "$PB_SRC/t/data/report-clean.log" ||
			{ echo "-f $f refused"; return 1; }
	done <got &&
	bash_complete pbprobe-report --color "" >got &&
	printf "%s\n" auto always never >expect &&
	test_cmp expect got &&
	bash_complete pbprobe --tls-min 1. >got &&
	printf "%s\n" 1.0 1.1 1.2 1.3 >expect &&
	test_cmp expect got &&
	while read -r v; do
		pbprobe -q --tls-min "$v" -d 10ms -o out https://127.0.0.1:1/ ||
			{ echo "--tls-min $v refused"; return 1; }
	done <got &&
	bash_complete pbprobe-report --color = a >got &&
	printf "%s\n" auto always >expect &&
	test_cmp expect got &&
	bash_complete pbprobe --connections "" >got &&
	printf "%s\n" keepalive new both >expect &&
	test_cmp expect got &&
	while read -r v; do
		pbprobe -q --connections "$v" -d 10ms -o out http://127.0.0.1:1/ ||
			{ echo "--connections $v refused"; return 1; }
	done <got
'

test_expect_success 'bash: every value-taking option offers only its own values, never options' '
	for prog in pbprobe pbprobe-report; do
		mkdir -p empty && (cd empty && help_options "$prog") >opts &&
		while read -r o; do
			(cd empty && bash_complete "$prog" "$o" "") >got || return 1
			if grep -q -- "^-" got; then echo "$prog $o offers options:"; cat got; return 1; fi
		done <opts || return 1
	done
'

test_expect_success 'bash: files where --help says FILE or LOG, directories for DIR' '
	mkdir -p files/sub && : >files/run.log && : >files/rules.gate &&
	(cd files && bash_complete pbprobe -o run) >got && echo run.log >expect && test_cmp expect got &&
	(cd files && bash_complete pbprobe --output = run) >got && test_cmp expect got &&
	(cd files && bash_complete pbprobe-report --gate rul) >got && echo rules.gate >expect &&
	test_cmp expect got &&
	(cd files && bash_complete pbprobe-report -f json r) >got && printf "%s\n" rules.gate run.log >expect &&
	sort got >got.sorted && test_cmp expect got.sorted &&
	(cd files && bash_complete pbprobe --capath "") >got && echo sub >expect && test_cmp expect got &&
	(cd files && bash_complete pbprobe --cacert home : run) >got && echo run.log >expect && test_cmp expect got &&
	(cd files && bash_complete pbprobe --cacert = home : run) >got && test_cmp expect got &&
	(cd files && bash_complete pbprobe --cacert home :) >got && printf "%s\n" rules.gate run.log sub >expect &&
	sort got >got.sorted && test_cmp expect got.sorted &&
	(cd files && bash_complete pbprobe http://127.0.0.1/ r) >got && test_must_be_empty got
'

test_expect_success 'bash: pbprobe offers its subcommand first, and a command after --' '
	bash_complete pbprobe ma >got && echo mark >expect && test_cmp expect got &&
	bash_complete pbprobe -o x.log -- mkfif >got && echo mkfifo >expect && test_cmp expect got &&
	bash_complete pbprobe -o x.log http://a/ ma >got && test_must_be_empty got
'

# The build ran configure's awk (gawk where it is installed); a Debian build
# root or image has only mawk, which lacks some of gawk's regular
# expressions. Both must make the same files.
gen=$PB_SRC/completion/generate.awk
if [ -r "$gen" ] && command -v mawk >/dev/null && command -v gawk >/dev/null; then
	test_expect_success 'mawk and gawk make the same completions from --help' '
		for prog in pbprobe pbprobe-report; do
			"$prog" --help >help.txt &&
			for sh in bash zsh; do
				mawk -v shell=$sh -v prog=$prog -f "$gen" <help.txt >mawk.out &&
				gawk -v shell=$sh -v prog=$prog -f "$gen" <help.txt >gawk.out &&
				test_cmp gawk.out mawk.out &&
				grep -q -- "--rate\|--format" mawk.out || return 1
			done
		done
	'
else
	test_skip 'mawk and gawk make the same completions from --help' 'needs the source tree, mawk and gawk'
fi

if ! command -v zsh >/dev/null || ! command -v tmux >/dev/null; then
	test_skip 'zsh: completion in a terminal' 'zsh or tmux not installed'
	test_done
fi

zsh_ready() {
	tmux -S "$sock" capture-pane -p -t z | grep -q "^%"
}

# A zsh in a tmux pane, its completion system loading our files first.
test_expect_success 'zsh: setup, a terminal with zsh and compinit' '
	mkdir -p fpath zhome &&
	cp "$(zsh_file pbprobe)" "$(zsh_file pbprobe-report)" fpath/ &&
	cat >zhome/.zshrc <<-EOF &&
	fpath=($TEST_DIR/fpath \$fpath)
	PATH=$PATH
	autoload -U compinit && compinit -u -d $TEST_DIR/zcompdump
	zstyle ":completion:*" list-prompt ""
	LISTMAX=100000
	PROMPT="%% "
	EOF
	tmux -S "$sock" new-session -d -x 200 -y 120 -s z \
		"env -i HOME=$TEST_DIR/zhome ZDOTDIR=$TEST_DIR/zhome TERM=xterm LC_ALL=C zsh -i" &&
	test_wait_for 10 zsh_ready
'

# Types WORDS then Tab on a fresh line; the screen, blank rows dropped, in
# "screen" once it holds a line matching RE (at most 10 s).
zsh_tab() {
	local words=$1 re=$2 i=0
	tmux -S "$sock" send-keys -t z C-u C-l &&
	sleep 0.2 &&
	tmux -S "$sock" send-keys -t z -l "$words" &&
	tmux -S "$sock" send-keys -t z Tab || return 1
	while [ "$i" -lt 100 ]; do
		tmux -S "$sock" capture-pane -p -t z | sed "s/ *$//" | grep -v "^$" >screen
		grep -qE -- "$re" screen && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "no line matching $re after Tab; the screen:"
	cat screen
	return 1
}

for prog in pbprobe pbprobe-report; do
	test_expect_success "zsh: $prog -<Tab> lists every option of --help" '
		help_options '"$prog"' >expect &&
		last=$(tail -n 1 expect) &&
		zsh_tab "'"$prog"' -" "(^| )$last( |$)" &&
		sed "1d; s/ -- .*//" screen | tr -s " " "\n" | grep . | sort >got &&
		test_cmp expect got
	'
done

test_expect_success 'zsh: values, the subcommand and the command after --' '
	zsh_tab "pbprobe-report -f " "openmetrics" &&
	grep -q "^html  *json  *junit  *markdown  *openmetrics  *text$" screen &&
	zsh_tab "pbprobe ma" "^% pbprobe mark ?$" &&
	zsh_tab "pbprobe -o x.log -- mkfif" "^% pbprobe -o x.log -- mkfifo ?$" &&
	zsh_tab "pbprobe --tls-min=" "^% pbprobe --tls-min=1\.$"
'

test_done
