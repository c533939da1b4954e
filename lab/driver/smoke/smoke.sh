#!/bin/bash
# Smoke test of lab/rollout-driver against a private haproxy (no PostgreSQL):
# a fake stand-in (fake-standin.py) or the real one with --readiness none.
# Usage: smoke.sh BUILD_DIR [--real]. Everything it starts is stopped on exit.
set -u
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../../.." && pwd)
dir=$(mktemp -d /tmp/drv-smoke.XXXXXX)
export SVC_REGISTRY=$dir/registry
. "$src/lab/services.sh"
trap 'svc_stop_all; while read -r id _ _ pid _; do [[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2>/dev/null; done <"$dir/instances.tsv" 2>/dev/null; echo "state left in $dir"' EXIT
port=$(svc_free_port)
slots=()
for n in 1 2 3 4 5 6 7 8; do slots+=("s$n=127.0.0.1:1"); done
svc_haproxy_start "$dir/haproxy" "$port" --server-opts disabled --defaults "mode tcp" \
	--defaults "retries 0" --defaults "no option redispatch" "${slots[@]}" || exit 1
standin=$src/lab/driver/smoke/fake-standin.py
[ "${2:-}" = --real ] && standin=$build/lab/pybossa-standin
{
	printf 'LAB_PG_DIR=%q\n' "$dir/pg"
	printf 'LAB_DB=%q\n' "host=127.0.0.1 port=1 dbname=none"
	printf 'LAB_HAPROXY_DIR=%q\n' "$dir/haproxy"
	printf 'LAB_HAPROXY_PORT=%q\n' "$port"
	printf 'LAB_REGISTRY=%q\n' "$SVC_REGISTRY"
	printf 'LAB_STANDIN=%q\n' "$standin"
	printf 'LAB_PBPROBE=%q\n' "$build/pbprobe"
} >"$dir/env"
drv=$build/lab/rollout-driver
pool() { svc_haproxy_cmd "$dir/haproxy" "show servers state be" | awk 'NR > 2 && $6 == 2 { print $4, $19 }'; }
run() { echo "== $*"; "$drv" --state "$dir" "$@"; echo "rc=$? status=$(cat "$dir/driver.status")"; cut -f1-4,7 "$dir/instances.tsv" | tail -n +2; echo "pool: $(pool | tr '\n' ' ')"; }
export FAKE_FAIL=$dir/fail
# marks: a FIFO read into marks.txt, as pbprobe's own mark channel
mkfifo "$dir/mark"
cat "$dir/mark" >"$dir/marks.txt" &
svc_track_pid $!
exec 3>"$dir/mark"
export PBPROBE_MARK=$dir/mark
if [ "${2:-}" = --real ]; then
	run --version 2.7.1 --readiness none --startup-delay 100ms --prestop 0.2 --grace 2
	run --version 2.7.2 --readiness none --startup-delay 100ms --prestop 0.2 --grace 2
else
	run --version 2.7.1 --startup-delay 100ms --period 0.2
	run --version 2.7.2 --startup-delay 100ms --period 0.2 --prestop 0.3 --on-sigterm ignore --grace 1
	run --version 2.8.0 --startup-delay 100ms --period 0.2 --max-surge 0 --max-unavailable 1 --min-ready 500ms
	run --version 2.7.2 --startup-delay 100ms --period 0.2 --strategy Recreate --replicas 3
	touch "$FAKE_FAIL"
	run --version 2.7.1 --startup-delay 100ms --period 0.2 --progress-deadline 6.5
	rm -f "$FAKE_FAIL"
	run --version 2.7.2 --startup-delay 100ms --period 0.2 --replicas 3
	"$drv" --state "$dir" --version 2.7.1 --startup-delay 1s --period 0.2 &
	sleep 0.6; kill -TERM $!; wait $!; echo "stopped: rc=$? status=$(cat "$dir/driver.status")"
	run --version 2.7.1 --startup-delay 100ms --period 0.2 --replicas 2
	# deaths: an instance of an earlier driver (status unknown), one of ours (status known)
	"$drv" --state "$dir" --version 2.7.2 --startup-delay 1s --period 0.2 &
	drvpid=$!
	sleep 0.5
	old=$(awk -F'\t' '$1 ~ /^2.7.1#/ { print $4; exit }' "$dir/instances.tsv")
	new=$(awk -F'\t' '$1 ~ /^2.7.2#/ { print $4; exit }' "$dir/instances.tsv")
	kill -KILL "$old" "$new"
	wait "$drvpid"; echo "deaths: rc=$? status=$(cat "$dir/driver.status")"
	grep -P "\tdied\t" "$dir/events.tsv"
	echo "== marks"; exec 3>&-; sleep 0.2; cat "$dir/marks.txt"
fi
echo "== events"
cat "$dir/events.tsv"
