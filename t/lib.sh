# shellcheck shell=bash
# t/lib.sh: the test library every t/tNNNN-*.sh sources, after git's
# t/test-lib.sh. Output is TAP; each check is a named test_expect_success.
# Real servers come from lab/services.sh; all of them, and every background
# process a test starts, are stopped when the script ends, however it ends.
#
# A script:
#   #!/bin/bash
#   . "$(dirname "$0")/lib.sh"
#   test_expect_success 'nginx answers 200 on /' '
#       port=$(free_port) &&
#       svc_nginx_start "$TEST_DIR/ng" "$port" &&
#       test "$(http_status "http://127.0.0.1:$port/")" = 200
#   '
#   test_done
#
# Bodies are eval'd in the script's own shell (variables they set stay set)
# with output captured, shown as TAP comments when they fail; chain their
# commands with && so the first failure fails the test.
#
# API
#   test_expect_success NAME BODY   runs BODY; "ok N - NAME" when it exits 0
#   test_skip NAME REASON           "ok N - NAME # SKIP REASON"
#   skip_all REASON                 skips the whole script (before any test)
#   test_done                       prints the plan 1..N; exits 0 when every
#                                   test passed, else 1
#   test_must_fail CMD...           CMD must exit non-zero, but not 127 (not
#                                   found) and not from a signal (>128: a
#                                   crash, or a sanitizer's abort)
#   test_expect_code CODE CMD...    CMD must exit with exactly CODE
#   test_must_be_empty FILE         FILE must be empty (shows it if not)
#   test_within VALUE LOW HIGH      LOW <= VALUE <= HIGH (integers)
#   test_pg_alembic DIR PORT        PostgreSQL with alembic_version at
#                                   52209719b79e and a helpingmaterial table
#   test_cmp EXPECTED ACTUAL        diff -u; fails when they differ
#   test_wait_for SECS CMD...       retries CMD every 0.1 s until it succeeds
#   test_bg CMD...                  runs CMD in the background, output in
#                                   $TEST_DIR/bg-N.out; sets TEST_BG_PID and
#                                   TEST_BG_OUT; stopped at exit
#   free_port                       prints a free 127.0.0.1 port (svc_free_port)
#   badpeer_start MODE              starts t/helpers/badpeer MODE on a port
#                                   of the kernel's choosing; sets
#                                   BADPEER_PORT and BADPEER_PID
#   http_status URL [CURL-ARGS...]  prints the HTTP status curl got (000 when
#                                   none); 5 s limit
#   and every svc_* function of lab/services.sh.
#
# Variables
#   PB_SRC     source tree (default: the parent of t/)
#   PB_BUILD   build tree with ./pbprobe and ./pbprobe-report (default
#              $PB_SRC/build); it and $PB_BUILD/t/helpers lead PATH
#   TEST_DIR   this script's temporary directory (mode 755, so that the
#              PostgreSQL user can reach its own subdirectory); the script
#              runs inside it; removed at exit unless --debug
#   TEST_NAME  the script's name without .sh
#   PB_KEEP_FAILED  when set, a script that fails moves its TEST_DIR (logs,
#              servers' logs) into this directory instead of removing it
# Options of every script: -v/--verbose (show bodies' output), -i/--immediate
# (stop at the first failure), -d/--debug (keep TEST_DIR and say where).

set -u

if [ -z "${BASH_VERSION:-}" ]; then
	echo "t/lib.sh needs bash" >&2
	exit 1
fi

PB_SRC=${PB_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PB_BUILD=${PB_BUILD:-$PB_SRC/build}
export PB_SRC PB_BUILD
PATH=$PB_BUILD:$PB_BUILD/t/helpers:$PATH
export PATH

TEST_NAME=$(basename "$0" .sh)
test_verbose=${TEST_VERBOSE:-0}
test_immediate=0
test_debug=0
for _arg in "$@"; do
	case $_arg in
	-v | --verbose) test_verbose=1 ;;
	-i | --immediate) test_immediate=1 ;;
	-d | --debug) test_debug=1 ;;
	*)
		echo "$0: unknown option $_arg (use -v, -i, -d)" >&2
		exit 1
		;;
	esac
done
unset _arg

# A sanitizer's report must end in an abort (signal), so test_must_fail
# cannot mistake a memory error for an expected failure; no core files.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
ulimit -c 0 2>/dev/null || true
# Children must not inherit a locale that changes number formats.
export LC_ALL=C
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pbprobe-$TEST_NAME.XXXXXX") || {
	echo "Bail out! cannot create a temporary directory"
	exit 1
}
chmod 755 "$TEST_DIR"
export TEST_DIR
SVC_REGISTRY=$TEST_DIR/.services
export SVC_REGISTRY

# shellcheck source-path=SCRIPTDIR source=../lab/services.sh
. "$PB_SRC/lab/services.sh"

test_count=0
test_failed=0
test_bg_count=0
test_watchdog_pid=

test_cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$test_watchdog_pid" ]; then
		kill -KILL "$test_watchdog_pid" 2>/dev/null || true
		wait "$test_watchdog_pid" 2>/dev/null || true
	fi
	svc_stop_all
	cd / || true
	if [ "$test_debug" = 1 ]; then
		echo "# kept $TEST_DIR"
	elif [ "$rc" != 0 ] && [ -n "${PB_KEEP_FAILED:-}" ] &&
		mkdir -p "$PB_KEEP_FAILED" && mv "$TEST_DIR" "$PB_KEEP_FAILED/$TEST_NAME.$$" 2>/dev/null; then
		# a failure that does not repeat is only understood from its logs
		echo "# failed: kept $PB_KEEP_FAILED/$TEST_NAME.$$"
	else
		rm -rf "$TEST_DIR"
	fi
	exit "$rc"
}
trap test_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# If this shell is killed outright (SIGKILL: no trap runs), a watchdog still
# stops the servers: it polls for the script and cleans up after it. It
# ignores the signals a Ctrl-C or `timeout` sends to the whole group, so the
# script's own trap does the work and then kills the watchdog.
if [ "${TEST_NO_WATCHDOG:-0}" != 1 ]; then # t0000 turns it off to prove the traps
	(
		trap '' INT TERM HUP
		exec </dev/null >/dev/null 2>&1
		while kill -0 "$$" 2>/dev/null; do
			sleep 1
		done
		svc_stop_all
		[ "$test_debug" = 1 ] || rm -rf "$TEST_DIR"
	) &
	test_watchdog_pid=$!
fi

cd "$TEST_DIR" || exit 1

# Prints text as TAP comments.
test_comment() {
	sed -e 's/^/# /'
}

test_run_body() {
	local body=$1 out=$TEST_DIR/.test-out rc
	if [ "$test_verbose" = 1 ]; then
		eval "$body" </dev/null
		rc=$?
	else
		eval "$body" </dev/null >"$out" 2>&1
		rc=$?
	fi
	return "$rc"
}

test_expect_success() {
	if [ $# -ne 2 ]; then
		echo "Bail out! test_expect_success needs NAME and BODY (got $#)"
		exit 1
	fi
	local name=$1 body=$2
	test_count=$((test_count + 1))
	if test_run_body "$body"; then
		echo "ok $test_count - $name"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $name"
		printf '%s\n' "$body" | test_comment
		if [ "$test_verbose" != 1 ] && [ -s "$TEST_DIR/.test-out" ]; then
			echo "# output:"
			tail -n 60 "$TEST_DIR/.test-out" | test_comment
		fi
		if [ "$test_immediate" = 1 ]; then
			test_done
		fi
	fi
	rm -f "$TEST_DIR/.test-out"
	cd "$TEST_DIR" || exit 1
}

test_skip() {
	local name=${1:?test_skip needs NAME and REASON} reason=${2:-no reason given}
	test_count=$((test_count + 1))
	echo "ok $test_count - $name # SKIP $reason"
}

skip_all() {
	if [ "$test_count" -gt 0 ]; then
		echo "Bail out! skip_all after $test_count tests"
		exit 1
	fi
	echo "1..0 # SKIP ${1:-no reason given}"
	exit 0
}

test_done() {
	echo "1..$test_count"
	if [ "$test_failed" -gt 0 ]; then
		echo "# failed $test_failed of $test_count"
		exit 1
	fi
	exit 0
}

test_must_fail() {
	local rc=0
	"$@" || rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "test_must_fail: command succeeded: $*" >&2
		return 1
	elif [ "$rc" -gt 128 ] && [ "$rc" -le 192 ]; then
		echo "test_must_fail: died of signal $((rc - 128)) ($(kill -l "$((rc - 128))" 2>/dev/null)): $*" >&2
		return 1
	elif [ "$rc" -eq 127 ]; then
		echo "test_must_fail: command not found: $1" >&2
		return 1
	fi
	return 0
}

test_expect_code() {
	local want=${1:?test_expect_code needs CODE and CMD} got
	shift
	"$@"
	got=$?
	if [ "$got" != "$want" ]; then
		echo "test_expect_code: exit $got, expected $want: $*" >&2
		return 1
	fi
}

# A PostgreSQL in DIR on PORT holding what the database probe reads: alembic's
# version table at 2.7.2's revision, and a helpingmaterial table to lock.
test_pg_alembic() {
	svc_pg_start "${1:?test_pg_alembic needs DIR PORT}" "${2:?}" &&
		svc_pg_psql "$1" "$2" \
			"CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)" \
			"INSERT INTO alembic_version VALUES ('52209719b79e')" \
			"CREATE TABLE helpingmaterial (id serial PRIMARY KEY)" >/dev/null
}

# pg_prober_connected CONNINFO: the prober's kept connection is open (its sessions
# are named "pbprobe").
pg_prober_connected() {
	psql "$1" -Atc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pbprobe' AND state = 'idle'" 2>/dev/null |
		grep -q "^[1-9]"
}

# The server's clock in microseconds, to run in a session itself (psql -c
# "$SQL_NOW_US"): the true edges of what that session did, without psql's
# own start-up and exit (tens of ms here, more on a loaded machine).
# shellcheck disable=SC2034 # used by the test scripts
SQL_NOW_US="SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint"

test_within() {
	if [ "${1:?test_within needs VALUE LOW HIGH}" -lt "${2:?}" ] || [ "$1" -gt "${3:?}" ]; then
		echo "test_within: $1 not in [$2, $3]" >&2
		return 1
	fi
}

test_must_be_empty() {
	if [ -s "${1:?test_must_be_empty needs FILE}" ]; then
		echo "test_must_be_empty: '$1' is not empty:" >&2
		head -n 20 "$1" >&2
		return 1
	fi
}

test_cmp() {
	if [ $# -ne 2 ]; then
		echo "test_cmp needs EXPECTED and ACTUAL" >&2
		return 1
	fi
	diff -u -- "$1" "$2"
}

test_wait_for() {
	local secs=${1:?test_wait_for needs SECS and CMD} i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	echo "test_wait_for: still failing after ${secs}s: $*" >&2
	return 1
}

test_bg() {
	test_bg_count=$((test_bg_count + 1))
	TEST_BG_OUT=$TEST_DIR/bg-$test_bg_count.out
	"$@" </dev/null >"$TEST_BG_OUT" 2>&1 &
	TEST_BG_PID=$!
	svc_track_pid "$TEST_BG_PID"
}

free_port() {
	svc_free_port
}

badpeer_start() {
	local mode=${1:?badpeer_start needs MODE} i line=''
	test_bg badpeer --max-seconds 600 "$mode" 0 || return 1
	BADPEER_PID=$TEST_BG_PID
	for ((i = 0; i < 100; i++)); do
		read -r line _ <"$TEST_BG_OUT" 2>/dev/null || true
		if [ "$line" = ready ]; then
			# shellcheck disable=SC2034 # for the test scripts
			read -r _ BADPEER_PORT <"$TEST_BG_OUT"
			return 0
		fi
		_svc_alive "$BADPEER_PID" || break
		sleep 0.05
	done
	echo "badpeer_start: badpeer $mode did not get ready: $(cat "$TEST_BG_OUT")" >&2
	return 1
}

http_status() {
	local url=${1:?http_status needs URL}
	shift
	curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" "$url" || true
}
