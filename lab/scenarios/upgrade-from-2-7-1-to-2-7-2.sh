#!/bin/bash
# lab/scenarios/upgrade-from-2-7-1-to-2-7-2.sh: the reference demo's step 2.
# 2.7.2 needs no migration: a plain rolling update (maxSurge 1,
# maxUnavailable 0, readiness on /api/helpingmaterial).
# Expected: the rollout completes, every response is 200, the gate passes
# (exit 0). Logs: logs/upgrade-from-2-7-1-to-2-7-2.*
# shellcheck source-path=SCRIPTDIR source=../../upgrade/scenario.sh
. "$(dirname "$0")/../../upgrade/scenario.sh"
upgrade() {
	upgrade_rolling 2.7.2
}
scenario_main upgrade-from-2-7-1-to-2-7-2 "$@"
