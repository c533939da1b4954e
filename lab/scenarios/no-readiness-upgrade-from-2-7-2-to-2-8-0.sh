#!/bin/bash
# lab/scenarios/no-readiness-upgrade-from-2-7-2-to-2-8-0.sh: negative control.
# 2.8.0 without its migration and without the readiness probe: nothing holds
# the rollout back, so it completes, and 2.8.0 answers 500 on
# /api/helpingmaterial (its column does not exist) while the home page stays
# 200. Two seconds later the operator rolls back to 2.7.2.
# Without a probe each 2.8.0 instance is routed to as soon as it starts, and
# refuses connections until it listens (failed requests on both targets:
# the Service closes them unanswered).
# Expected: those refusals, then 500s on api only; the gate fails (exit 2).
# Logs: logs/no-readiness-upgrade-from-2-7-2-to-2-8-0.*
# shellcheck source-path=SCRIPTDIR source=../../upgrade/scenario.sh
. "$(dirname "$0")/../../upgrade/scenario.sh"
upgrade() {
	upgrade_rolling 2.8.0 --no-readiness || return
	step_mark "users see errors"
	sleep 2
	step_undo
}
scenario_main no-readiness-upgrade-from-2-7-2-to-2-8-0 "$@"
