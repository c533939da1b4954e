#!/bin/bash
# pbprobe's command line: help, man page in step with it, usage errors that
# name the problem, output errors with their documented exit codes.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe

test_expect_success '--help and --version exit 0' '
	"$PB" --help >help.out &&
	grep -q "^Usage: pbprobe" help.out &&
	"$PB" --version | grep -q "^pbprobe [0-9]"
'

# What the build and the machine say: git, pkg-config, and curl, which loads
# the same libcurl. The revision and the versions built against are this
# tree's and this machine's only for a build here (PB_BUILD has config.h); an
# installed package (autopkgtest) was built elsewhere: only their form then.
if [ -f "$PB_BUILD/config.h" ]; then
	built() { pkg-config --modversion "$1"; }
	in_build=1
else
	built() { echo "[0-9][0-9a-z.~+-]*"; }
	in_build=0
fi
test_expect_success '--version and the log header: the revision, the libraries built and run with' '
	"$PB" --version >out &&
	cat out &&
	rev=$(sed -n "1s/^pbprobe [0-9.]* (revision \(.*\))$/\1/p" out) &&
	test -n "$rev" &&
	if [ "$in_build" = 1 ] && [ "$(git -C "$PB_SRC" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$PB_SRC" && pwd -P)" ]; then
		case $rev in "$(git -C "$PB_SRC" rev-parse --short=12 HEAD)"|"$(git -C "$PB_SRC" rev-parse --short=12 HEAD)-dirty") ;; *) echo "not HEAD: $rev"; false ;; esac
	fi &&
	curl_run=$(curl --version | head -n 1 | grep -oE "libcurl/[0-9.]+ [A-Za-z]+SSL/[0-9.a-z]+") &&
	curl_ver=${curl_run%% *} &&
	grep -E "^libcurl ${curl_ver#libcurl/} \(built with $(built libcurl)\), TLS: ${curl_run#* }, HTTP/2: nghttp2/[0-9.]+$" out ||
		{ echo "libcurl line, curl says $curl_run"; false; } &&
	grep -E "^libevent [0-9.]+-stable \(built with $(built libevent)\), backend: (epoll|poll|select)$" out &&
	grep -E "^libpq [0-9]+\.[0-9]+ \(built with $(built libpq)\)$" out &&
	"$PB" -q -r 2 -d 100ms -o v.log http://127.0.0.1:1/ &&
	# the header, through the one reader of the log (the report)
	libs="libcurl/$(sed -n "s/^libcurl \([^ ]*\) .* TLS: \([^,]*\), HTTP\/2: \(.*\)$/\1 \2 \3/p" out) libevent/$(sed -n "s/^libevent \([^ ]*\) .*/\1/p" out) libpq/$(sed -n "s/^libpq \([^ ]*\) .*/\1/p" out)" &&
	{ pbprobe-report -f json v.log >v.json; test $? = 1; } &&
	jq -e --arg rev "$rev" --arg libs "$libs" \
		".logs[0].prober_revision == \$rev and .logs[0].prober_libs == \$libs" v.json
'

test_expect_success 'every long option in --help is in the man page, and back' '
	"$PB" --help | grep -o -- "--[a-z][a-z-]*" | sort -u >help.opts &&
	sed "s/\\\\-/-/g" "$PB_SRC/docs/pbprobe.1" | grep -o -- "--[a-z][a-z-]*" | sort -u >man.opts &&
	test_cmp help.opts man.opts
'

# usage errors: exit 2 and one line on stderr that names the culprit
check_usage() {
	expect=$1
	shift
	test_expect_code 2 "$PB" "$@" 2>err.out &&
	test "$(wc -l <err.out)" -eq 1 &&
	grep -q -- "$expect" err.out
}

test_expect_success 'usage errors exit 2 with one line naming the problem' '
	check_usage "no URL" &&
	check_usage "bad URL \"ftp://x/\"" ftp://x/ &&
	check_usage "bad URL" "http://h:99999/" &&
	check_usage "bad rate \"10x\"" --rate 10x http://h/ &&
	check_usage "bad duration \"5parsecs\"" --duration 5parsecs http://h/ &&
	check_usage "unknown option --bogus" --bogus http://h/ &&
	check_usage "needs a value" http://h/ --rate &&
	check_usage "two targets named" http://h/ http://h/ &&
	check_usage "no target named \"api\"" --rate api:5 http://h/ &&
	check_usage "give -o FILE" http://h/ -- true &&
	check_usage "do not mix" -d 1s -o x.log http://h/ -- true &&
	check_usage "must be followed by a COMMAND" -o x.log http://h/ -- &&
	check_usage "--max-inflight" --max-inflight 0 http://h/ &&
	check_usage "--timeout" -m 0.5us http://h/ &&
	check_usage "unknown option -N: for a new connection per request, --connections new" -N http://h/ &&
	check_usage "not \"Name: value\"" -H nocolon http://h/ &&
	check_usage "--batch-window: 20ms is above 10ms" --batch-window 20ms http://h/ &&
	check_usage "--batch-window must be below --max-lag" --batch-window 5ms --max-lag 5ms http://h/
'

test_expect_success 'an unwritable log is exit 3 with the path and reason' '
	test_expect_code 3 "$PB" -q -d 1s -o /nonexistent/dir/x.log http://127.0.0.1:1/ 2>err.out &&
	grep -q "/nonexistent/dir/x.log: cannot open for writing: No such file" err.out
'

test_expect_success 'a full disk is exit 3 and one clear line, not a crash' '
	test_expect_code 3 "$PB" -q -d 2s --rate 1k -o /dev/full http://127.0.0.1:1/ 2>err.out &&
	grep -q "/dev/full: write failed: No space left on device" err.out
'

test_expect_success 'pbprobe mark outside a run says why, and never stops the upgrade (exit 0)' '
	env -u PBPROBE_MARK "$PB" mark hello 2>err.out &&
	grep -q "PBPROBE_MARK is not set" err.out &&
	test_expect_code 2 env -u PBPROBE_MARK "$PB" mark --strict hello
'

test_done
