# shellcheck shell=bash
# bench/lib.sh: helpers the prober benchmarks share (prober.sh,
# prober-tls.sh). Sourced; cpu_time writes the command's output to $WORK.

# kv LINE KEY: the value of KEY in a line of key=value pairs
kv() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }

# Runs a command, leaving "user+sys seconds" in CPU_S.
cpu_time() {
	local TIMEFORMAT='%3U %3S' t
	t=$({ time "$@" >"$WORK/out" 2>"$WORK/err"; } 2>&1) || return 1
	# shellcheck disable=SC2034 # read by the caller
	CPU_S=$(awk '{print $1 + $2}' <<<"$t")
}

# human_us US: "850us", "1.5ms", "12ms"
human_us() { awk -v u="$1" 'BEGIN{ if (u >= 10000) printf "%.0fms", u/1000; else if (u >= 1000) printf "%.1fms", u/1000; else printf "%dus", u }'; }

# Runs a command under perf stat, leaving CPU_S (user+sys seconds, perf's
# task clock) and SYSCALLS (system calls entered: "null" where perf or its
# raw_syscalls tracepoint is missing, and CPU_S then comes from cpu_time).
# shellcheck disable=SC2034 # both read by the caller
perf_count() {
	local out=$WORK/perf.out
	if command -v perf >/dev/null &&
		perf stat -x, -o "$out" -e raw_syscalls:sys_enter,task-clock true 2>/dev/null &&
		grep -q '^[0-9]' "$out"; then
		perf stat -x, -o "$out" -e raw_syscalls:sys_enter,task-clock -- "$@" >"$WORK/out" 2>"$WORK/err" ||
			return 1
		SYSCALLS=$(awk -F, '$3 == "raw_syscalls:sys_enter" && $1 ~ /^[0-9]+$/ {print $1}' "$out")
		CPU_S=$(awk -F, '$3 == "task-clock" {print $1 / 1000}' "$out")
		: "${SYSCALLS:=null}"
	else
		SYSCALLS=null
		cpu_time "$@"
	fi
}
