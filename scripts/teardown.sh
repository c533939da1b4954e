#!/bin/bash
# scripts/teardown.sh: the reference demo's bash/teardown.sh on a cluster:
# deletes everything setup and the upgrades created (by label; the namespace
# only if setup created it), the database's claim included. Safe to repeat. The
# steps are lab/scenarios/teardown.sh's; options and settings:
# scripts/scenario.sh --help.
exec "$(dirname "$0")/scenario.sh" teardown "$@"
