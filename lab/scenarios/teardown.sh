#!/bin/bash
# lab/scenarios/teardown.sh: the reference demo's bash/teardown.sh for the
# lab. Stops every process of the lab (the app instances, the rollout driver,
# haproxy, PostgreSQL) and removes its state; logs/ stays. Safe to repeat.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../../upgrade/steps.sh
. "$(dirname "$0")/../../upgrade/steps.sh"
steps_init || exit 1
platform_teardown || exit 1
echo "teardown: the lab is gone"
