#!/bin/bash
# scripts/baseline.sh: no upgrade: the probers alone against the running
# release for $PBPROBE_BASELINE (default 60s), to find the rate the app
# carries before probing an upgrade at it (docs/kubernetes.md, "Choosing
# rates and timeouts"). Expected: exit 0, the gate passes. The steps are
# lab/scenarios/baseline.sh's; options and settings: scripts/scenario.sh
# --help.
exec "$(dirname "$0")/scenario.sh" baseline "$@"
