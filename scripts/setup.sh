#!/bin/bash
# scripts/setup.sh: the reference demo's bash/setup.sh on a cluster: namespace,
# Secrets, PostgreSQL, Redis, settings, the Service, and the database as
# PyBossa 2.7.1 creates it (manifests/overlays/2.7.1). Next: init-at-2-7-1.sh.
# The steps are lab/scenarios/setup.sh's; options and settings:
# scripts/scenario.sh --help.
exec "$(dirname "$0")/scenario.sh" setup "$@"
