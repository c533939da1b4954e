#!/bin/bash
# scripts/failing-upgrade-from-2-7-2-to-2-8-0.sh: the reference demo's failing
# step 3 on a cluster: 2.8.0 rolled out without its migration. Its pods answer
# 500 on /api/helpingmaterial, never get ready, the rollout passes its 90 s
# progress deadline and is undone (the reference demo only stalled). Expected:
# exit 1 (failed safely) with every response 200 (the gate passes). The steps
# are lab/scenarios/failing-upgrade-from-2-7-2-to-2-8-0.sh's; options and
# settings: scripts/scenario.sh --help.
exec "$(dirname "$0")/scenario.sh" failing-upgrade-from-2-7-2-to-2-8-0 "$@"
