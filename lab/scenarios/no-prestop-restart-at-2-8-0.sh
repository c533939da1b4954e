#!/bin/bash
# lab/scenarios/no-prestop-restart-at-2-8-0.sh: negative control, run after
# the 2.8.0 upgrades. Kubernetes deletes a pod's endpoint and sends its
# SIGTERM at the same time; the endpoint reaches every node's kube-proxy a
# moment later (the endpoint lag). preStop exists to outlast that lag.
# First the Deployment moves to a template without preStop whose app dies at
# once on SIGTERM: safe, since the pods it replaces have the 0.5 s preStop.
# Then it moves back: the pods without preStop are deleted, and each refuses
# connections from its SIGTERM until its endpoint is gone, which the Service
# (no retries, like a ClusterIP) hands on: connections closed unanswered.
# Expected: failed requests on both targets (reset), each between a pod's
# SIGTERM and its endpoint's removal; the gate fails (exit 2).
# Logs: logs/no-prestop-restart-at-2-8-0.*
# shellcheck source-path=SCRIPTDIR source=../../upgrade/scenario.sh
. "$(dirname "$0")/../../upgrade/scenario.sh"
# 200-400 ms: longer than the default, so each pod refuses for long enough
# to be seen at any rate the lab uses, and still below the 0.5 s preStop of
# the pods the first step replaces
export PBPROBE_LAB_ENDPOINT_LAG=${PBPROBE_LAB_ENDPOINT_LAG:-0.2-0.4}
upgrade() {
	upgrade_rolling 2.8.0 --prestop 0 --on-sigterm exit || return
	step_mark "pods without preStop serve"
	upgrade_rolling 2.8.0
}
scenario_main no-prestop-restart-at-2-8-0 "$@"
