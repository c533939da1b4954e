#!/bin/bash
# scripts/guarded-upgrade-from-2-7-2-to-2-8-0.sh: the no-readiness negative
# control under pbprobe's live gate, on a cluster: 2.8.0 without its migration
# and without readiness, and nobody watching; pbprobe aborts on a 1 s
# downtime window, stops the steps and runs `kubectl rollout undo` (the
# scenario's --undo) while it keeps probing. The rollback must run beside the
# prober: --prober local, with PBPROBE_K8S_URL (or PBPROBE_K8S_EXPOSE=nodeport).
# Expected: exit 2 (users saw errors until the undo) and, in the output, "the
# live gate aborted the upgrade, and the rollback succeeded". The steps are
# lab/scenarios/guarded-upgrade-from-2-7-2-to-2-8-0.sh's; options and
# settings: scripts/scenario.sh --help.
exec "$(dirname "$0")/scenario.sh" guarded-upgrade-from-2-7-2-to-2-8-0 "$@"
