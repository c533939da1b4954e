#!/bin/bash
# lab/scenarios/upgrade-from-2-7-2-to-2-8-0.sh: the reference demo's step 3.
# The migration (alembic 8fe68fbf6baa: helpingmaterial.priority) runs first,
# while 2.7.2 serves (it never reads the new column); only if it succeeds is
# 2.8.0 rolled out. Expected: every response 200, the gate passes (exit 0).
# When the migration fails, nothing is rolled out and 2.7.2 keeps serving
# (exit 1). Logs: logs/upgrade-from-2-7-2-to-2-8-0.*
# shellcheck source-path=SCRIPTDIR source=../../upgrade/scenario.sh
. "$(dirname "$0")/../../upgrade/scenario.sh"
upgrade() {
	upgrade_with_migration 2.8.0
}
scenario_main upgrade-from-2-7-2-to-2-8-0 "$@"
