#!/bin/bash
# scripts/scenario.sh: runs one of the reference demo's steps, or any scenario
# of lab/scenarios/, on a Kubernetes cluster. scripts/NAME.sh is
# `scenario.sh NAME`.
#
#   scripts/scenario.sh NAME [--platform kubernetes|lab] [--prober job|local]
#
# The scenario is lab/scenarios/NAME.sh, the same steps in the lab and on a
# cluster; the runner is upgrade/scenario.sh, whose --help says what the
# options do, which files land in logs/ and what the exit status means. Here
# the platform is kubernetes unless --platform or $PBPROBE_PLATFORM says lab.
# Exit 3 for a bad argument.
#
# Settings: see scripts/platform-kubernetes.sh (KUBECONFIG, namespace,
# registry...), and PB_BUILD (default <source>/build), where pbprobe and
# pbprobe-report are.
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
-*)
	echo "$prog: the scenario's name comes first (try --help)" >&2
	exit 3
	;;
esac
# Options go by the environment: the scenarios that do not probe (setup,
# init-at-2-7-1, teardown) take no argument, and the runner reads both.
export PBPROBE_PLATFORM=${PBPROBE_PLATFORM:-kubernetes}
while [ $# -gt 0 ]; do
	case $1 in
	--platform | --prober)
		[ $# -ge 2 ] || {
			echo "$prog: $1 needs a value (try --help)" >&2
			exit 3
		}
		if [ "$1" = --platform ]; then PBPROBE_PLATFORM=$2; else export PBPROBE_PROBER=$2; fi
		shift 2
		;;
	--platform=*)
		PBPROBE_PLATFORM=${1#*=}
		shift
		;;
	--prober=*)
		export PBPROBE_PROBER=${1#*=}
		shift
		;;
	-h | --help) usage 0 ;;
	*)
		echo "$prog: unknown argument $1 (try --help)" >&2
		exit 3
		;;
	esac
done
case $PBPROBE_PLATFORM in
lab | kubernetes) ;;
*)
	echo "$prog: --platform is lab or kubernetes, not \"$PBPROBE_PLATFORM\"" >&2
	exit 3
	;;
esac
case ${PBPROBE_PROBER:-job} in
job | local) ;;
*)
	echo "$prog: --prober is job or local, not \"$PBPROBE_PROBER\"" >&2
	exit 3
	;;
esac
script=$src/lab/scenarios/$name.sh
if [ ! -f "$script" ]; then
	echo "$prog: no scenario $name in lab/scenarios" >&2
	exit 3
fi
exec bash "$script"
