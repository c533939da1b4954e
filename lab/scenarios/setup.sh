#!/bin/bash
# lab/scenarios/setup.sh: the reference demo's bash/setup.sh for the lab.
# Starts PostgreSQL with PyBossa's 2.7 schema (alembic 52209719b79e) and the
# sample project, and haproxy as the Service, with no app behind it yet.
# Next: init-at-2-7-1.sh. Exit 0 set up, 1 failed (nothing left running).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../../upgrade/steps.sh
. "$(dirname "$0")/../../upgrade/steps.sh"
steps_init || exit 1
platform_setup || exit 1
echo "setup: the lab is up; the Service is at $(platform_url)/ (connections closed unanswered until init-at-2-7-1.sh)"
