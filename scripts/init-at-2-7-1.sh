#!/bin/bash
# scripts/init-at-2-7-1.sh: the reference demo's step 1 on a cluster: PyBossa
# 2.7.1's Deployment (manifests/overlays/2.7.1), waited for with kubectl
# rollout status. Exit 0 when every replica is ready. The steps are
# lab/scenarios/init-at-2-7-1.sh's; options and settings: scripts/scenario.sh
# --help.
exec "$(dirname "$0")/scenario.sh" init-at-2-7-1 "$@"
