#!/bin/sh
# make bench (report part): pbprobe-report --format json on generated logs of
# 1M and 10M requests, timed in one run against mawk and gawk counting only
# the non-200 lines per target (the least any reader of the log must do),
# and its peak RSS, which must stay flat as the log grows.
#
# Goals (issue 17): the full report at least 5x faster than mawk's count;
# peak RSS under 64 MiB and flat from 1M to 10M lines. A missed goal is a
# measurement, printed as "goal missed: ...", and exits 0 so that `make
# bench` goes on to the other benchmarks. Exit 1: the report's failure
# counts differ from mawk's (a fast wrong report is worth nothing); exit 2:
# the benchmark could not run (a tool missing, a command failing).
#
# Environment: PB_BUILD (the build directory, default .), BENCH_DIR (where
# the logs are generated and kept, default $PB_BUILD/bench-data), BENCH_RUNS
# (timed runs of each command, the best is kept; default 3).
set -eu

B=${PB_BUILD:-.}
REPORT=$B/pbprobe-report
GEN=$B/bench/report-genlog
DIR=${BENCH_DIR:-$B/bench-data}
RUNS=${BENCH_RUNS:-3}
TIME=/usr/bin/time # GNU time, for the peak RSS

for tool in mawk gawk jq; do
	command -v $tool >/dev/null || { echo "report-bench: $tool not found (apt-get install $tool)" >&2; exit 2; }
done
[ -x "$TIME" ] || { echo "report-bench: $TIME not found (apt-get install time)" >&2; exit 2; }
mkdir -p "$DIR"
# set -e exits 1 on a failing command: 1 is kept for a wrong report
# shellcheck disable=SC2317 # called by the trap
on_exit() {
	rc=$?
	[ "$rc" -ne 1 ] || rc=2
	[ "$rc" -eq 0 ] || echo "report-bench: could not run (exit $rc)" >&2
	exit "$rc"
}
trap on_exit EXIT

# an awk program: its $ fields are awk's, not the shell's
# shellcheck disable=SC2016
COUNT='$1 == "req" && $4 != "200" { n[$3]++ } END { for (t in n) print t, n[t] }'

now_ns() { date +%s%N; }
# best_of CMD...: the best wall time of RUNS runs, in seconds
best_of() {
	best=
	i=0
	while [ $i -lt "$RUNS" ]; do
		t0=$(now_ns)
		"$@" >/dev/null 2>&1 || [ $? -le 1 ] # the report exits 1 when the gate fails
		t1=$(now_ns)
		ms=$(((t1 - t0) / 1000000))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
		i=$((i + 1))
	done
	echo "$best"
}
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }

missed=0
rss1=
echo "requests  report(json)   mawk count   gawk count   vs mawk   vs gawk   peak RSS"
for n in 1M 10M; do
	log=$DIR/report-$n.log
	if [ ! -s "$log" ]; then
		"$GEN" --requests $n -o "$log.tmp" && mv "$log.tmp" "$log"
	fi
	# same numbers first: a fast wrong report is worth nothing
	"$REPORT" -f json "$log" >"$DIR/report-$n.json" || [ $? -le 1 ]
	jq -r '.targets[] | select(.failed > 0) | "\(.name) \(.failed)"' "$DIR/report-$n.json" | sort >"$DIR/report-$n.want"
	mawk -F'\t' "$COUNT" "$log" | sort >"$DIR/report-$n.mawk"
	if ! cmp -s "$DIR/report-$n.want" "$DIR/report-$n.mawk"; then
		echo "report-bench: $n: the report's failures differ from mawk's count" >&2
		diff "$DIR/report-$n.want" "$DIR/report-$n.mawk" >&2 || true
		trap - EXIT
		exit 1
	fi
	r=$(best_of "$REPORT" -f json -o /dev/null "$log")
	m=$(best_of mawk -F'\t' "$COUNT" "$log")
	g=$(best_of gawk -F'\t' "$COUNT" "$log")
	rss=$("$TIME" -f %M "$REPORT" -f json -o /dev/null "$log" 2>&1 >/dev/null | tail -n 1)
	printf '%8s  %11ss  %10ss  %10ss  %7sx  %7sx  %6.1f MiB\n' $n "$(secs "$r")" "$(secs "$m")" \
		"$(secs "$g")" "$(awk -v a="$m" -v b="$r" 'BEGIN { printf "%.2f", a / b }')" \
		"$(awk -v a="$g" -v b="$r" 'BEGIN { printf "%.2f", a / b }')" \
		"$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
	if [ "$n" = 10M ]; then
		awk -v m="$m" -v r="$r" 'BEGIN { exit !(m >= 5 * r) }' ||
			{ echo "goal missed: the report is not 5x faster than mawk's count"; missed=1; }
		[ "$rss" -lt $((64 * 1024)) ] || { echo "goal missed: peak RSS over 64 MiB"; missed=1; }
		# flat: 10x the lines may cost the per-second series (32 bytes a
		# second per target) and allocator slack, not 10x the memory
		[ "$rss" -le $((rss1 * 5 / 4 + 2048)) ] ||
			{ echo "goal missed: peak RSS grows with the log (${rss1} KB -> ${rss} KB)"; missed=1; }
	else
		rss1=$rss
	fi
done
[ $missed -eq 1 ] || echo "report-bench: all goals met"
# goals missed or met, the benchmark ran: make bench goes on
exit 0
