#!/bin/bash
# pbprobe-job: pbprobe's life inside a Kubernetes Job pod (job.yaml), driven
# from outside with `kubectl exec`. Installed as pbprobe-job beside pbprobe
# (make install, the Debian package, the image); pbprobe-job(1).
#
#   pbprobe-job run [PBPROBE-OPTION...] TARGET...
#       The container's command. Runs pbprobe with the options and targets,
#       wrapping a placeholder command ("hold") so that probing lasts until
#       `pbprobe-job stop`, the lead and tail are pbprobe's own, and markers
#       work. The log goes to
#       $PBPROBE_LOG_DIR/$PBPROBE_RUN-$JOB_COMPLETION_INDEX.log and is
#       streamed to stdout as it grows. Once pbprobe has exited, waits for
#       `pbprobe-job collected` (at most PBPROBE_JOB_LINGER) so that the log
#       can be read from the volume, then exits with pbprobe's status.
#   pbprobe-job ready    exit 0 once probing has started and the lead is over
#   pbprobe-job mark TEXT...
#                        markers on this pod's timeline (pbprobe mark), in
#                        order: one exec for a burst of them. A TEXT
#                        may be a line as `pbprobe mark` writes it,
#                        "@WALL_US TEXT": the marker then keeps that time, the
#                        driver's, rather than the moment it arrived here
#   pbprobe-job stop     end probing; pbprobe probes --tail more, then exits
#   pbprobe-job wait     block until pbprobe has exited; print its status
#   pbprobe-job cat      print the log file
#   pbprobe-job collected
#                        let `run` exit: the log has been copied out
#
# Environment: PBPROBE_LOG_DIR (default /var/log/pbprobe), PBPROBE_RUN
# (default probe), JOB_COMPLETION_INDEX (set by an Indexed Job; default 0),
# PBPROBE_JOB_MAX (default 30m: probing stops by itself after this long, in
# sleep(1) units), PBPROBE_JOB_LINGER (default 10m), PBPROBE_JOB_STATE
# (default /tmp/pbprobe-job).
#
# stdout carries the log and nothing else: `kubectl logs` of a pod is a log
# pbprobe-report reads. Exit status: pbprobe's for `run`; 0 or 1 for the
# others, 2 for a usage error.

# The `bash -c '...'` bodies below use their own positional parameters.
# shellcheck disable=SC2016
set -u

state=${PBPROBE_JOB_STATE:-/tmp/pbprobe-job}
log_dir=${PBPROBE_LOG_DIR:-/var/log/pbprobe}
log=$log_dir/${PBPROBE_RUN:-probe}-${JOB_COMPLETION_INDEX:-0}.log

die() {
	echo "pbprobe-job: $*" >&2
	exit 1
}

# The placeholder command: its life is the upgrade's. pbprobe gives it the
# marker FIFO in PBPROBE_MARK, which `mark` needs from another process.
job_hold() {
	local sleeper
	printf '%s\n' "${PBPROBE_MARK:?hold runs under pbprobe}" >"$state/mark-path.tmp" &&
		mv "$state/mark-path.tmp" "$state/mark-path" || exit 1
	sleep "${PBPROBE_JOB_MAX:-30m}" &
	sleeper=$!
	trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM INT
	echo "$$" >"$state/hold.pid"
	wait "$sleeper"
	pbprobe mark "pbprobe-job: PBPROBE_JOB_MAX (${PBPROBE_JOB_MAX:-30m}) reached without a stop"
	exit 0
}

job_run() {
	local pid tailer rc linger
	[ $# -gt 0 ] || {
		echo "usage: pbprobe-job run [PBPROBE-OPTION...] TARGET..." >&2
		exit 2
	}
	mkdir -p "$state" "$log_dir" || exit 1
	rm -f "$state"/mark-path "$state"/hold.pid "$state"/status "$state"/collected
	# -q: pbprobe's summary would go to stderr, which `kubectl logs` mixes
	# into the log on stdout.
	pbprobe -q -o "$log" "$@" -- "$0" hold &
	pid=$!
	# Deleting the pod (SIGTERM) or Ctrl-C ends probing the way pbprobe
	# documents: requests in flight finish, the log is flushed.
	trap 'kill -INT "$pid" 2>/dev/null' TERM INT
	# By name and with retries: the log may not exist yet. --pid: tail reads
	# to the end once more after pbprobe is gone, then exits.
	tail -n +1 -F --pid="$pid" "$log" 2>/dev/null &
	tailer=$!
	# wait returns early when a trapped signal arrives: wait again.
	while :; do
		wait "$pid"
		rc=$?
		kill -0 "$pid" 2>/dev/null || break
	done
	wait "$tailer"
	echo "$rc" >"$state/status.tmp" && mv "$state/status.tmp" "$state/status"
	# Stay up until the driver has copied the log out of the volume, which
	# is gone with the pod; a signal now means nobody will.
	linger=${PBPROBE_JOB_LINGER:-10m}
	timeout "$linger" bash -c 'while [ ! -e "$1" ]; do sleep 0.2; done' _ "$state/collected" &
	watcher=$!
	# the watcher goes with us: timeout passes the TERM on to its loop
	trap 'kill "$watcher" 2>/dev/null; exit "$rc"' TERM INT
	wait "$watcher"
	exit "$rc"
}

case ${1:-} in
run)
	shift
	job_run "$@"
	;;
hold)
	job_hold
	;;
ready)
	[ -s "$state/hold.pid" ]
	;;
mark)
	[ $# -ge 2 ] || {
		echo "usage: pbprobe-job mark TEXT..." >&2
		exit 2
	}
	[ -s "$state/mark-path" ] || die "not probing yet (no marker FIFO)"
	fifo=$(cat "$state/mark-path")
	shift
	for text; do
		if [[ $text =~ ^@[0-9]+\ [^$'\n']+$ ]]; then
			# One short write to a FIFO is atomic; a FIFO nobody reads any
			# more would block the open forever.
			timeout 5 bash -c 'printf "%s\n" "$2" >"$1"' _ "$fifo" "$text" || die "cannot write to $fifo"
		else
			PBPROBE_MARK=$fifo pbprobe mark "$text" || exit
		fi
	done
	;;
stop)
	[ -s "$state/hold.pid" ] || die "not probing yet"
	kill -TERM "$(cat "$state/hold.pid")" 2>/dev/null || [ -e "$state/status" ] ||
		die "cannot stop the placeholder command"
	;;
wait)
	while [ ! -s "$state/status" ]; do
		sleep 0.2
	done
	cat "$state/status"
	;;
cat)
	cat -- "$log"
	;;
collected)
	[ -d "$state" ] || die "no state in $state"
	touch "$state/collected"
	;;
-h | --help)
	# this file's opening comment is the help
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
	;;
*)
	echo "usage: pbprobe-job run|ready|mark TEXT|stop|wait|cat|collected (see --help)" >&2
	exit 2
	;;
esac
