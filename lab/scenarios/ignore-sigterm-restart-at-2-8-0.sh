#!/bin/bash
# lab/scenarios/ignore-sigterm-restart-at-2-8-0.sh: a control that must PASS,
# run after the 2.8.0 upgrades. PyBossa 2.7's `python run.py`, a container's
# PID 1, ignores SIGTERM: a deleted pod without preStop keeps serving until
# SIGKILL ends its grace period, long after its endpoint is gone. A new
# connection never finds it refusing, so no user who opens one sees an
# error: the cost is time (every deleted pod lingers for the grace period),
# not availability. (A kept-alive client would keep its connection to the
# pod until SIGKILL cuts it; the lab's prober opens a new one per request.)
# First the Deployment moves to a template without preStop whose app ignores
# SIGTERM; then back: those pods are deleted and killed at the grace period.
# Expected: every response 200, the gate passes (exit 0); each of those pods
# SIGKILLed after its endpoint left the Service.
# Logs: logs/ignore-sigterm-restart-at-2-8-0.*
# shellcheck source-path=SCRIPTDIR source=../../upgrade/scenario.sh
. "$(dirname "$0")/../../upgrade/scenario.sh"
upgrade() {
	upgrade_rolling 2.8.0 --prestop 0 --on-sigterm ignore || return
	step_mark "pods that ignore SIGTERM serve"
	upgrade_rolling 2.8.0
}
scenario_main ignore-sigterm-restart-at-2-8-0 "$@"
