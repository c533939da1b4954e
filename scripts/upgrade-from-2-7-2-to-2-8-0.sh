#!/bin/bash
# scripts/upgrade-from-2-7-2-to-2-8-0.sh: the reference demo's step 3 on a
# cluster: the migration Job (alembic upgrade head: 8fe68fbf6baa) first, the
# rollout to 2.8.0 only once it completed. Expected: exit 0, the gate passes; a
# failed migration rolls nothing out (exit 1). The steps are
# lab/scenarios/upgrade-from-2-7-2-to-2-8-0.sh's; options and settings:
# scripts/scenario.sh --help.
exec "$(dirname "$0")/scenario.sh" upgrade-from-2-7-2-to-2-8-0 "$@"
