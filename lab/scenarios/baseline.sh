#!/bin/bash
# lab/scenarios/baseline.sh: no upgrade: the prober alone against the app as
# it runs, for $PBPROBE_BASELINE (default 60s). Run it before choosing the
# rate to probe an upgrade at: the probe is load on top of your users', and a
# rate the app cannot carry is an outage the prober makes itself. Raise the
# rate run by run; the highest at which the gate passes with a p99 latency
# well under the timeout is what the app sustains; probe upgrades at half of
# it. Expected: gate PASS (exit 0). Logs: logs/baseline.*
# shellcheck source-path=SCRIPTDIR source=../../upgrade/scenario.sh
. "$(dirname "$0")/../../upgrade/scenario.sh"
baseline_length=${PBPROBE_BASELINE:-60s}
scenario_check() {
	[[ $baseline_length =~ ^[0-9]+(\.[0-9]+)?[smh]?$ ]] && return 0
	scenario_say "baseline: PBPROBE_BASELINE is a duration (90, 90s, 5m), not \"$baseline_length\""
	return 1
}
upgrade() {
	step_mark "baseline for $baseline_length"
	sleep "$baseline_length" || return 3
	step_mark "baseline end"
}
scenario_main baseline "$@"
