#!/bin/bash
# make bench (HTML part): pbprobe-report -f html on generated logs of 1M
# requests, the page's size and how long headless Chromium takes to load it
# (file://, network blocked), at the bench's rate (2 targets at 1000/s: 500
# seconds, so 1000 one-second slots) and at a low rate (2 targets at 50/s:
# 10,000 seconds, 20,000 slots): the page grows with the run's seconds, not
# with its requests.
#
# Goals (the issue): at the bench rate the page under 1 MiB and loaded in
# under 2 s; at the low rate under 8 MiB and 5 s. A missed goal is printed
# as "goal missed: ..." and exits 0, so that `make bench` goes on; exit 2:
# the benchmark could not run.
#
# Environment: PB_BUILD (the build directory, default .), BENCH_DIR (where
# logs and pages are kept, default $PB_BUILD/bench-data), BENCH_RUNS (loads
# of each page, the best is kept; default 3), CHROMIUM, CHROMEDRIVER.
set -eu

B=${PB_BUILD:-.}
REPORT=$B/pbprobe-report
GEN=$B/bench/report-genlog
DIR=${BENCH_DIR:-$B/bench-data}
RUNS=${BENCH_RUNS:-3}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}

for tool in curl jq setsid "$CHROMIUM" "$CHROMEDRIVER"; do
	command -v "$tool" >/dev/null || { echo "html-report: $tool not found" >&2; exit 2; }
done
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

CD_PID=
SID=
PROFILE=$(mktemp -d "${TMPDIR:-/tmp}/pbprobe-html-bench.XXXXXX")
# shellcheck disable=SC2317 # called by the trap
on_exit() {
	rc=$?
	if [ -n "$SID" ]; then
		curl -s -m 5 -X DELETE "http://127.0.0.1:$PORT/session/$SID" >/dev/null 2>&1 || true
		for _ in $(seq 50); do
			[ -L "$PROFILE/SingletonLock" ] || break
			sleep 0.1
		done
	fi
	if [ -n "$CD_PID" ]; then
		kill -TERM -- "-$CD_PID" 2>/dev/null || true
		sleep 0.2
		kill -KILL -- "-$CD_PID" 2>/dev/null || true
	fi
	rm -rf "$PROFILE"
	[ "$rc" -eq 0 ] || echo "html-report: could not run (exit $rc)" >&2
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 2' INT TERM

# a port of the kernel's choosing is not known to chromedriver in advance:
# try a few below the ephemeral range
PORT=
for _ in $(seq 20); do
	p=$((20000 + RANDOM % 10000))
	(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
	PORT=$p
	break
done
[ -n "$PORT" ] || exit 2
setsid "$CHROMEDRIVER" --port="$PORT" </dev/null >/dev/null 2>&1 &
CD_PID=$!
for _ in $(seq 100); do
	curl -sf -m 2 "http://127.0.0.1:$PORT/status" -o /dev/null && break
	sleep 0.1
done
caps=$(jq -cn --arg bin "$CHROMIUM" --arg prof "$PROFILE" '{capabilities: {alwaysMatch: {
	browserName: "chrome", timeouts: {pageLoad: 60000, script: 30000},
	"goog:chromeOptions": {binary: $bin, args: ["--headless=new", "--no-sandbox", "--disable-gpu",
		"--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
		"--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
		"--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1280,1000",
		("--user-data-dir=" + $prof)]}}}}')
SID=$(curl -sS -m 60 -X POST -H 'Content-Type: application/json' --data-binary "$caps" \
	"http://127.0.0.1:$PORT/session" | jq -er .value.sessionId)

wd() {
	curl -sS -m 120 -X "$1" -H 'Content-Type: application/json' \
		"http://127.0.0.1:$PORT/session/$SID$2" ${3:+--data-binary "$3"}
}

# load_ms PAGE: the best of RUNS loads, from the navigation's start to the
# end of its load event (layout of the whole SVG included), in ms
load_ms() {
	best=
	for _ in $(seq "$RUNS"); do
		wd POST /url '{"url": "about:blank"}' >/dev/null
		wd POST /url "$(jq -cn --arg u "file://$1" '{url: $u}')" >/dev/null
		ms=$(wd POST /execute/sync '{"script": "var n = performance.getEntriesByType(\"navigation\")[0]; document.body.getBoundingClientRect(); return Math.round(n.loadEventEnd - n.startTime);", "args": []}' | jq -er .value)
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	echo "$best"
}

missed=0
echo "log                       requests  seconds  slots   report   page size  load (chromium)"
for spec in "1M 1000 1 8" "1M 50 5 8"; do
	# shellcheck disable=SC2086 # four words
	set -- $spec
	n=$1 rate=$2 goal_s=$3 goal_mib=$4
	[ "$rate" = 1000 ] && goal_mib=1
	log=$DIR/html-$n-$rate.log page=$DIR/html-$n-$rate.html
	if [ ! -s "$log" ]; then
		"$GEN" --requests "$n" --rate "$rate" -o "$log.tmp" && mv "$log.tmp" "$log"
	fi
	t0=$(date +%s%N)
	"$REPORT" -f html -o "$page" "$log" || [ $? -le 4 ]
	t1=$(date +%s%N)
	bytes=$(wc -c <"$page")
	slots=$(grep -o '<g class="slot"' "$page" | wc -l)
	secs=$(jq -n "$(grep -o 'data-t1="[0-9.-]*"' "$page" | head -n 1 | cut -d'"' -f2) - $(grep -o 'data-t0="[0-9.-]*"' "$page" | head -n 1 | cut -d'"' -f2) | floor")
	ms=$(load_ms "$page")
	printf '%-24s  %8s  %7s  %5s  %6.2fs  %7.2f MiB  %6.2fs\n' "$(basename "$log")" "$n" "$secs" \
		"$slots" "$(jq -n "($t1 - $t0) / 1e9")" "$(jq -n "$bytes / 1048576")" "$(jq -n "$ms / 1000")"
	[ "$bytes" -le $((goal_mib * 1048576)) ] ||
		{ echo "goal missed: $(basename "$page") over $goal_mib MiB"; missed=1; }
	[ "$ms" -le $((goal_s * 1000)) ] ||
		{ echo "goal missed: $(basename "$page") loads in over $goal_s s"; missed=1; }
done
[ $missed -eq 1 ] || echo "html-report: all goals met"
exit 0
