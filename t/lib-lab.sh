# shellcheck shell=bash
# t/lib-lab.sh: for the lab's tests (t51xx-t59xx), as git's lib-httpd.sh is
# for its HTTP tests. Source it after t/lib.sh: it gives the script a private
# lab in $TEST_DIR/lab (every process recorded in the test's registry, so
# the test's traps stop them however it ends) and reads ground truth from
# the lab's own sources, not from the driver's word: haproxy's runtime API,
# /proc, the prober's log (through t/helpers/logcat) and the JSON report.
#
#   lab_run SCRIPT [ARG...]     runs lab/scenarios/SCRIPT.sh; output in
#                               SCRIPT.out; LAB_RC holds its exit status
#   lab_expect_rc RC SCRIPT     runs it, fails (showing its output) unless it
#                               exits RC
#   lab_env                     loads the lab's env (LAB_HAPROXY_DIR, LAB_PG_*)
#   hap_pool                    "NAME PORT" per server haproxy routes to now
#   pool_versions               the X-App-Version of each pooled server, sorted,
#                               asked directly, not through haproxy
#   lab_psql SQL                psql on the lab's database
#   ev_us FILE EVENT [ID-REGEX] [first|last]
#                               time_us of a driver event (driver.tsv)
#   ev_ack_us FILE EVENT [ID-REGEX] [first|last]
#                               the ack_us of a pool-add or pool-remove
#   ev_count FILE EVENT [ID-REGEX]
#   mark_us LOG TEXT            the time of the first mark TEXT in a log
#   proc_alive PID              alive and not a zombie
#   lab_processes               "PID NAME" of every live process of this lab

LAB_DIR=$TEST_DIR/lab
LAB_LOGS=$TEST_DIR/logs
LOGCAT=$PB_BUILD/t/helpers/logcat
export PBPROBE_LAB_DIR=$LAB_DIR PBPROBE_LAB_REGISTRY=$SVC_REGISTRY PBPROBE_LOGS=$LAB_LOGS

for _tool in "$PB_BUILD/pbprobe" "$PB_BUILD/pbprobe-report" "$PB_BUILD/lab/pybossa-standin" "$LOGCAT"; do
	[ -x "$_tool" ] || skip_all "$_tool is not built (make check-build)"
done
for _tool in haproxy socat jq curl; do
	command -v "$_tool" >/dev/null 2>&1 || skip_all "$_tool is not installed"
done
unset _tool

# Alive and not a zombie: an exited instance is reaped by init, in its own time.
proc_alive() {
	local st
	st=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

lab_run() {
	local script=$1
	shift
	LAB_RC=0
	"$PB_SRC/lab/scenarios/$script.sh" "$@" >"$script.out" 2>&1 || LAB_RC=$?
}

lab_expect_rc() {
	local want=$1 script=$2
	lab_run "$script"
	if [ "$LAB_RC" != "$want" ]; then
		echo "$script exited $LAB_RC, not $want:" >&2
		tail -n 60 "$script.out" >&2
		return 1
	fi
}

lab_env() {
	# shellcheck source=/dev/null
	. "$LAB_DIR/env"
}

# haproxy's "show servers state be": columns 4 srv_name, 6 srv_op_state
# (2 running), 7 srv_admin_state (bits: 0x01 forced maint, 0x02 inherited,
# 0x20 resolution; 0x08/0x10 drain; 0x04 only says "disabled in the
# config"), 19 srv_port. mawk has no and(): test the bits by division.
hap_pool() {
	lab_env &&
		svc_haproxy_cmd "$LAB_HAPROXY_DIR" "show servers state be" |
		awk 'function bit(v, b) { return int(v / b) % 2 }
			$1 ~ /^[0-9]+$/ && $6 == 2 && !bit($7, 1) && !bit($7, 2) && !bit($7, 32) &&
			!bit($7, 8) && !bit($7, 16) { print $4, $19 }'
}

pool_versions() {
	local port
	hap_pool >pool.now || return 1
	while read -r _ port; do
		curl -s -m 5 -o /dev/null -D - "http://127.0.0.1:$port/" |
			tr -d '\r' | sed -n 's/^X-App-Version: *//Ip'
	done <pool.now | sort
}

lab_psql() {
	lab_env && svc_pg_psql "$LAB_PG_DIR" "$LAB_PG_PORT" "$@"
}

ev_us() {
	local file=$1 event=$2 id=${3:-.} which=${4:-first}
	awk -F'\t' -v e="$event" -v id="$id" -v w="$which" '
		NR > 1 && $2 == e && $3 ~ id { t = $1; if (w == "first") { print t; found = 1; exit } }
		END { if (w == "last" && t != "") print t; else if (!found && w == "first") exit 1 }' "$file"
}

# The ack_us of a pool event (how long haproxy took to acknowledge it).
ev_ack_us() {
	local file=$1 event=$2 id=${3:-.} which=${4:-first}
	awk -F'\t' -v e="$event" -v id="$id" -v w="$which" '
		NR > 1 && $2 == e && $3 ~ id { a = $7; sub(/.*ack_us=/, "", a); sub(/[^0-9].*/, "", a); if (w == "first") { print a; exit } }
		END { if (w == "last" && a != "") print a }' "$file"
}

ev_count() {
	awk -F'\t' -v e="$2" -v id="${3:-.}" 'NR > 1 && $2 == e && $3 ~ id { n++ } END { print n + 0 }' "$1"
}

mark_us() {
	"$LOGCAT" -f mark:name,time "$1" | awk -F'\t' -v m="$2" '$1 == m { print $2; exit }'
}

# Every live process of this lab: any whose command line names the lab's
# directory (the app instances' access logs, the driver's --state, haproxy's
# -f, the postmaster's -D), found in /proc without trusting the lab's files.
lab_processes() {
	local p args
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" != "$BASHPID" ] || continue
		mapfile -d '' args <"$p/cmdline" 2>/dev/null || continue
		case " ${args[*]} " in
		*"$LAB_DIR"*) printf '%s %s\n' "${p#/proc/}" "${args[0]##*/}" ;;
		esac
	done
}
