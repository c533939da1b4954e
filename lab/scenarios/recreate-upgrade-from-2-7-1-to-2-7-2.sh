#!/bin/bash
# lab/scenarios/recreate-upgrade-from-2-7-1-to-2-7-2.sh: negative control.
# The same upgrade as upgrade-from-2-7-1-to-2-7-2.sh with the Recreate
# strategy: every 2.7.1 instance is stopped before any 2.7.2 one starts.
# Expected: one downtime window, from the last old instance leaving the pool
# to the first new one joining it; the gate fails (exit 2).
# Logs: logs/recreate-upgrade-from-2-7-1-to-2-7-2.*
# shellcheck source-path=SCRIPTDIR source=../../upgrade/scenario.sh
. "$(dirname "$0")/../../upgrade/scenario.sh"
upgrade() {
	upgrade_rolling 2.7.2 --strategy Recreate
}
scenario_main recreate-upgrade-from-2-7-1-to-2-7-2 "$@"
