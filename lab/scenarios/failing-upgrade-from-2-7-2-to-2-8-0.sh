#!/bin/bash
# lab/scenarios/failing-upgrade-from-2-7-2-to-2-8-0.sh: the reference demo's
# failing step 3. 2.8.0 rolled out without its migration: its instances
# answer 500 on /api/helpingmaterial, so they never pass the readiness probe
# and never get traffic; after progressDeadlineSeconds (45 s) the rollout is
# undone and the 2.7.2 instances, which never stopped, keep serving.
# Expected: the script fails (exit 1) while every response is 200 (the gate
# passes). Logs: logs/failing-upgrade-from-2-7-2-to-2-8-0.*
# shellcheck source-path=SCRIPTDIR source=../../upgrade/scenario.sh
. "$(dirname "$0")/../../upgrade/scenario.sh"
upgrade() {
	upgrade_rolling 2.8.0
}
scenario_main failing-upgrade-from-2-7-2-to-2-8-0 "$@"
