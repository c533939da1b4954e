#!/bin/bash
# The command line: --help and the man page name the same options with the
# same defaults (they are kept side by side, this keeps them from drifting);
# every bad option or value is one line and exit status 2.
. "$(dirname "$0")/lib.sh"

REPORT=$PB_BUILD/pbprobe-report
MAN=$PB_SRC/docs/pbprobe-report.1
LOG=$PB_SRC/t/data/report-clean.log

# option|default pairs, sorted: from --help ...
help_defaults() {
	"$REPORT" --help | awk '
		/^  (-[a-zA-Z], )?--[a-z]/ || /^      --[a-z]/ {
			match($0, /--[a-z-]+/); name = substr($0, RSTART, RLENGTH); text = ""
		}
		name != "" { text = text " " $0 }
		name != "" && text ~ /\(default [^)]*\)/ {
			gsub(/  +/, " ", text)
			match(text, /\(default [^)]*\)/); print name "|" substr(text, RSTART, RLENGTH)
			name = ""
		}' | sort
}
# ... and from the man page: a .TP entry is its option line, then its
# paragraph, whose "(default ...)" may be wrapped
man_defaults() {
	awk '
		function flush() { if (name != "") { gsub(/  +/, " ", text); if (match(text, /\(default [^)]*\)/)) print name "|" substr(text, RSTART, RLENGTH) } name = "" }
		/^\.(TP|SH|PP)/ { flush(); tp = ($0 ~ /^\.TP/); next }
		tp { tp = 0; gsub(/\\-/, "-"); if (match($0, /--[a-z-]+/)) { name = substr($0, RSTART, RLENGTH); text = "" } ; next }
		name != "" { gsub(/\\-/, "-"); gsub(/\\f[IRB]/, ""); text = text " " $0 }
		END { flush() }' "$MAN" | sort
}

test_expect_success '--help and the man page give the same options and defaults' '
	help_defaults >help.txt && man_defaults >man.txt &&
	test "$(wc -l <help.txt)" -ge 18 &&
	test_cmp help.txt man.txt
'
test_expect_success '--help fits 80 columns and exits 0' '
	"$REPORT" --help >out &&
	head -n 1 out | grep "^usage: pbprobe-report \[OPTIONS\] LOG\.\.\." &&
	! awk "length(\$0) > 79" out | grep .
'
test_expect_success '--version: the release, the revision, jansson and gnuplot' '
	"$REPORT" --version >out &&
	cat out &&
	head -n 1 out | grep -E "^pbprobe-report [0-9]+\.[0-9]+\.[0-9]+ \(revision ([0-9a-f]{12}(-dirty)?|unknown)\)$" &&
	# the version built against is this machine'"'"'s only for a build here
	if [ -f "$PB_BUILD/config.h" ]; then built=$(pkg-config --modversion jansson); else built="[0-9][0-9a-z.~+-]*"; fi &&
	sed -n 2p out | grep -E "^jansson [0-9.]+ \(built with $built\)$" &&
	sed -n 3p out | grep -E "^gnuplot \(for --plot\): (/.*/gnuplot|not found in PATH .*)$" &&
	PATH=/nonexistent "$REPORT" --version | grep -q "^gnuplot (for --plot): not found in PATH"
'
test_expect_success 'the man page renders without warnings' '
	! command -v groff >/dev/null ||
	{ groff -man -Tutf8 -ww -z "$MAN" 2>warn && test ! -s warn; }
'

# usage ERROR-LINE ARG...: exit 2, that one line on stderr, nothing on stdout
usage() {
	local msg=$1 rc=0
	shift
	"$REPORT" "$@" >out 2>err || rc=$?
	test "$rc" -eq 2 || { echo "exit $rc: $*"; cat err; return 1; }
	echo "pbprobe-report: $msg" >expected && test_cmp expected err && test ! -s out
}
test_expect_success 'unknown options' '
	usage "unknown option \"--frobnicate\" (see --help)" --frobnicate "$LOG" &&
	usage "unknown option -x (see --help)" -x "$LOG"
'
test_expect_success 'options missing a value, or given one they do not take' '
	usage "--format needs a value (see --help)" "$LOG" --format &&
	usage "-o needs a value (see --help)" "$LOG" -o &&
	usage "--by-log takes no value (see --help)" --by-log=yes "$LOG"
'
test_expect_success 'no log at all' '
	usage "no log given (usage: pbprobe-report [OPTIONS] LOG...)"
'
test_expect_success 'bad values name the option and what is allowed' '
	usage "--format: unknown format \"xml\" (text, json, junit, markdown, html or openmetrics)" -f xml "$LOG" &&
	usage "--ok-status: bad status \"2x0\" (a status 100..999, a range 200-299, or 2xx)" --ok-status 200,2x0 "$LOG" &&
	usage "--ok-status: bad range \"299-200\" (two statuses 100..999, low-high)" --ok-status 299-200 "$LOG" &&
	usage "--max-downtime: bad duration \"5parsecs\": unknown unit at \"parsecs\" (use us, ms, s, m, h)" --max-downtime 5parsecs "$LOG" &&
	usage "--max-errors: bad share \"101%\" (a percentage 0..100, e.g. 0.5%)" --max-errors 101% "$LOG" &&
	usage "--max-errors \"home:\": no value after the target name" --max-errors home: "$LOG" &&
	usage "--max-p99 \":3s\": empty target name before '"':'"'" --max-p99 :3s "$LOG" &&
	usage "--min-requests: bad count \"1.5\": not a whole number" --min-requests 1.5 "$LOG" &&
	usage "--color: \"sometimes\": use auto, always or never" --color sometimes "$LOG" &&
	usage "--plot out.jpg: the name must end in .png or .svg" --plot out.jpg "$LOG" &&
	usage "standard input (\"-\") given twice" - -
'
test_expect_success 'a rule naming a target the logs do not have' '
	usage "--max-window \"api x:1s\": no target \"api x\" in the logs (targets: home, api)" --max-window "api x:1s" "$LOG"
'
test_expect_success 'an output file that cannot be written is reported' '
	test_must_fail "$REPORT" -o /nonexistent/dir/r.txt "$LOG" 2>err &&
	grep -F "pbprobe-report: /nonexistent/dir/r.txt: cannot open for writing: No such file or directory" err
'
test_expect_success 'colour only when asked for or on a terminal' '
	"$REPORT" "$LOG" >plain && ! grep -q "$(printf "\033")" plain &&
	"$REPORT" --color always "$LOG" >colour && grep -q "$(printf "\033")\[32m" colour &&
	NO_COLOR=1 "$REPORT" --color auto "$LOG" >plain2 && test_cmp plain plain2
'
test_done
