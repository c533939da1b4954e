#!/bin/bash
# lab/driver/rollout.sh: the lab's Deployment controller. It brings the app's
# instances (lab/pybossa-standin processes) to one pod template, a version with
# or without a readiness probe, with the rollout semantics of a Kubernetes
# Deployment, and keeps haproxy's backend (the Service's endpoints) to the
# ready ones. Every event is logged with the driver's own wall-clock time.
#
# Usage: rollout.sh --state DIR --version VERSION [OPTION...]  (see usage())
# Run by lab/platform-lab.sh, which owns DIR (its env file names haproxy, the
# database and the service registry; instances.tsv lists the instances).
#
# Semantics, as in Kubernetes; the defaults are manifests/base/web.yaml's with
# times scaled down so that a rollout takes seconds (lab/README.md):
# - RollingUpdate, maxSurge 1, maxUnavailable 0: at most replicas+1 instances,
#   never fewer than replicas ready ones in the pool once there were that
#   many. A new instance is started; once ready it joins the pool; then one
#   old instance leaves it and is stopped; repeat. Old instances that are not
#   ready serve no one and are stopped first.
# - Recreate: every old instance leaves the pool and is stopped, then the new
#   ones start and join the pool as each gets ready: a real outage.
# - Readiness probe: httpGet /api/helpingmaterial every --period, timeout
#   --probe-timeout, ready after --success-threshold consecutive 2xx/3xx,
#   out of the pool after --failure-threshold consecutive failures,
#   initialDelaySeconds 0; it runs on every instance
#   of a template that has it, old ones included, for as long as the driver
#   runs. --readiness none: the template has no probe, and, as Kubernetes
#   does, the instance is routed to as soon as it started, listening or not
#   (its port is chosen beforehand, as a containerPort is known): until it
#   listens, the Service finds it refusing connections.
# - Termination, as the kubelet and the endpoints controller do it, at the
#   same time: the instance's endpoint leaves the Service (haproxy "drain":
#   no new requests) after a lag drawn from --endpoint-lag (the time removal
#   takes to reach every node's kube-proxy), while its own preStop pause runs
#   and then SIGTERM comes; SIGKILL when --grace (terminationGracePeriodSeconds,
#   which counts the preStop pause) has passed. A preStop longer than the lag
#   lets removal win the race; without it, an app that exits on SIGTERM at
#   once refuses connections until its endpoint is gone. preStop and what the
#   app does on SIGTERM (--on-sigterm) belong to the pod template: an
#   instance keeps those it was started with. A Deployment counts no terminating
#   pod: "rollout-complete" is logged as soon as the rollout is complete
#   without the instances being stopped, before their preStop, as `kubectl
#   rollout status` returns then; the driver still exits only once they are
#   gone.
# - A rolling update starts on the state as loaded: old instances that are not
#   ready are stopped and the new ones surge at once, before the first probe
#   round, as a controller acts on the status it has.
# - progressDeadlineSeconds: when nothing progressed (an instance started,
#   got ready, or was stopped) for --progress-deadline seconds, the driver
#   logs "deadline-exceeded" and exits 1, leaving everything as it is, as a
#   Deployment reports ProgressDeadlineExceeded; the caller then undoes
#   (lab/steps.sh: step_undo), which is a rollout back to the old template.
#   The deadline is checked when it falls, not after another probe round.
#
# Event log (--events), one line per event, TAB-separated, first line a
# header: time_us (Unix microseconds, taken right after the action; for
# pool-add and pool-remove, when the command went to haproxy, with ack_us in
# the detail; for sigterm and sigkill, right before the signal), event,
# instance (2.8.0#1), version, port, slot (haproxy server s1..s8), detail.
# Events: rollout-start, start (spawned), listening (printed "ready PORT"),
# ready, unready, pool-add, pool-remove, terminating (the pod's deletion,
# stamped when it began: the endpoint lag drawn and the preStop; pool-remove
# and sigterm follow from it), sigterm, sigkill, exit (detail:
# status=N when known), died (exited on its own), deadline-exceeded,
# rollout-complete, stopped (by a signal), error.
#
# Exit status: 0 the rollout completed; 1 the progress deadline passed; 2
# usage; 3 the lab failed (haproxy refused a command, an instance could not be
# started, state missing); 130/143 stopped by a signal: state saved, every
# instance left as it was, for teardown or another rollout to take over.

set -uo pipefail # not -e: each failure is handled where it happens
export LC_ALL=C

prog=rollout
state_dir=
version=
replicas=2
strategy=RollingUpdate
readiness=http
deadline_s=45
period_s=0.5
failure_threshold=2
success_threshold=1
probe_timeout_s=0.4
prestop_s=0.5
on_sigterm=drain
endpoint_lag=0.05-0.25
grace_s=5
startup_delay=500ms
drain_timeout=3s
events=
probe_path=/api/helpingmaterial
max_slots=8

usage() {
	cat <<EOF
usage: rollout.sh --state DIR --version VERSION [OPTION...]
Rolls the lab's app instances to VERSION like a Kubernetes Deployment.

  --state DIR                 the lab's state directory (required)
  --version VERSION           2.7.1, 2.7.2 or 2.8.0 (required)
  --replicas N                replicas (default $replicas)
  --strategy S                RollingUpdate or Recreate (default $strategy)
  --readiness http|none       readiness probe on $probe_path, or none
                              (default $readiness)
  --progress-deadline SECS    progressDeadlineSeconds (default $deadline_s)
  --period SECS               probe periodSeconds (default $period_s)
  --failure-threshold N       probe failureThreshold (default $failure_threshold)
  --success-threshold N       probe successThreshold (default $success_threshold)
  --probe-timeout SECS        probe timeoutSeconds (default $probe_timeout_s)
  --prestop SECS              preStop pause of the template (default $prestop_s)
  --on-sigterm MODE           what the template's app does on SIGTERM: drain,
                              ignore (until SIGKILL) or exit (at once)
                              (default $on_sigterm)
  --endpoint-lag MIN[-MAX]    seconds from a pod's deletion to its endpoint
                              leaving the Service, drawn per pod
                              (default $endpoint_lag)
  --grace SECS                terminationGracePeriodSeconds (default $grace_s)
  --startup-delay DUR         the app's --startup-delay (default $startup_delay)
  --drain-timeout DUR         the app's --drain-timeout (default $drain_timeout)
  --events FILE               event log (default DIR/events.tsv)
  -h, --help                  this text
EOF
}

die_usage() {
	printf '%s: %s (try --help)\n' "$prog" "$*" >&2
	exit 2
}

# A decimal number of seconds ("0.5", "45") in microseconds, without a fork.
secs_us() {
	local s=$1 int frac
	[[ $s =~ ^[0-9]+(\.[0-9]{1,6})?$ ]] || return 1
	int=${s%%.*}
	frac=
	[[ $s == *.* ]] && frac=${s#*.}
	frac=${frac}000000
	frac=${frac:0:6}
	printf '%s\n' $((10#$int * 1000000 + 10#$frac))
}

while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--state | --version | --replicas | --strategy | --readiness | --progress-deadline | \
		--period | --failure-threshold | --success-threshold | --probe-timeout | \
		--prestop | --grace | --startup-delay | --drain-timeout | --events | \
		--on-sigterm | --endpoint-lag)
		[ $# -ge 2 ] || die_usage "$1 needs a value"
		case $1 in
		--state) state_dir=$2 ;;
		--version) version=$2 ;;
		--replicas) replicas=$2 ;;
		--strategy) strategy=$2 ;;
		--readiness) readiness=$2 ;;
		--progress-deadline) deadline_s=$2 ;;
		--period) period_s=$2 ;;
		--failure-threshold) failure_threshold=$2 ;;
		--success-threshold) success_threshold=$2 ;;
		--probe-timeout) probe_timeout_s=$2 ;;
		--prestop) prestop_s=$2 ;;
		--on-sigterm) on_sigterm=$2 ;;
		--endpoint-lag) endpoint_lag=$2 ;;
		--grace) grace_s=$2 ;;
		--startup-delay) startup_delay=$2 ;;
		--drain-timeout) drain_timeout=$2 ;;
		--events) events=$2 ;;
		esac
		shift
		;;
	*) die_usage "unknown argument \"$1\"" ;;
	esac
	shift
done

[ -n "$state_dir" ] || die_usage "--state is required"
[ -n "$version" ] || die_usage "--version is required"
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die_usage "bad --version \"$version\""
if [[ ! $replicas =~ ^[0-9]+$ ]] || [ "$replicas" -lt 1 ] || [ "$replicas" -ge "$max_slots" ]; then
	die_usage "--replicas must be 1..$((max_slots - 1)) (haproxy has $max_slots server slots)"
fi
case $strategy in RollingUpdate | Recreate) ;; *) die_usage "--strategy is RollingUpdate or Recreate" ;; esac
case $readiness in http | none) ;; *) die_usage "--readiness is http or none" ;; esac
for _v in failure_threshold success_threshold; do
	[[ ${!_v} =~ ^[1-9][0-9]*$ ]] || die_usage "--${_v//_/-} must be a positive integer"
done
deadline_us=$(secs_us "$deadline_s") || die_usage "bad --progress-deadline \"$deadline_s\""
period_us=$(secs_us "$period_s") || die_usage "bad --period \"$period_s\""
[ "$period_us" -gt 0 ] || die_usage "--period must be more than 0"
secs_us "$probe_timeout_s" >/dev/null || die_usage "bad --probe-timeout \"$probe_timeout_s\""
prestop_us=$(secs_us "$prestop_s") || die_usage "bad --prestop \"$prestop_s\""
case $on_sigterm in drain | ignore | exit) ;; *) die_usage "--on-sigterm is drain, ignore or exit" ;; esac
if ! lag_min_us=$(secs_us "${endpoint_lag%%-*}") || ! lag_max_us=$(secs_us "${endpoint_lag#*-}") ||
	[ "$lag_max_us" -lt "$lag_min_us" ]; then
	die_usage "bad --endpoint-lag \"$endpoint_lag\" (want SECS or MIN-MAX, MIN <= MAX)"
fi
grace_us=$(secs_us "$grace_s") || die_usage "bad --grace \"$grace_s\""

if [ ! -f "$state_dir/env" ]; then
	printf '%s: %s/env missing: the lab is not set up (lab/scenarios/setup.sh)\n' "$prog" "$state_dir" >&2
	exit 3
fi
# Written by platform-lab.sh: LAB_HAPROXY_DIR, LAB_DB, LAB_REGISTRY, LAB_STANDIN, LAB_PBPROBE.
# shellcheck source=/dev/null
. "$state_dir/env"
events=${events:-$state_dir/events.tsv}
# The status for whoever waits without being the parent (platform-lab.sh).
trap 'printf "%s\n" "$?" >"$state_dir/driver.status"' EXIT
inst_dir=$state_dir/instances
mkdir -p "$inst_dir" || exit 3
SVC_REGISTRY=$LAB_REGISTRY
# shellcheck source-path=SCRIPTDIR source=../services.sh
. "$(dirname "${BASH_SOURCE[0]}")/../services.sh"

t_start_us=${EPOCHREALTIME/[.,]/}

# ---------------------------------------------------------------- instances
# Kept in arrays indexed by instance id ("2.8.0#1"), in start order in ids[],
# and saved to instances.tsv after every change so that teardown, an undo or
# the next rollout know every process, even after this driver is killed.
declare -a ids=()
declare -A i_ver=() i_rdy=() i_pid=() i_port=() i_slot=() i_phase=() i_pool=() i_ok=() i_bad=() i_served=()
declare -A i_code=() # the last probe's status, for the waiting note
# the pod template's preStop (us) and --on-sigterm, per instance
declare -A i_pre=() i_term=()
declare -A i_lis=() # whether it has said "ready PORT" (not saved: known again from .out)

load_instances() {
	local id ver rdy pid port slot phase pool served pre term
	[ -f "$state_dir/instances.tsv" ] || return 0
	while IFS=$'\t' read -r id ver rdy pid port slot phase pool served pre term; do
		if [ -z "$id" ] || [ "${id:0:1}" = '#' ]; then
			continue
		fi
		ids+=("$id")
		i_ver[$id]=$ver i_rdy[$id]=$rdy i_pid[$id]=$pid i_port[$id]=$port i_slot[$id]=$slot
		i_phase[$id]=$phase i_pool[$id]=$pool i_served[$id]=${served:-0} i_ok[$id]=0 i_bad[$id]=0
		i_pre[$id]=${pre:-$prestop_us} i_term[$id]=${term:-drain}
		# listening already: an earlier driver logged it
		local word=
		read -r word _ <"$inst_dir/${id/\#/-}.out" 2>/dev/null
		[ "$word" != ready ] || i_lis[$id]=1
		# a probe result does not outlive the driver that saw it
		if [ "$phase" = ready ] && [ "$rdy" = http ]; then
			i_ok[$id]=$success_threshold
		fi
	done <"$state_dir/instances.tsv"
}

save_instances() {
	local id tmp=$state_dir/instances.tsv.tmp
	{
		printf '# id\tversion\treadiness\tpid\tport\tslot\tphase\tin_pool\tserved\tprestop_us\ton_sigterm\n'
		for id in "${ids[@]}"; do
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "${i_ver[$id]}" "${i_rdy[$id]}" \
				"${i_pid[$id]}" "${i_port[$id]}" "${i_slot[$id]}" "${i_phase[$id]}" "${i_pool[$id]}" "${i_served[$id]}" \
				"${i_pre[$id]}" "${i_term[$id]}"
		done
	} >"$tmp" && mv -f "$tmp" "$state_dir/instances.tsv"
}

forget_instance() {
	local id=$1 keep=() x
	for x in "${ids[@]}"; do
		[ "$x" = "$id" ] || keep+=("$x")
	done
	ids=("${keep[@]}")
	unset "i_ver[$id]" "i_rdy[$id]" "i_pid[$id]" "i_port[$id]" "i_slot[$id]" "i_phase[$id]" \
		"i_pool[$id]" "i_ok[$id]" "i_bad[$id]" "i_served[$id]" "i_pre[$id]" "i_term[$id]" "i_lis[$id]"
}

# The template of this rollout: its instances are "new", all others "old".
is_new() {
	[ "${i_ver[$1]}" = "$version" ] && [ "${i_rdy[$1]}" = "$readiness" ] &&
		[ "${i_pre[$1]}" = "$prestop_us" ] && [ "${i_term[$1]}" = "$on_sigterm" ]
}

# ---------------------------------------------------------------- output

# ev EVENT ID [DETAIL]: one event-log line, time taken now (right after the
# action it records), and a line for the human on stderr.
ev() {
	local t=${4:-${EPOCHREALTIME/[.,]/}} event=$1 id=${2:--} detail=${3:-} ver=- port=- slot=- rel
	if [ "$id" != - ]; then
		ver=${i_ver[$id]:--} port=${i_port[$id]:--} slot=${i_slot[$id]:--}
	fi
	[ -s "$events" ] || printf 'time_us\tevent\tinstance\tversion\tport\tslot\tdetail\n' >>"$events"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$event" "$id" "$ver" "$port" "$slot" "${detail:--}" >>"$events"
	rel=$((t - t_start_us))
	printf '%s: %3d.%03ds %-17s %-8s %s\n' "$prog" $((rel / 1000000)) $((rel % 1000000 / 1000)) \
		"$event" "$([ "$id" = - ] || printf '%s' "$id")" "$detail" >&2
}

# A marker on the prober's timeline, when running under `pbprobe -- ...`.
mark() {
	[ -n "${PBPROBE_MARK:-}" ] || return 0
	"$LAB_PBPROBE" mark "$*" || printf '%s: could not mark "%s"\n' "$prog" "$*" >&2
}

fail() {
	ev error - "$*"
	save_instances
	exit 3
}

# ---------------------------------------------------------------- haproxy

hap() {
	svc_haproxy_cmd "$LAB_HAPROXY_DIR" "$1" >/dev/null || fail "haproxy refused: $1"
}

# The pool events are stamped when the command goes to haproxy, with the
# time haproxy took to acknowledge it (ack_us): the change took effect in
# between, however slow the machine (a socat per command).
pool_add() {
	local id=$1 s=${i_slot[$1]} t0
	hap "set server be/$s addr 127.0.0.1 port ${i_port[$id]}"
	t0=${EPOCHREALTIME/[.,]/}
	hap "set server be/$s state ready"
	i_pool[$id]=1
	i_served[$id]=1
	ev pool-add "$id" "ack_us=$((${EPOCHREALTIME/[.,]/} - t0))" "$t0"
	save_instances
	mark "instance $id ready"
}

# pool_remove ID [DETAIL]
pool_remove() {
	local id=$1 t0=${EPOCHREALTIME/[.,]/}
	hap "set server be/${i_slot[$id]} state drain"
	i_pool[$id]=0
	ev pool-remove "$id" "ack_us=$((${EPOCHREALTIME/[.,]/} - t0))${2:+ $2}" "$t0"
	save_instances
}

# ---------------------------------------------------------------- processes

free_slot() {
	local n id used
	for ((n = 1; n <= max_slots; n++)); do
		used=0
		for id in "${ids[@]}"; do
			[ "${i_slot[$id]}" = "s$n" ] && used=1 && break
		done
		[ "$used" = 0 ] && printf 's%s\n' "$n" && return 0
	done
	return 1
}

next_id() {
	local f=$state_dir/ids n=0
	n=$(awk -v v="$version" '$1 == v { n = $2 } END { print n + 0 }' "$f" 2>/dev/null) || n=0
	n=$((n + 1))
	{
		grep -v "^$version " "$f" 2>/dev/null
		printf '%s %s\n' "$version" "$n"
	} >"$f.tmp" && mv -f "$f.tmp" "$f"
	printf '%s#%s\n' "$version" "$n"
}

spawn() {
	local id slot base pid port=- listen=127.0.0.1:0
	# progress is the scale-up itself, as a ReplicaSet's: not the seconds
	# of bash and fork that start the process on a loaded machine
	progress
	slot=$(free_slot) || fail "no free haproxy server slot"
	id=$(next_id)
	base=$inst_dir/${id/\#/-}
	if [ "$readiness" = none ]; then
		port=$(svc_free_port) || fail "no free port for $id"
		listen=127.0.0.1:$port
	fi
	# setsid: its own session, so a Ctrl-C at the terminal does not reach it;
	# an instance outlives the script that started it, as a pod does.
	setsid "$LAB_STANDIN" --app-version "$version" --listen "$listen" --db "$LAB_DB" \
		--startup-delay "$startup_delay" --drain-timeout "$drain_timeout" --on-sigterm "$on_sigterm" \
		--access-log "$base.access.log" </dev/null >"$base.out" 2>"$base.err" &
	pid=$!
	svc_track_pid "$pid" || fail "cannot register pid $pid"
	ids+=("$id")
	i_ver[$id]=$version i_rdy[$id]=$readiness i_pid[$id]=$pid i_port[$id]=$port i_slot[$id]=$slot
	i_phase[$id]=starting i_pool[$id]=0 i_ok[$id]=0 i_bad[$id]=0 i_served[$id]=0
	i_pre[$id]=$prestop_us i_term[$id]=$on_sigterm
	save_instances
	ev start "$id" "pid=$pid"
	if [ "$readiness" = none ]; then
		became_ready "$id" "no probe: routed as soon as started"
	fi
}

# Reads the instance's "ready PORT" line once it has printed it.
learn_port() {
	local id=$1 word port
	[ -z "${i_lis[$id]:-}" ] || return 0
	read -r word port <"$inst_dir/${id/\#/-}.out" 2>/dev/null || return 1
	[ "$word" = ready ] && [[ $port =~ ^[0-9]+$ ]] || return 1
	i_port[$id]=$port
	i_lis[$id]=1
	save_instances
	ev listening "$id"
}

# A lag drawn from --endpoint-lag, in microseconds.
draw_lag() {
	lag_us=$((lag_min_us + (lag_max_us - lag_min_us) * RANDOM / 32767))
}

# Stops instances, each as its pod would be: its endpoint leaves the pool
# after a lag drawn from --endpoint-lag, while its own preStop pause runs and
# then SIGTERM comes; SIGKILL to whichever outlives the grace period. An
# instance is gone once it has exited and its endpoint is out. Returns when
# all are gone. A Deployment counts no terminating pod: a rollout that is
# complete without them is announced as soon as they are marked, as `kubectl
# rollout status` would return then (see rollout_done).
terminate() {
	local id t0 t now st rc lag_us
	local -A remove_at=() lag_of=() term_at=() exited=() killed=()
	t0=${EPOCHREALTIME/[.,]/}
	for id in "$@"; do
		i_phase[$id]=terminating
		term_at[$id]=$((t0 + i_pre[$id]))
		lag_us=-
		if [ "${i_pool[$id]}" = 1 ]; then
			draw_lag
			remove_at[$id]=$((t0 + lag_us))
			lag_of[$id]=$lag_us
		fi
		ev terminating "$id" "endpoint_lag_us=$lag_us prestop_us=${i_pre[$id]}" "$t0"
		# in the background: a mark takes a process, and the lag and the
		# preStop run from the deletion
		mark "instance $id deleted" &
	done
	save_instances
	local left=("$@") first=1
	while [ ${#left[@]} -gt 0 ]; do
		local still=()
		now=${EPOCHREALTIME/[.,]/}
		for id in "${left[@]}"; do
			if [ -n "${remove_at[$id]:-}" ] && [ "$now" -ge "${remove_at[$id]}" ]; then
				pool_remove "$id" "lag_us=${lag_of[$id]}"
				unset "remove_at[$id]"
			fi
			if [ -n "${term_at[$id]:-}" ] && [ "$now" -ge "${term_at[$id]}" ]; then
				# stamped before the signal, as pool changes are: what it
				# causes never precedes its stamp, however late this shell runs
				t=${EPOCHREALTIME/[.,]/}
				kill -TERM "${i_pid[$id]}" 2>/dev/null
				ev sigterm "$id" "prestop_us=${i_pre[$id]} on_sigterm=${i_term[$id]}" "$t"
				unset "term_at[$id]"
			fi
			if [ -z "${exited[$id]:-}" ] && ! svc_alive "${i_pid[$id]}"; then
				# the exit status, when this driver is the parent (it started it)
				st=
				wait "${i_pid[$id]}" 2>/dev/null
				rc=$?
				[ "$rc" = 127 ] || st="status=$rc"
				ev exit "$id" "$st"
				exited[$id]=1
			fi
			if [ -n "${exited[$id]:-}" ] && [ -z "${remove_at[$id]:-}" ]; then
				gone "$id"
				continue
			fi
			still+=("$id")
		done
		left=("${still[@]}")
		if [ "$first" = 1 ]; then
			# once the instances are marked (and those with no lag are out)
			first=0
			count
			rollout_done || true
		fi
		[ ${#left[@]} -gt 0 ] || break
		if [ $((now - t0)) -ge "$grace_us" ]; then
			for id in "${left[@]}"; do
				if [ -n "${exited[$id]:-}" ] || [ -n "${killed[$id]:-}" ]; then
					continue
				fi
				t=${EPOCHREALTIME/[.,]/}
				kill -KILL "${i_pid[$id]}" 2>/dev/null
				ev sigkill "$id" "grace ${grace_s}s passed" "$t"
				killed[$id]=1
			done
		fi
		sleep 0.01
	done
	progress
}

# An instance has exited: its slot leaves haproxy for good, it leaves the state.
gone() {
	local id=$1
	hap "set server be/${i_slot[$id]} state maint"
	svc_untrack_pid "${i_pid[$id]}"
	if [ "${i_served[$id]}" = 1 ]; then
		mark "old $id drained"
	else
		mark "instance $id stopped"
	fi
	forget_instance "$id"
	save_instances
}

# ---------------------------------------------------------------- readiness

# One probe round on every instance not being stopped: one curl each, in
# parallel, so a hung instance delays no other's verdict.
probe_round() {
	local id code
	local -A probe_pid=()
	for id in "${ids[@]}"; do
		[ "${i_phase[$id]}" != terminating ] || continue
		if ! svc_alive "${i_pid[$id]}"; then
			wait "${i_pid[$id]}" 2>/dev/null
			ev died "$id" "exit status $?"
			[ "${i_pool[$id]}" = 1 ] && pool_remove "$id"
			gone "$id"
			progress
			continue
		fi
		learn_port "$id"
		if [ "${i_rdy[$id]}" = http ] && [ "${i_port[$id]}" != - ]; then
			curl -s -o /dev/null -m "$probe_timeout_s" -w '%{http_code}' \
				"http://127.0.0.1:${i_port[$id]}$probe_path" >"$inst_dir/probe.${id/\#/-}" 2>/dev/null &
			probe_pid[$id]=$!
		fi
	done
	for id in "${!probe_pid[@]}"; do
		wait "${probe_pid[$id]}" 2>/dev/null
	done
	for id in "${ids[@]}"; do
		[ "${i_phase[$id]}" != terminating ] || continue
		if [ "${i_rdy[$id]}" = none ]; then
			[ "${i_port[$id]}" != - ] && [ "${i_phase[$id]}" = starting ] && became_ready "$id" "port open, no probe"
			continue
		fi
		code=000
		if [ -n "${probe_pid[$id]:-}" ]; then
			# curl's -w has no newline: read fails at EOF but fills code
			code=
			read -r code <"$inst_dir/probe.${id/\#/-}" 2>/dev/null || [ -n "$code" ] || code=000
			rm -f "$inst_dir/probe.${id/\#/-}"
		fi
		i_code[$id]=$code
		if [[ $code =~ ^[23][0-9][0-9]$ ]]; then
			i_ok[$id]=$((i_ok[$id] + 1))
			i_bad[$id]=0
			if [ "${i_phase[$id]}" != ready ] && [ "${i_ok[$id]}" -ge "$success_threshold" ]; then
				became_ready "$id" "probe $code"
			fi
		else
			i_bad[$id]=$((i_bad[$id] + 1))
			i_ok[$id]=0
			if [ "${i_phase[$id]}" = ready ] && [ "${i_bad[$id]}" -ge "$failure_threshold" ]; then
				i_phase[$id]=unready
				ev unready "$id" "probe $code, ${i_bad[$id]} in a row"
				[ "${i_pool[$id]}" = 1 ] && pool_remove "$id"
			fi
		fi
	done
}

became_ready() {
	local id=$1
	i_phase[$id]=ready
	ev ready "$id" "$2"
	pool_add "$id"
	is_new "$id" && progress
}

# ---------------------------------------------------------------- the rollout

progress_us=$t_start_us
progress() {
	progress_us=${EPOCHREALTIME/[.,]/}
}

stop_requested=0
trap 'stop_requested=1' INT TERM
check_stop() {
	[ "$stop_requested" = 1 ] || return 0
	save_instances
	ev stopped - "by a signal: instances left as they are"
	exit 143
}

# Counts (into globals): new/old, ready (in the pool) or not, not stopping.
count() {
	local id
	n_new=0 n_new_ready=0 n_old=0 n_old_ready=0 old_unready=() old_ready=() new_extra=()
	for id in "${ids[@]}"; do
		[ "${i_phase[$id]}" != terminating ] || continue
		if is_new "$id"; then
			n_new=$((n_new + 1))
			if [ "${i_pool[$id]}" = 1 ]; then
				n_new_ready=$((n_new_ready + 1))
				[ "$n_new_ready" -le "$replicas" ] || new_extra+=("$id")
			fi
		else
			n_old=$((n_old + 1))
			if [ "${i_pool[$id]}" = 1 ]; then
				n_old_ready=$((n_old_ready + 1))
				old_ready+=("$id")
			else
				old_unready+=("$id")
			fi
		fi
	done
}

# The rollout is complete (as counted last): the event, once.
completed=0
n_new_ready=0
rollout_done() {
	[ "$n_old" -eq 0 ] && [ "$n_new" -eq "$replicas" ] && [ "$n_new_ready" -eq "$replicas" ] || return 1
	[ "$completed" = 1 ] || ev rollout-complete - "$replicas of $version ready"
	completed=1
}

# Every 5 s without progress, a line for the human watching a stalled
# rollout: which instances are not ready, why, and when the deadline falls.
note_us=0
waiting_note() {
	local id why=() left_s
	if [ $((now_us - progress_us)) -lt 5000000 ] || [ $((now_us - note_us)) -lt 5000000 ]; then
		return 0
	fi
	note_us=$now_us
	for id in "${ids[@]}"; do
		if is_new "$id" && [ "${i_pool[$id]}" = 0 ] && [ "${i_phase[$id]}" != terminating ]; then
			why+=("$id (last probe: ${i_code[$id]:-none})")
		fi
	done
	[ ${#why[@]} -gt 0 ] || return 0
	left_s=$(((progress_us + deadline_us - now_us + 500000) / 1000000))
	printf '%s: %3d.%03ds %-17s %s not ready; progress deadline in %ss\n' "$prog" \
		$(((now_us - t_start_us) / 1000000)) $(((now_us - t_start_us) % 1000000 / 1000)) waiting \
		"${why[*]}" "$left_s" >&2
}

load_instances
ev rollout-start - "version=$version replicas=$replicas strategy=$strategy readiness=$readiness deadline=${deadline_s}s"

if [ "$strategy" = Recreate ]; then
	count
	if [ "$n_old" -gt 0 ]; then
		terminate "${old_unready[@]}" "${old_ready[@]}"
	fi
fi

# maxSurge 1: replicas + 1 instances at most while old ones remain.
surge() {
	local total=$((n_new + n_old))
	while [ "$total" -lt $((replicas + 1)) ] && [ "$n_new" -lt "$replicas" ]; do
		spawn
		total=$((total + 1))
		n_new=$((n_new + 1))
	done
}

# A rolling update starts on the state as loaded, as a Deployment controller
# acts on the status it has: old instances that are not ready go at once, and
# the new ReplicaSet scales up before any probe round. (An undo of a stalled
# rollout is complete right then.)
if [ "$strategy" = RollingUpdate ]; then
	count
	if [ ${#old_unready[@]} -gt 0 ]; then
		terminate "${old_unready[@]}"
		count
	fi
	surge
fi

next_tick_us=${EPOCHREALTIME/[.,]/}
while :; do
	check_stop
	# The deadline is checked when it falls, before another probe round: a
	# Deployment controller requeues itself for that moment and does not
	# wait for the kubelet's probes.
	now_us=${EPOCHREALTIME/[.,]/}
	if [ $((now_us - progress_us)) -ge "$deadline_us" ]; then
		ev deadline-exceeded - "no progress for ${deadline_s}s: $n_new_ready of $replicas new instances ready"
		save_instances
		exit 1
	fi
	probe_round
	check_stop
	count
	if rollout_done; then
		exit 0
	fi
	# Old instances that are not ready serve no one: stop them first.
	if [ ${#old_unready[@]} -gt 0 ]; then
		terminate "${old_unready[@]}"
		continue
	fi
	# maxUnavailable 0: an old one goes only when enough others are ready.
	if [ "$n_old_ready" -gt 0 ] && [ $((n_new_ready + n_old_ready)) -gt "$replicas" ]; then
		terminate "${old_ready[0]}"
		continue
	fi
	# Fewer replicas than ready new instances (--replicas lowered).
	if [ ${#new_extra[@]} -gt 0 ]; then
		terminate "${new_extra[0]}"
		continue
	fi
	surge
	now_us=${EPOCHREALTIME/[.,]/}
	waiting_note
	# Next probe round on the period's grid; wake up for the deadline too.
	next_tick_us=$((next_tick_us + period_us))
	[ "$next_tick_us" -gt "$now_us" ] || next_tick_us=$((now_us + period_us / 10))
	wake_us=$next_tick_us
	[ $((progress_us + deadline_us)) -ge "$wake_us" ] || wake_us=$((progress_us + deadline_us))
	nap_us=$((wake_us - now_us))
	if [ "$nap_us" -gt 0 ]; then
		printf -v nap '%d.%06d' $((nap_us / 1000000)) $((nap_us % 1000000))
		sleep "$nap"
	fi
done
