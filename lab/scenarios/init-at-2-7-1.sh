#!/bin/bash
# lab/scenarios/init-at-2-7-1.sh: the reference demo's step 1. Deploys
# PyBossa 2.7.1 (two replicas, readiness probe on /api/helpingmaterial) and
# prints the URL to inspect. Exit 0 when both replicas are ready, else 1.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../../upgrade/steps.sh
. "$(dirname "$0")/../../upgrade/steps.sh"
steps_init || exit 1
logs=${PBPROBE_LOGS:-$steps_src/logs}
mkdir -p "$logs" || exit 1
export PBPROBE_LAB_EVENTS=$logs/init-at-2-7-1.driver.tsv
rm -f "$PBPROBE_LAB_EVENTS"
step_rollout 2.7.1 || exit 1
step_wait_rollout || exit 1
platform_describe
echo "init-at-2-7-1: PyBossa 2.7.1 answers at $(platform_url)/"
