#!/bin/bash
# scripts/upgrade-from-2-7-1-to-2-7-2.sh: the reference demo's step 2 on a
# cluster: a plain rolling update to 2.7.2 (maxSurge 1, maxUnavailable 0,
# readiness on /api/helpingmaterial), probed. Expected: exit 0, the gate
# passes. The steps are lab/scenarios/upgrade-from-2-7-1-to-2-7-2.sh's; options
# and settings: scripts/scenario.sh --help.
exec "$(dirname "$0")/scenario.sh" upgrade-from-2-7-1-to-2-7-2 "$@"
