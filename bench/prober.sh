#!/bin/bash
# bench/prober.sh: how fast and how steady pbprobe is against one private
# nginx, always as ratios to peers measured in the same run (wrk, ab, hey, and
# a timer loop that does no work). Run by `make bench`; bench/README.md says
# what each number means and why. Prints a table, writes $BENCH_OUT/prober.json
# and appends one line to $BENCH_OUT/prober-history.tsv.
#
# Usage: bench/prober.sh [--quick] [--rates "R1 R2 ..."]
# Environment: PBPROBE (the binary, required), BENCH_BIN (prober-stats and
# timer-floor, default: next to PBPROBE in bench/), BENCH_OUT (default
# ./bench/out), PB_SRC (the source tree, for lab/services.sh).
set -euo pipefail

QUICK=0
RATES=""
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--rates) RATES=$2; shift ;;
	-h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "prober.sh: unknown argument \"$1\"" >&2; exit 2 ;;
	esac
	shift
done

: "${PBPROBE:?set PBPROBE to the pbprobe binary (make bench does)}"
BENCH_BIN=${BENCH_BIN:-$(dirname "$PBPROBE")/bench}
BENCH_OUT=${BENCH_OUT:-bench/out}
PB_SRC=${PB_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
STATS=$BENCH_BIN/prober-stats
FLOOR=$BENCH_BIN/timer-floor
REPORT=${PBPROBE_REPORT:-$(dirname "$PBPROBE")/pbprobe-report}
for f in "$PBPROBE" "$STATS" "$FLOOR" "$REPORT"; do
	[ -x "$f" ] || { echo "prober.sh: $f is not built (make bench builds it)" >&2; exit 2; }
done
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] ||
	{ echo "prober.sh: nginx not found (apt-get install nginx-light)" >&2; exit 2; }

# Full: about 4 minutes; quick: under one. Rates rise until two in a row fail.
if [ "$QUICK" = 1 ]; then
	MODE=quick PEER_S=3 RATE_S=3 RSS_EARLY_S=4 RSS_LATE_S=12
	: "${RATES:=10000 20000 40000}"
else
	MODE=full PEER_S=10 RATE_S=10 RSS_EARLY_S=10 RSS_LATE_S=60
	: "${RATES:=5000 10000 20000 30000 40000 50000 60000 80000}"
fi
STEADY_RATE=10000 # the rate of the send-delay, latency and memory figures

# Two cores, shared: the server on one, whichever client on the other, the
# same for every tool so that the ratios compare like with like.
if [ "$(nproc)" -ge 2 ]; then
	CLIENT=(taskset -c 0) SERVER_CPU=1 PINNING="client CPU 0, nginx CPU 1"
else
	CLIENT=() SERVER_CPU="" PINNING="one CPU: nothing pinned"
fi

mkdir -p "$BENCH_OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pbprobe-bench.XXXXXX")
BG_PID=""
cleanup() {
	[ -n "$BG_PID" ] && kill "$BG_PID" 2>/dev/null
	nginx_stop
	rm -rf "$WORK"
}

# --- nginx: lab/services.sh when present, else a minimal one of our own ---
if [ -f "$PB_SRC/lab/services.sh" ]; then
	export SVC_REGISTRY=$WORK/svc-registry
	# shellcheck source-path=SCRIPTDIR/.. source=lab/services.sh
	. "$PB_SRC/lab/services.sh"
	nginx_start() {
		PORT=$(svc_free_port)
		svc_nginx_start "$WORK/nginx" "$PORT" 'access_log off;' \
			'keepalive_requests 1000000;' \
			'location = /hello { return 200 "hello\n"; }'
	}
	nginx_stop() { svc_stop_all 2>/dev/null || true; }
	SLOW_PATH=/slow # 2 KiB at 2 KiB/s (lab/services.sh): an answer takes a second
else
	nginx_start() {
		local d=$WORK/nginx
		mkdir -p "$d/tmp"
		PORT=$((20000 + RANDOM % 10000))
		cat >"$d/nginx.conf" <<-EOF
			worker_processes 1;
			pid $d/nginx.pid;
			error_log $d/error.log warn;
			events { worker_connections 4096; }
			http {
			    access_log off;
			    client_body_temp_path $d/tmp/body;
			    proxy_temp_path $d/tmp/proxy;
			    fastcgi_temp_path $d/tmp/fastcgi;
			    uwsgi_temp_path $d/tmp/uwsgi;
			    scgi_temp_path $d/tmp/scgi;
			    keepalive_requests 1000000;
			    server {
			        listen 127.0.0.1:$PORT;
			        location = /hello { return 200 "hello\n"; }
			    }
			}
		EOF
		nginx -p "$d/" -c "$d/nginx.conf" -e "$d/error.log"
		sleep 0.3
	}
	nginx_stop() {
		[ -f "$WORK/nginx/nginx.pid" ] && kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null
		return 0
	}
fi
trap cleanup EXIT
trap 'exit 130' INT TERM

nginx_start
URL=http://127.0.0.1:$PORT/hello
if [ -n "$SERVER_CPU" ]; then
	master=$(cat "$WORK/nginx/nginx.pid")
	for pid in $master $(pgrep -P "$master"); do
		taskset -a -p -c "$SERVER_CPU" "$pid" >/dev/null
	done
fi
curl -fsS "$URL" >/dev/null 2>&1 || { echo "prober.sh: nginx does not answer on $URL" >&2; exit 1; }

# kv, cpu_time, human_us
# shellcheck source=lib.sh
. "$PB_SRC/bench/lib.sh"
# The blind time pbprobe-report finds in a log, in seconds: ticks sent later
# than --max-lag, skipped or missing (its verdict's reason to be inconclusive).
# (its exit status is the verdict: 4, inconclusive, is what we measure)
report_json() { "$REPORT" -f json "$1" 2>/dev/null || true; }
blind_s() { report_json "$1" | jq '[.targets[].blind_s] | add // 0'; }

echo "pbprobe prober benchmark: $MODE, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs," \
	"load $(cut -d' ' -f1 /proc/loadavg), $PINNING, $URL"
echo "A shared machine: every figure moves between runs; compare ratios, repeat, report ranges."
echo

# --- peers: closed loop, 50 connections ---
peer_rps() { # name, then the command; prints requests/s or "null"
	local name=$1 v=null
	shift
	if command -v "$1" >/dev/null; then
		if "${CLIENT[@]}" "$@" >"$WORK/$name.out" 2>&1; then
			case $name in
			wrk) v=$(awk '/^Requests\/sec:/{print $2}' "$WORK/$name.out") ;;
			ab) v=$(awk '/^Requests per second:/{print $4}' "$WORK/$name.out") ;;
			hey) v=$(awk '/Requests\/sec:/{print $2}' "$WORK/$name.out") ;;
			esac
		fi
	fi
	printf '%s' "${v:-null}"
}
WRK=$(peer_rps wrk wrk -t1 -c50 -d"${PEER_S}s" "$URL")
AB=$(peer_rps ab ab -k -q -c50 -t "$PEER_S" -n 100000000 "$URL")
HEY=$(peer_rps hey hey -c 50 -z "${PEER_S}s" "$URL")
FLOOR_OUT=$("${CLIENT[@]}" "$FLOOR" "$STEADY_RATE" "$PEER_S")
F99=$(kv "$FLOOR_OUT" delay_p99_us)
printf 'Peers, closed loop, 50 connections, %ss each (requests/s)\n' "$PEER_S"
printf '  wrk -t1 -c50   %8s\n  ab -k -c50     %8s\n  hey -c 50      %8s\n' \
	"${WRK%.*}" "${AB%.*}" "${HEY%.*}"
printf '  timer floor (pbprobe'"'"'s schedule, no work) at %s/s: tick delay p50 %s  p99 %s  max %s\n\n' \
	"$STEADY_RATE" "$(human_us "$(kv "$FLOOR_OUT" delay_p50_us)")" "$(human_us "$F99")" \
	"$(human_us "$(kv "$FLOOR_OUT" delay_max_us)")"

# --- pbprobe at rising rates ---
# Sustained: under 0.1% skipped, and at least 99% of the asked rate answered
# 200. The achieved rate divides by the run's real span (first tick to last
# answer), not by --duration: a prober that falls behind still gets every
# answer in the end, only seconds late.
RATE_ROWS=""
BEST=0
ONTIME=0
NOBLIND=0
fails=0
printf 'pbprobe, open loop, %ss per rate\n' "$RATE_S"
printf '  %7s %9s %8s  %-22s %-22s %7s %7s  %s\n' asked achieved skipped \
	"send delay p50/p99/max" "latency p50/p99/max" "cpu/req" "blind" verdict
for rate in $RATES; do
	log=$WORK/rate-$rate.log
	cpu_time "${CLIENT[@]}" "$PBPROBE" --rate "$rate" --duration "${RATE_S}s" -q -o "$log" "$URL" ||
		{ echo "prober.sh: pbprobe failed at $rate/s: $(head -c 300 "$WORK/err")" >&2; exit 1; }
	s=$("$STATS" "$log")
	ok=$(kv "$s" ok) sk=$(kv "$s" skipped) n=$(kv "$s" requests) span=$(kv "$s" span_s)
	read -r achieved skipped_pct cpu_us verdict < <(awk -v ok="$ok" -v sk="$sk" -v n="$n" \
		-v span="$span" -v d="$RATE_S" -v r="$rate" -v cpu="$CPU_S" 'BEGIN {
		if (span < d) span = d
		a = ok / span; sp = n ? 100 * sk / n : 0
		printf "%.0f %.3f %.1f %s\n", a, sp, (ok ? cpu * 1e6 / ok : 0), ((sp < 0.1 && a >= 0.99 * r) ? "ok" : "FAIL") }')
	# On time, besides: p99 send delay within twice the timer floor's (at
	# least 1 ms). The rate alone is kept even when every tick is 50 ms late.
	late_bound=$(awk -v f="$F99" 'BEGIN { b = 2 * f; print (b < 1000 ? 1000 : b) }')
	[ "$verdict" = ok ] && [ "$(kv "$s" delay_p99_us)" -gt "$late_bound" ] && verdict="ok, late"
	[ "$verdict" = ok ] && [ "$rate" -gt "$ONTIME" ] && ONTIME=$rate
	blind=$(blind_s "$log")
	[ "$blind" = 0 ] && [ "$rate" -gt "$NOBLIND" ] && NOBLIND=$rate
	printf '  %7s %9s %7s%%  %-22s %-22s %5sus %6ss  %s\n' "$rate" "$achieved" "$skipped_pct" \
		"$(human_us "$(kv "$s" delay_p50_us)")/$(human_us "$(kv "$s" delay_p99_us)")/$(human_us "$(kv "$s" delay_max_us)")" \
		"$(human_us "$(kv "$s" latency_p50_us)")/$(human_us "$(kv "$s" latency_p99_us)")/$(human_us "$(kv "$s" latency_max_us)")" \
		"$cpu_us" "$blind" "$verdict"
	RATE_ROWS+="${RATE_ROWS:+,}{\"asked\":$rate,\"blind_s\":$blind,\"achieved\":$achieved,\"skipped_pct\":$skipped_pct,\"cpu_us_per_req\":$cpu_us,\"delay_p50_us\":$(kv "$s" delay_p50_us),\"delay_p99_us\":$(kv "$s" delay_p99_us),\"delay_max_us\":$(kv "$s" delay_max_us),\"latency_p50_us\":$(kv "$s" latency_p50_us),\"latency_p99_us\":$(kv "$s" latency_p99_us),\"latency_max_us\":$(kv "$s" latency_max_us),\"sustained\":$([ "$verdict" != FAIL ] && echo true || echo false),\"on_time\":$([ "$verdict" = ok ] && echo true || echo false)}"
	if [ "$verdict" != FAIL ]; then
		[ "$rate" -gt "$BEST" ] && BEST=$rate
		fails=0
	else
		fails=$((fails + 1))
		[ "$fails" -ge 2 ] && break
	fi
done
echo

# --- the same rates under a CPU quota of half a core (a pod's limits.cpu:
# 500m): the highest rate with no blind time sizes a prober pod's limit ---
QUOTA_ROWS=""
QUOTA_NOBLIND=null
# The rate docs/kubernetes.md's formula gives a pod of 500m
# (scripts/platform-kubernetes.sh, k8s_prober_cpu_m): the sweep starts there,
# and the formula holds when that rate has no blind time under the quota.
FORMULA_RATE=null
if [ -f "$PB_SRC/scripts/platform-kubernetes.sh" ]; then
	# shellcheck source-path=SCRIPTDIR/.. source=scripts/platform-kubernetes.sh
	FORMULA_RATE=$(. "$PB_SRC/scripts/platform-kubernetes.sh" && r=0 &&
		while [ "$(k8s_prober_cpu_m $((r + 500)))" -le 500 ]; do r=$((r + 500)); done && echo "$r")
fi
QUOTA_RATES=$RATES
[ "$FORMULA_RATE" = null ] || QUOTA_RATES="$FORMULA_RATE $RATES"
# shellcheck disable=SC2086 # a list of numbers, split on purpose
QUOTA_RATES=$(printf '%s\n' $QUOTA_RATES | sort -nu | tr '\n' ' ')
FORMULA_BLIND=null
CG=/sys/fs/cgroup/cpu/pbprobe-bench-$$
if [ -w /sys/fs/cgroup/cpu ] && mkdir "$CG" 2>/dev/null; then
	echo 100000 >"$CG/cpu.cfs_period_us" && echo 50000 >"$CG/cpu.cfs_quota_us"
	QUOTA_NOBLIND=0
	# the rate sweep ended in overload: let nginx drain its connections first
	sleep 2
	printf 'pbprobe under a CPU quota of 0.5 core (cgroup v1 CFS), %ss per rate\n' "$RATE_S"
	printf '  %7s %7s %8s\n' asked blind late
	for rate in $QUOTA_RATES; do
		log=$WORK/quota-$rate.log
		# shellcheck disable=SC2016 # expanded by that sh, in the cgroup
		"${CLIENT[@]}" sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG" \
			"$PBPROBE" --rate "$rate" --duration "${RATE_S}s" -q -o "$log" "$URL" || true
		blind=$(blind_s "$log")
		late=$(report_json "$log" | jq '[.targets[].late] | add // 0')
		printf '  %7s %6ss %8s\n' "$rate" "$blind" "$late"
		QUOTA_ROWS+="${QUOTA_ROWS:+,}{\"asked\":$rate,\"blind_s\":$blind,\"late\":$late}"
		[ "$rate" = "$FORMULA_RATE" ] && FORMULA_BLIND=$blind
		[ "$blind" = 0 ] && [ "$rate" -gt "$QUOTA_NOBLIND" ] && QUOTA_NOBLIND=$rate
		[ "$blind" = 0 ] || break # past the quota: higher rates only lag more
	done
	rmdir "$CG" 2>/dev/null
	echo
else
	echo "No CPU quota sweep: /sys/fs/cgroup/cpu is not a writable cgroup v1 controller here"
	echo
fi

# --- memory in a burst: about 1000 requests in flight on each of two targets
# (answers that take a second, at 1000/s each), the prober's memory at its
# most: every request in flight holds a libcurl handle and a connection ---
# the resident memory of the pbprobe running in the background, in KiB
rss_kib() { awk '/^VmRSS:/{print $2}' "/proc/$BG_PID/status"; }
BURST_RSS=null BURST_INFLIGHT=null
if [ -n "${SLOW_PATH:-}" ]; then
	log=$WORK/burst.log
	"${CLIENT[@]}" "$PBPROBE" --rate 1000 --duration 4s --timeout 5s -q -o "$log" \
		"a=http://127.0.0.1:$PORT$SLOW_PATH" "b=http://127.0.0.1:$PORT$SLOW_PATH?b" &
	BG_PID=$!
	sleep 3
	BURST_RSS=$(rss_kib)
	# sockets open: one per request in flight, and libcurl's wakeup pair
	BURST_INFLIGHT=$(find "/proc/$BG_PID/fd" -mindepth 1 -maxdepth 1 -lname 'socket:*' | wc -l)
	wait "$BG_PID" || true
	BG_PID=""
fi

# --- the steady rate, long enough to see memory settle ---
log=$WORK/steady.log
"${CLIENT[@]}" "$PBPROBE" --rate "$STEADY_RATE" --duration "$((RSS_LATE_S + 1))s" -q -o "$log" "$URL" &
BG_PID=$!
# open files: the log, the loop's own, and one per cached connection
nfds() { find "/proc/$BG_PID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
sleep "$RSS_EARLY_S"
RSS_EARLY=$(rss_kib) FDS_EARLY=$(nfds)
sleep "$((RSS_LATE_S - RSS_EARLY_S))"
RSS_LATE=$(rss_kib) FDS_LATE=$(nfds)
wait "$BG_PID"
BG_PID=""
s=$("$STATS" "$log")
D99=$(kv "$s" delay_p99_us) L99=$(kv "$s" latency_p99_us)
# kept for a post-mortem of whatever this run shows (about 6 MB compressed)
gzip -c "$log" >"$BENCH_OUT/prober-steady.log.gz"

# --- the live gate's cost: the same run with rules that never break ---
# Its evaluation runs on every completion (probe/guard.c): the send delay and
# the CPU per request with it should be those without it, within the noise
# between two runs of the same thing (a run without, then one with).
guard_run() { # "with" or "without"; prints "delay_p99_us cpu_us_per_req"
	local log=$WORK/guard-$1.log args=()
	[ "$1" = with ] && args=(--abort-on max-errors=1000000000 --abort-on max-window=1h --abort-on max-blind=1h)
	cpu_time "${CLIENT[@]}" "$PBPROBE" --rate "$STEADY_RATE" --duration "${RATE_S}s" -q "${args[@]}" \
		-o "$log" "$URL" || { echo "prober.sh: pbprobe failed ($1 the live gate)" >&2; exit 1; }
	local st
	st=$("$STATS" "$log")
	awk -v d="$(kv "$st" delay_p99_us)" -v ok="$(kv "$st" ok)" -v cpu="$CPU_S" \
		'BEGIN { printf "%s %.1f\n", d, (ok ? cpu * 1e6 / ok : 0) }'
}
guard_run without >"$WORK/guard-without.kv"
guard_run with >"$WORK/guard-with.kv"
read -r GUARD_OFF_D99 GUARD_OFF_CPU <"$WORK/guard-without.kv"
read -r GUARD_ON_D99 GUARD_ON_CPU <"$WORK/guard-with.kv"

# --- what a request costs: CPU and system calls per request, pbprobe at the
# steady rate (with its default --batch-window, and with none) against wrk at
# its closed-loop peak, in the same run (perf stat where it can count) ---
per_req() { awk -v v="$1" -v n="$2" -v s="$3" 'BEGIN { if (v == "null" || n <= 0) print "null"; else printf "%.*f\n", s, v / n }'; }
cost_pbprobe() { # extra pbprobe arguments; prints "cpu_us_per_req syscalls_per_req"
	local log=$WORK/cost.log
	perf_count "${CLIENT[@]}" "$PBPROBE" --rate "$STEADY_RATE" --duration "${RATE_S}s" -q "$@" \
		-o "$log" "$URL" || { echo "prober.sh: pbprobe failed (cost, $*)" >&2; exit 1; }
	local ok
	ok=$(kv "$("$STATS" "$log")" ok)
	echo "$(per_req "$(awk -v c="$CPU_S" 'BEGIN{print c * 1e6}')" "$ok" 1) $(per_req "$SYSCALLS" "$ok" 2)"
}
perf_count "${CLIENT[@]}" wrk -t1 -c50 -d"${PEER_S}s" "$URL" ||
	{ echo "prober.sh: wrk failed (cost)" >&2; exit 1; }
WRK_N=$(awk '/ requests in /{print $1}' "$WORK/out")
WRK_CPU=$(per_req "$(awk -v c="$CPU_S" 'BEGIN{print c * 1e6}')" "$WRK_N" 1)
WRK_SYS=$(per_req "$SYSCALLS" "$WRK_N" 2)
read -r COST_CPU COST_SYS < <(cost_pbprobe)
read -r COST0_CPU COST0_SYS < <(cost_pbprobe --batch-window 0)
G_BURST=$(awk -v r="$BURST_RSS" 'BEGIN { print (r == "null" ? "unmeasured" : (r <= 32768 ? "met" : "missed")) }')
G_FORMULA=$(awk -v b="$FORMULA_BLIND" 'BEGIN { print (b == "null" ? "unmeasured" : (b == 0 ? "met" : "missed")) }')
read -r G_CPU G_SYS CPU_RATIO NOBLIND_RATIO < <(awk -v c="$COST_CPU" -v w="$WRK_CPU" \
	-v s="$COST_SYS" -v ws="$WRK_SYS" -v nb="$NOBLIND" -v wrk="$WRK" 'BEGIN {
	r = (w != "null" && w > 0) ? c / w : -1
	printf "%s %s %s %s\n", (r < 0 ? "unmeasured" : (r <= 3 ? "met" : "missed")),
		((s == "null" || ws == "null") ? "unmeasured" : (s <= ws + 1 ? "met" : "missed")),
		(r < 0 ? "null" : sprintf("%.2f", r)),
		((wrk != "null" && wrk > 0) ? sprintf("%.3f", nb / wrk) : "null") }')


read -r RATIO G_RATIO G_DELAY G_RSS FLOOR_RATIO ONTIME_RATIO < <(awk -v best="$BEST" \
	-v ontime="$ONTIME" -v wrk="$WRK" -v d99="$D99" -v f99="$F99" -v e="$RSS_EARLY" \
	-v l="$RSS_LATE" 'BEGIN {
	ratio = (wrk != "null" && wrk > 0) ? best / wrk : -1
	printf "%s %s %s %s %.2f %s\n", (ratio < 0 ? "null" : sprintf("%.3f", ratio)),
		(ratio >= 0.8 ? "met" : "missed"), (d99 <= 1000 ? "met" : "missed"),
		((l <= 32768 && l - e <= 1024) ? "met" : "missed"), (f99 > 0 ? d99 / f99 : 0),
		(ratio < 0 ? "null" : sprintf("%.3f", ontime / wrk)) }')
printf 'At %s/s for %ss: send delay p99 %s (%sx the timer floor), latency p99 %s, max %s;\n' \
	"$STEADY_RATE" "$((RSS_LATE_S + 1))" "$(human_us "$D99")" "$FLOOR_RATIO" "$(human_us "$L99")" \
	"$(human_us "$(kv "$s" latency_max_us)")"
printf '  %s requests, %s skipped, %s new connections\n' "$(kv "$s" requests)" \
	"$(kv "$s" skipped)" "$(kv "$s" new_conns)"
printf 'Memory: VmRSS %s KiB at %ss, %s KiB at %ss (open files %s, then %s: the cached\n' \
	"$RSS_EARLY" "$RSS_EARLY_S" "$RSS_LATE" "$RSS_LATE_S" "$FDS_EARLY" "$FDS_LATE"
printf '  connections; memory follows the most requests ever in flight, not time)\n\n'
printf 'Goals                                   measured              verdict\n'
printf '  highest sustained rate / wrk >= 0.8   %-6s (%s/s)      %s\n' "$RATIO" "$BEST" "$G_RATIO"
printf '    (on time, p99 send delay <= max(1 ms, 2x floor): %s (%s/s))\n' "$ONTIME_RATIO" "$ONTIME"
printf '  send delay p99 at %s/s <= 1 ms     %-20s  %s\n' "$STEADY_RATE" "$(human_us "$D99")" "$G_DELAY"
printf '  RSS <= 32 MiB and flat (<= 1 MiB)     %s -> %s KiB      %s\n' "$RSS_EARLY" "$RSS_LATE" "$G_RSS"
printf '  RSS in a burst (2 targets, %s sockets) <= 32 MiB  %s KiB  %s\n' "$BURST_INFLIGHT" \
	"$BURST_RSS" "$G_BURST"
printf 'Blind time: the highest rate with none %s/s; under 0.5 core %s/s\n' "$NOBLIND" "$QUOTA_NOBLIND"
printf '  docs/kubernetes.md sizes 500m for %s/s: blind under 0.5 core %ss  %s\n' "$FORMULA_RATE" \
	"$FORMULA_BLIND" "$G_FORMULA"
printf 'Cost per request at %s/s (perf stat): pbprobe %sus and %s syscalls (--batch-window 0:\n' \
	"$STEADY_RATE" "$COST_CPU" "$COST_SYS"
printf '  %sus and %s); wrk -t1 -c50 at its peak %sus and %s syscalls\n' "$COST0_CPU" "$COST0_SYS" \
	"$WRK_CPU" "$WRK_SYS"
printf '  cpu/req / wrk'"'"'s <= 3             %-20s  %s\n' "$CPU_RATIO" "$G_CPU"
printf '  syscalls/req <= wrk'"'"'s + 1          %-20s  %s\n' "$COST_SYS vs $WRK_SYS" "$G_SYS"
printf '  no blind time, one core / wrk >= 0.6  %-20s  %s\n' "$NOBLIND_RATIO" \
	"$(awk -v r="$NOBLIND_RATIO" 'BEGIN { print (r == "null" ? "unmeasured" : (r >= 0.6 ? "met" : "missed")) }')"
printf 'The live gate (--abort-on, never breaking) at %s/s: send delay p99 %s without, %s with;\n' \
	"$STEADY_RATE" "$(human_us "$GUARD_OFF_D99")" "$(human_us "$GUARD_ON_D99")"
printf '  cpu/req %sus without, %sus with\n' "$GUARD_OFF_CPU" "$GUARD_ON_CPU"

cat >"$BENCH_OUT/prober.json" <<EOF
{
  "mode": "$MODE",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "cpus": $(nproc),
  "load1": $(cut -d' ' -f1 /proc/loadavg),
  "pinning": "$PINNING",
  "peers": {
    "seconds": $PEER_S,
    "wrk_rps": $WRK,
    "ab_rps": $AB,
    "hey_rps": $HEY,
    "timer_floor": {"rate": $STEADY_RATE, "delay_p50_us": $(kv "$FLOOR_OUT" delay_p50_us), "delay_p99_us": $F99, "delay_max_us": $(kv "$FLOOR_OUT" delay_max_us)}
  },
  "rates": [$RATE_ROWS],
  "highest_sustained_rate": $BEST,
  "ratio_to_wrk": $RATIO,
  "highest_on_time_rate": $ONTIME,
  "highest_rate_no_blind": $NOBLIND,
  "quota_half_core": {"highest_rate_no_blind": $QUOTA_NOBLIND, "formula_rate": $FORMULA_RATE, "formula_rate_blind_s": $FORMULA_BLIND, "rates": [$QUOTA_ROWS]},
  "on_time_ratio_to_wrk": $ONTIME_RATIO,
  "cost": {"rate": $STEADY_RATE, "seconds": $RATE_S, "pbprobe": {"cpu_us_per_req": $COST_CPU, "syscalls_per_req": $COST_SYS}, "pbprobe_batch_window_0": {"cpu_us_per_req": $COST0_CPU, "syscalls_per_req": $COST0_SYS}, "wrk_peak": {"cpu_us_per_req": $WRK_CPU, "syscalls_per_req": $WRK_SYS}, "cpu_ratio_to_wrk": $CPU_RATIO},
  "no_blind_ratio_to_wrk": $NOBLIND_RATIO,
  "burst": {"targets": 2, "sockets": $BURST_INFLIGHT, "rss_kib": $BURST_RSS},
  "live_gate": {"rate": $STEADY_RATE, "seconds": $RATE_S, "without": {"delay_p99_us": $GUARD_OFF_D99, "cpu_us_per_req": $GUARD_OFF_CPU}, "with": {"delay_p99_us": $GUARD_ON_D99, "cpu_us_per_req": $GUARD_ON_CPU}},
  "steady": {"rate": $STEADY_RATE, "seconds": $((RSS_LATE_S + 1)), "delay_p50_us": $(kv "$s" delay_p50_us), "delay_p99_us": $D99, "delay_max_us": $(kv "$s" delay_max_us), "latency_p50_us": $(kv "$s" latency_p50_us), "latency_p99_us": $L99, "latency_max_us": $(kv "$s" latency_max_us), "delay_p99_over_floor": $FLOOR_RATIO, "skipped": $(kv "$s" skipped), "new_conns": $(kv "$s" new_conns), "open_files": [$FDS_EARLY, $FDS_LATE], "rss_kib": {"at_s": [$RSS_EARLY_S, $RSS_LATE_S], "values": [$RSS_EARLY, $RSS_LATE]}},
  "goals": {"ratio_to_wrk_min_0.8": "$G_RATIO", "delay_p99_max_1ms": "$G_DELAY", "rss_max_32mib_flat": "$G_RSS", "cpu_per_req_max_3x_wrk": "$G_CPU", "syscalls_per_req_max_wrk_plus_1": "$G_SYS", "burst_rss_max_32mib": "$G_BURST", "quota_formula_rate_no_blind": "$G_FORMULA"}
}
EOF
hist=$BENCH_OUT/prober-history.tsv
[ -f "$hist" ] || printf 'date\tmode\tload1\twrk_rps\tab_rps\they_rps\tfloor_p99_us\tbest_rate\tratio\ton_time_rate\tdelay_p99_us\tlatency_p99_us\trss_early_kib\trss_late_kib\tcpu_us_per_req\tsyscalls_per_req\twrk_cpu_us_per_req\twrk_syscalls_per_req\n' >"$hist"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$MODE" \
	"$(cut -d' ' -f1 /proc/loadavg)" "$WRK" "$AB" "$HEY" "$F99" "$BEST" "$RATIO" "$ONTIME" "$D99" "$L99" \
	"$RSS_EARLY" "$RSS_LATE" "$COST_CPU" "$COST_SYS" "$WRK_CPU" "$WRK_SYS" >>"$hist"
echo
echo "Written: $BENCH_OUT/prober.json, $hist"
