#!/bin/bash
# lab/scenarios/guarded-upgrade-from-2-7-2-to-2-8-0.sh: the no-readiness
# negative control under the live gate. 2.8.0 without its migration and
# without the readiness probe: the rollout completes and 2.8.0 answers 500 on
# /api/helpingmaterial, and this time nobody is watching (the steps would
# wait 30 s). pbprobe's --abort-on max-window=1s sees a second of errors,
# stops the steps, and runs this script's --undo (the rollout undo) while it
# keeps probing.
# Expected: pbprobe aborts and the rollback succeeds (the upgrade failed,
# exit 1 from the steps' side), users saw errors for about a second plus
# the rollback: the gate fails (exit 2), with fewer failed requests than
# the unguarded no-readiness control would let through in the same time.
# Logs: logs/guarded-upgrade-from-2-7-2-to-2-8-0.*
# shellcheck source-path=SCRIPTDIR source=../../upgrade/scenario.sh
. "$(dirname "$0")/../../upgrade/scenario.sh"
scenario_abort_on=(max-window=1s)
upgrade() {
	upgrade_rolling 2.8.0 --no-readiness || return
	step_mark "users see errors; nobody is watching"
	sleep 30
}
scenario_main guarded-upgrade-from-2-7-2-to-2-8-0 "$@"
