#!/bin/bash
# lab/scenarios/migration-after-upgrade-from-2-7-2-to-2-8-0.sh: negative
# control. The right migration in the wrong order: 2.8.0 rolled out first
# (without the readiness probe, which would have held it back), the
# migration after. Expected: refused connections while each 2.8.0 instance
# starts (routed before it listens, having no probe), 500s on /api/helpingmaterial from the
# first 2.8.0 instance joining the pool until the migration ends; the gate
# fails (exit 2). Logs: logs/migration-after-upgrade-from-2-7-2-to-2-8-0.*
# shellcheck source-path=SCRIPTDIR source=../../upgrade/scenario.sh
. "$(dirname "$0")/../../upgrade/scenario.sh"
upgrade() {
	upgrade_rolling 2.8.0 --no-readiness || return
	# the migration as the separate, later step it is when forgotten
	sleep 1
	step_migrate 2.8.0
}
scenario_main migration-after-upgrade-from-2-7-2-to-2-8-0 "$@"
