#!/bin/bash
# scripts/scenario.sh: runs one of the reference demo's steps on a Kubernetes
# cluster. The steps are the lab's (lab/scenarios/NAME.sh, over lab/steps.sh);
# here the platform underneath is kubectl (scripts/platform-kubernetes.sh).
# scripts/NAME.sh is `scenario.sh NAME`.
#
#   scripts/scenario.sh NAME [--platform kubernetes|lab] [--prober job|local]
#
# --platform lab runs the very same scenario in the one-machine lab instead
# (default: $PBPROBE_PLATFORM, else kubernetes).
#
# Scenarios that probe (the upgrades) run pbprobe beside the steps:
#   --prober job    (default) inside the cluster: the Job of manifests/pbprobe,
#                   $PBPROBE_PROBERS pods (default 1), each probing the Service
#                   by its DNS name with a log of its own; the steps' markers
#                   are relayed to every prober; the logs are copied to
#                   $PBPROBE_LOGS (default <source>/logs) as NAME-INDEX.log
#                   and merged by pbprobe-report
#   --prober local  here, as in the lab: pbprobe wraps the steps and probes
#                   $PBPROBE_K8S_URL, or the Service's LoadBalancer address,
#                   or with PBPROBE_K8S_EXPOSE=nodeport a node's address and
#                   the Service's node port
# (default: $PBPROBE_PROBER, else job). The gate is pbprobe-report's, with
# its defaults: any failed request fails it.
#
# Files in $PBPROBE_LOGS, as in the lab: NAME.txt (report), NAME.json,
# NAME.png (plot, with gnuplot), NAME.result (key=value: upgrade, verdict,
# exit, log); kubernetes/ keeps every manifest as it was applied.
#
# Exit status, as the lab's:
#   0  the upgrade completed and the gate passed
#   1  the upgrade failed safely (nothing rolled out, or rolled back) and the
#      gate passed: users were unharmed
#   2  the gate failed (users saw errors) or was inconclusive (the prober
#      did not observe the whole upgrade on time): not a pass
#   3  the cluster, kubectl or the prober failed
#
# Settings: see scripts/platform-kubernetes.sh (KUBECONFIG, namespace,
# registry...), and PB_BUILD (default <source>/build), where pbprobe and
# pbprobe-report are. The probers' settings default as in
# manifests/pbprobe/kustomization.yaml; set here, they override it:
# PBPROBE_RATE (per target, per prober), PBPROBE_TIMEOUT, PBPROBE_LEAD,
# PBPROBE_TAIL, PBPROBE_URL (the Service as the pods reach it).
set -uo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prog=scripts/scenario.sh

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
	exit "${1:-0}"
}

name=${1:-}
[ -n "$name" ] || usage 3
shift
case $name in
-h | --help) usage 0 ;;
esac
platform=${PBPROBE_PLATFORM:-kubernetes}
prober=${PBPROBE_PROBER:-job}
while [ $# -gt 0 ]; do
	case $1 in
	--platform)
		platform=${2:-}
		shift 2 || usage 3
		;;
	--platform=*)
		platform=${1#*=}
		shift
		;;
	--prober)
		prober=${2:-}
		shift 2 || usage 3
		;;
	--prober=*)
		prober=${1#*=}
		shift
		;;
	-h | --help) usage 0 ;;
	*)
		echo "$prog: unknown argument $1 (try --help)" >&2
		exit 3
		;;
	esac
done
case $platform in
lab | kubernetes) ;;
*)
	echo "$prog: --platform is lab or kubernetes, not \"$platform\"" >&2
	exit 3
	;;
esac
case $prober in
job | local) ;;
*)
	echo "$prog: --prober is job or local, not \"$prober\"" >&2
	exit 3
	;;
esac
script=$src/lab/scenarios/$name.sh
if [ ! -f "$script" ]; then
	echo "$prog: no scenario $name in lab/scenarios" >&2
	exit 3
fi
export PBPROBE_PLATFORM=$platform

# The lab probes for itself; so does every scenario with --prober local; the
# steps that do not probe (setup, teardown, init-at-2-7-1) just run.
if [ "$platform" = lab ] || [ "$prober" = local ] || ! grep -q '^scenario_main ' "$script"; then
	if [ "$platform" = kubernetes ] && [ "$prober" = local ] && [ -z "${PBPROBE_K8S_URL:-}" ] && [ "${PBPROBE_K8S_EXPOSE:-none}" != nodeport ]; then
		echo "$prog: --prober local probes from this machine: set PBPROBE_K8S_URL to the Service's address here (an Ingress, a LoadBalancer, a NodePort), or PBPROBE_K8S_EXPOSE=nodeport (set up with it), or use --prober job" >&2
		exit 3
	fi
	exec bash "$script"
fi

# --prober job: the probers run in the cluster; the steps run here, with
# their markers relayed to the probers' logs.
# shellcheck source-path=SCRIPTDIR source=../lab/steps.sh
. "$src/lab/steps.sh"
PB_BUILD=${PB_BUILD:-$src/build}
export PB_BUILD
for tool in pbprobe pbprobe-report; do
	[ -x "$PB_BUILD/$tool" ] || {
		echo "$prog: $PB_BUILD/$tool is not built (or set PB_BUILD)" >&2
		exit 3
	}
done
steps_init || exit 3
logs=${PBPROBE_LOGS:-$src/logs}
mkdir -p "$logs" && logs=$(cd "$logs" && pwd) || exit 3
base=$logs/$name
rm -f "$base".txt "$base".json "$base".png "$base".result "$base"-[0-9]*.log

say() {
	printf '%s\n' "$*" >&2
}

result() {
	printf 'upgrade=%s\nverdict=%s\nexit=%s\nlog=%s\nplot=%s\n' "$@" >"$base.result"
}

relay_pid=
fifo=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -z "$relay_pid" ] || kill "$relay_pid" 2>/dev/null
	[ -z "$fifo" ] || rm -rf "${fifo%/*}"
}
trap cleanup EXIT

say "== $name (kubernetes, namespace $K8S_NS, ${PBPROBE_PROBERS:-1} prober(s) in the cluster)"
if ! k8s_probers_start "$name"; then
	k8s_probers_delete
	result - error 3 - -
	exit 3
fi
say "probing $(platform_url)/ (home) and /api/helpingmaterial (api) from pod(s) ${K8S_PROBER_PODS[*]}"

# `pbprobe mark` (step_mark) writes "@mMONO_US,WALL_US TEXT" lines to
# $PBPROBE_MARK; here that is a FIFO whose lines go to every prober, with
# their wall time ("@WALL_US TEXT"): this host's monotonic clock means nothing
# in a pod, so a mark relayed to a cluster carries the clocks' disagreement.
fifo=$(mktemp -d "${TMPDIR:-/tmp}/pbprobe-relay.XXXXXX")/mark
mkfifo "$fifo" || exit 3
# Opened here, before the relay starts, not inside it: `pbprobe mark` gives up
# when the FIFO has no reader, and the first mark follows at once.
exec 3<>"$fifo"
(
	while IFS= read -r line <&3; do
		[ "$line" = "@@end" ] && break
		if [[ $line =~ ^@m[0-9]+,([0-9]+)\ (.*)$ ]]; then
			line="@${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
		fi
		k8s_probers_mark "$line"
	done
) &
relay_pid=$!
export PBPROBE_MARK=$fifo

interrupted=0
trap 'interrupted=1' INT TERM
step_mark "steps start"
rc=0
bash "$script" --steps || rc=$?
step_mark "steps end (exit $rc)"
trap - INT TERM
# The relay forwards what is queued, then ends; a relay already gone has no
# reader, and opening its FIFO would block: bounded.
# shellcheck disable=SC2016 # the inner shell's $1
timeout 10 bash -c 'printf "@@end\n" >"$1"' _ "$fifo" || kill "$relay_pid" 2>/dev/null
wait "$relay_pid"
relay_pid=
exec 3>&-

probe_logs=()
stop_rc=0
mapfile -t probe_logs < <(k8s_probers_stop "$logs"; echo "@rc $?")
[[ ${probe_logs[-1]:-} =~ ^@rc\ ([0-9]+)$ ]] && stop_rc=${BASH_REMATCH[1]} && unset 'probe_logs[-1]'
k8s_probers_delete
# A prober whose log is missing, or that exited non-zero, watched part of
# the upgrade from nowhere: the others' logs cannot make the run a pass.
expected=${PBPROBE_PROBERS:-1}
lost=
if [ "$stop_rc" != 0 ] || [ "${#probe_logs[@]}" -lt "$expected" ]; then
	lost="${#probe_logs[@]} of $expected prober log(s) collected$([ "$stop_rc" = 0 ] || echo ', a prober failed')"
	say "$name: $lost"
fi
if [ "$interrupted" = 1 ] || { [ "$rc" != 0 ] && [ "$rc" != 1 ]; } || [ "${#probe_logs[@]}" -eq 0 ]; then
	say "$name: the upgrade steps or the probers failed (steps exit $rc, ${#probe_logs[@]} log(s))$([ "$interrupted" = 0 ] || echo ', interrupted')"
	result "$rc" error 3 "${probe_logs[*]:--}" -
	exit 3
fi

gate=0
"$PB_BUILD/pbprobe-report" --plot "$base.png" "${probe_logs[@]}" >"$base.txt" || gate=$?
cat "$base.txt"
"$PB_BUILD/pbprobe-report" -f json -o "$base.json" "${probe_logs[@]}" >/dev/null 2>&1
# Errors seen are errors (FAIL) whatever is missing; a pass needs every log.
if [ "$gate" = 0 ] && [ -n "$lost" ]; then
	gate=4
	say "$name: the gate is INCONCLUSIVE, not PASS: $lost"
fi
case $gate in
0) verdict=pass ;;
1) verdict=fail ;;
4) verdict=inconclusive ;;
*)
	say "$name: pbprobe-report could not read the logs (exit $gate)"
	result "$rc" error 3 "${probe_logs[*]}" -
	exit 3
	;;
esac
exit_code=$rc
[ "$gate" = 0 ] || exit_code=2
result "$rc" "$verdict" "$exit_code" "${probe_logs[*]}" "$([ -s "$base.png" ] && echo "$base.png" || echo -)"

say ""
if [ "$rc" = 0 ]; then
	say "== $name: the upgrade completed"
else
	say "== $name: the upgrade FAILED (exit $rc): nothing rolled out, or rolled back"
fi
case $verdict in
pass) say "== $name: gate PASS: users saw no error" ;;
fail) say "== $name: gate FAIL: users saw errors (windows and bursts above)" ;;
inconclusive) say "== $name: gate INCONCLUSIVE: the probers did not observe the whole upgrade on time (${lost:-blind time above})" ;;
esac
say "   logs ${probe_logs[*]}, report $base.txt, applied manifests $K8S_WORK/"
exit "$exit_code"
