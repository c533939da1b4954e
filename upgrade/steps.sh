# shellcheck shell=bash
# upgrade/steps.sh: the upgrade steps, written once for every platform. The
# scenarios (lab/scenarios/, run in the lab or, through scripts/, on a
# cluster) run the same steps; only the platform underneath differs, chosen
# by PBPROBE_PLATFORM and loaded by steps_init:
#   lab         lab/platform-lab.sh (haproxy, PostgreSQL, app processes)
#   kubernetes  scripts/platform-kubernetes.sh (kubectl)
# upgrade/ is neither platform's: both platforms' scripts use it, it uses
# each platform only through the interface below.
#
# The platform interface: a platform file defines these functions. Each
# returns 0 or non-zero with one line on stderr saying why.
#   platform_init           once per script, first: check tools; the lab also
#                           takes its lock (one script at a time)
#   platform_setup          database (PyBossa's schema at 52209719b79e and the
#                           sample data) and the Service, no app yet
#   platform_teardown       stop and delete everything; safe to repeat
#   platform_url            print the Service's base URL, without a trailing /
#   platform_db_conninfo    (optional) print a libpq conninfo of the database
#                           the prober can reach; none: the database is not
#                           watched
#   platform_deploy VERSION [--strategy RollingUpdate|Recreate] [--no-readiness]
#                   [--replicas N] [--prestop SECS] [--on-sigterm drain|ignore|exit]
#                           set the Deployment's pod template to VERSION
#                           (with its readinessProbe httpGet
#                           /api/helpingmaterial unless --no-readiness) and
#                           return at once, like kubectl apply of a manifest:
#                           an option not given takes its default
#                           (RollingUpdate with maxSurge 1, maxUnavailable 0;
#                           2 replicas); the progress deadline is the
#                           platform's (the lab's 45 s; the manifests' 90 s);
#                           --prestop (the template's preStop pause) and
#                           --on-sigterm (what its app does on SIGTERM) are
#                           the lab's only
#   platform_rollout_status SECS
#                           wait for the rollout, like kubectl rollout status
#                           --timeout: 0 complete, 1 stalled (the Deployment's
#                           Progressing condition says ProgressDeadlineExceeded),
#                           2 still progressing after SECS, 3 error
#   platform_rollout_undo   back to the previous revision, like kubectl
#                           rollout undo; returns at once (then wait with
#                           platform_rollout_status)
#   platform_migrate VERSION
#                           run VERSION's database migrations to the end
#                           (alembic upgrade head; a Job on a cluster): 0 done
#                           or nothing to do, non-zero failed (the database is
#                           left as it was: each revision is one transaction)
#   platform_describe       print the Deployment, its instances and the
#                           Service's endpoints, for humans
#   platform_events_start FIFO
#                           (optional) start watching what the platform does
#                           (the cluster's events, pods' readiness, the
#                           Deployment's progress; the lab driver's events) in
#                           background processes, their pids added to
#                           steps_events_pids, that write one event a line to
#                           FIFO: "TEXT" (at its arrival) or "@WALL_US TEXT"
#                           (the event's own time); they end when killed
#                           (TERM), passing on what they have first; those
#                           that end by themselves once the killed ones have
#                           (a converter at its input's end) in
#                           steps_events_drain_pids instead
#   platform_events_source  (with it) print the events' source: k8s, lab
#
# Steps (each marks the prober's timeline when run under `pbprobe -- ...`):
#   steps_init                      load the platform, platform_init
#   steps_events_start, steps_events_stop
#                                   the platform's events as marks "[SOURCE]
#                                   TEXT" while the steps run (unless
#                                   PBPROBE_EVENTS=0): pbprobe-report keeps
#                                   them apart from the steps' marks
#   step_mark TEXT                  a marker, and a timestamped line on stderr
#   step_migrate VERSION            "migration start", platform_migrate,
#                                   "migration end" or "migration failed"
#   step_rollout VERSION [OPTION...]  "rollout to VERSION", platform_deploy;
#                                   "rollout not started" when it refused
#   step_wait_rollout [SECS]        platform_rollout_status (default
#                                   $PBPROBE_ROLLOUT_TIMEOUT, 600 s): "rollout
#                                   complete", "rollout stalled" (the progress
#                                   deadline passed) or "rollout still in
#                                   progress" (SECS passed first)
#   step_undo [SECS]                "rollout undo", platform_rollout_undo, wait,
#                                   "rollout undone"
# Upgrades, returning 0 done, 1 failed safely (nothing rolled out, or rolled
# back), 3 the platform failed:
#   upgrade_rolling VERSION [OPTION...]
#                                   roll out; if it stalls (the progress
#                                   deadline, and only that), undo it. Still
#                                   in progress after the timeout: left as it
#                                   is, status 3 (undoing a rollout that is
#                                   making progress would turn a slow good
#                                   release, such as image pulls on new nodes,
#                                   into a failed one)
#   upgrade_with_migration VERSION [OPTION...]
#                                   migrate first; when the migration fails,
#                                   roll nothing out; then upgrade_rolling

steps_src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Loads the platform file once, when the platform is known: a scenario's
# --platform is parsed after this file is sourced.
steps_platform() {
	[ -z "${steps_platform_loaded:-}" ] || return 0
	case ${PBPROBE_PLATFORM:-lab} in
	lab)
		# shellcheck source-path=SCRIPTDIR source=../lab/platform-lab.sh
		. "$steps_src/lab/platform-lab.sh"
		;;
	kubernetes)
		# shellcheck source-path=SCRIPTDIR source=../scripts/platform-kubernetes.sh
		. "$steps_src/scripts/platform-kubernetes.sh"
		;;
	*)
		echo "steps: PBPROBE_PLATFORM is lab or kubernetes, not \"$PBPROBE_PLATFORM\"" >&2
		return 3
		;;
	esac
	steps_platform_loaded=${PBPROBE_PLATFORM:-lab}
}

steps_init() {
	steps_platform || return
	platform_init
}

# Wall-clock time of day with milliseconds, for the human reading along.
steps_clock() {
	local t=${EPOCHREALTIME/[.,]/}
	printf '%(%H:%M:%S)T.%03d' $((t / 1000000)) $((t % 1000000 / 1000))
}

step_say() {
	printf 'steps: %s %s\n' "$(steps_clock)" "$*" >&2
}

step_mark() {
	step_say "$*"
	[ -n "${PBPROBE_MARK:-}" ] || return 0
	"${PB_BUILD:-$steps_src/build}/pbprobe" mark "$*" || step_say "(could not mark the timeline)"
}

# The platform's events, forwarded to the prober as marks "[SOURCE] TEXT"
# (docs/log-format.md): the same mechanism for the cluster's and the lab
# driver's. Nothing when the steps are not probed or the platform has none.
steps_events_start() {
	steps_events_pids=()
	steps_events_drain_pids=()
	steps_events_dir=
	[ -n "${PBPROBE_MARK:-}" ] && [ "${PBPROBE_EVENTS:-1}" != 0 ] || return 0
	declare -F platform_events_start >/dev/null || return 0
	steps_events_dir=$(mktemp -d "${TMPDIR:-/tmp}/pbprobe-events.XXXXXX") || return 0
	mkfifo "$steps_events_dir/events" || return 0
	steps_events_forward "$(platform_events_source)" "$steps_events_dir/events" &
	steps_events_forwarder=$!
	if ! platform_events_start "$steps_events_dir/events"; then
		step_say "(the platform's events are not on the timeline: their watch did not start)"
	fi
}

# steps_events_forward SOURCE FIFO: reads the watchers' lines, writes marks,
# until the line "@@end". Each mark carries its time ("@WALL_US"): the
# watcher's, else its arrival here, so that a relay to a prober in a pod
# (upgrade/scenario.sh) does not move it. An Event again within 5 s, its count
# gone up (a probe failing every period: "... (x2)"), is dropped: the first
# says when it began. State changes (a pod Ready, NotReady) are never dropped.
steps_events_forward() {
	local source=$1 line at text key now fd in
	local -A last=()
	# read and write: no watcher blocks on opening it, and no watcher's end
	# ends it (the watch of one kind of object may end before another's)
	exec {in}<>"$2" || return 0
	exec {fd}>"$PBPROBE_MARK" || return 0
	while IFS= read -r -u "$in" line; do
		[ "$line" != "@@end" ] || break
		now=${EPOCHREALTIME/[.,]/}
		at=$now
		if [[ $line =~ ^@([0-9]+)\ (.*)$ ]]; then
			at=${BASH_REMATCH[1]}
			line=${BASH_REMATCH[2]}
		fi
		text=${line//[$'\t\r']/ }
		[ -n "$text" ] || continue
		if [[ $text =~ ^(.*)\ \(x[0-9]+\)$ ]]; then
			key=${BASH_REMATCH[1]}
			if [ -n "${last[$key]:-}" ] && [ $((now - ${last[$key]})) -lt 5000000 ]; then
				continue
			fi
		else
			key=$text
		fi
		last[$key]=$now
		printf '@%s [%s] %.400s\n' "$at" "$source" "$text" >&"$fd" || break
	done
	exec {fd}>&-
}

# Stops the watchers, then lets the forwarder pass on what they wrote.
steps_events_stop() {
	[ -n "${steps_events_dir:-}" ] || return 0
	local pid
	for pid in "${steps_events_pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${steps_events_pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	# the converters end at their watch's end, once they have passed on its
	# last events; one that does not, within 2 s, is killed
	local i alive
	for ((i = 0; i < 20; i++)); do
		alive=0
		for pid in "${steps_events_drain_pids[@]}"; do
			! kill -0 "$pid" 2>/dev/null || alive=1
		done
		[ "$alive" = 1 ] || break
		sleep 0.1
	done
	for pid in "${steps_events_drain_pids[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# the forwarder passes on what is queued, then ends; one stuck on a full
	# mark FIFO (a prober that stopped reading) does not hold the steps, and
	# one already gone (the steps' group was signalled) holds no reader
	# shellcheck disable=SC2016 # the inner shell's $1
	if kill -0 "$steps_events_forwarder" 2>/dev/null; then
		timeout 2 bash -c 'printf "@@end\n" >"$1"' _ "$steps_events_dir/events" ||
			kill "$steps_events_forwarder" 2>/dev/null
	fi
	for ((i = 0; i < 50; i++)); do
		kill -0 "$steps_events_forwarder" 2>/dev/null || break
		sleep 0.1
	done
	kill "$steps_events_forwarder" 2>/dev/null
	wait "$steps_events_forwarder" 2>/dev/null
	rm -rf "$steps_events_dir"
	steps_events_dir=
}

step_migrate() {
	local version=${1:?step_migrate needs VERSION}
	step_mark "migration start"
	if platform_migrate "$version"; then
		step_mark "migration end"
		return 0
	fi
	step_mark "migration failed"
	return 1
}

step_rollout() {
	local version=${1:?step_rollout needs VERSION}
	shift
	step_mark "rollout to $version${1:+ ($*)}"
	if ! platform_deploy "$version" "$@"; then
		step_mark "rollout not started"
		return 1
	fi
}

# How long a step waits for a rollout: a bound on the wait, never a verdict
# on the rollout (the progress deadline is that). Above the longest good
# rollout: replicas x (image pull + start + readiness + minReadySeconds).
steps_rollout_timeout() {
	printf '%s\n' "${PBPROBE_ROLLOUT_TIMEOUT:-600}"
}

# shellcheck disable=SC2120 # SECS: for scripts that want another limit
step_wait_rollout() {
	local rc=0 secs=${1:-$(steps_rollout_timeout)}
	platform_rollout_status "$secs" || rc=$?
	case $rc in
	0) step_mark "rollout complete" ;;
	1) step_mark "rollout stalled: progress deadline exceeded" ;;
	2) step_mark "rollout still in progress after ${secs}s: not undone" ;;
	*) step_mark "rollout failed" ;;
	esac
	return "$rc"
}

# shellcheck disable=SC2120 # SECS: as for step_wait_rollout
step_undo() {
	local rc=0
	step_mark "rollout undo"
	platform_rollout_undo || return 3
	platform_rollout_status "${1:-$(steps_rollout_timeout)}" || rc=$?
	if [ "$rc" = 0 ]; then
		step_mark "rollout undone"
		return 0
	fi
	step_mark "rollout undo failed"
	return 3
}

upgrade_rolling() {
	local rc=0
	step_rollout "$@" || return 3
	step_wait_rollout || rc=$?
	case $rc in
	0) return 0 ;;
	1)
		step_undo || return 3
		step_say "the rollout to $1 did not complete and was undone"
		return 1
		;;
	2)
		step_say "the rollout to $1 is still making progress: left as it is, not undone; wait for it (kubectl rollout status) or undo it by hand"
		return 3
		;;
	*) return 3 ;;
	esac
}

upgrade_with_migration() {
	if ! step_migrate "$1"; then
		step_say "the migration failed: nothing rolled out"
		return 1
	fi
	upgrade_rolling "$@"
}
