#!/bin/bash
# The main job: on a fresh Debian 12 machine, as root, `./demo.sh` installs
# what it needs, builds pbprobe, and runs every upgrade of the lab
# (lab/README.md) under the prober: the reference demo's three upgrades, which
# must leave users unharmed, the negative controls, whose harm pbprobe
# must catch, and one of them again under pbprobe's live gate (--abort-on),
# which stops it and rolls it back by itself. For each: the report, its verdict, where its plot and its HTML report are. Exit 0
# when every outcome is the expected one, 1 when any differs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

# shellcheck source=.ci/deps.sh
. .ci/deps.sh
deps_install

# PB_BUILD: an existing build to use as it is (default: build/, made here).
if [ -z "${PB_BUILD:-}" ] && {
	[ ! -x build/pbprobe ] || [ ! -x build/pbprobe-report ] || [ ! -x build/lab/pybossa-standin ] ||
		[ -n "$(find probe lib report lab/app -newer build/pbprobe -name '*.[ch]' 2>/dev/null | head -n 1)" ]
}; then
	echo "demo: building"
	[ -x configure ] || autoreconf -fi >/dev/null
	mkdir -p build
	(cd build && { [ -f Makefile ] || ../configure -q; } && make -j2 -s >/dev/null)
fi

export PB_BUILD=${PB_BUILD:-$here/build}
export PBPROBE_LOGS=$here/logs
# In /tmp, not in the checkout: PostgreSQL runs as its own user, which cannot
# reach a checkout under /root.
PBPROBE_LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pbprobe-demo.XXXXXX")
export PBPROBE_LAB_DIR
trap 'lab/scenarios/teardown.sh >/dev/null 2>&1 || true; rm -rf "$PBPROBE_LAB_DIR"' EXIT
mkdir -p "$PBPROBE_LOGS"

# name, expected exit status (upgrade/scenario.sh: 0 completed and gate passed,
# 1 failed safely with the gate passed, 2 gate failed), and why.
scenarios=(
	"setup 0 -"
	"init-at-2-7-1 0 -"
	"upgrade-from-2-7-1-to-2-7-2 0 safe: a plain rolling update"
	"failing-upgrade-from-2-7-2-to-2-8-0 1 safe: 2.8.0 never ready without its migration, rolled back"
	"upgrade-from-2-7-2-to-2-8-0 0 safe: the migration first, then the rollout"
	"teardown 0 -"
	"setup 0 -"
	"init-at-2-7-1 0 -"
	"recreate-upgrade-from-2-7-1-to-2-7-2 2 negative control: Recreate stops every old instance first"
	"no-readiness-upgrade-from-2-7-2-to-2-8-0 2 negative control: no migration and no readiness probe"
	"guarded-upgrade-from-2-7-2-to-2-8-0 2 the same under the live gate: pbprobe aborts and rolls back"
	"migration-after-upgrade-from-2-7-2-to-2-8-0 2 negative control: the migration after the rollout"
	"no-prestop-restart-at-2-8-0 2 negative control: pods without preStop die before their endpoints go"
	"ignore-sigterm-restart-at-2-8-0 0 control: pods without preStop ignore SIGTERM, killed at the grace period"
	"teardown 0 -"
)

# What users saw, per target, from the JSON report (with jq, when there).
evidence() {
	command -v jq >/dev/null 2>&1 && [ -s "$1" ] || return 0
	jq -r '[.targets[] | if .failed == 0 then "\(.name): none of \(.requests) failed"
		else "\(.name): \(.failed) of \(.requests) failed (" +
			([.status | to_entries[] | select(.key != "200") | "\(.value)x\(.key)"] +
			 [.errors | to_entries[] | "\(.value)x\(.key)"] | join(", ")) +
			"), \(.windows_count) window(s), longest \(.longest_window_s)s" end] | join("; ")' "$1"
}

outcome() {
	case $1 in
	0) echo "completed, gate PASS" ;;
	1) echo "failed safely, gate PASS" ;;
	2) echo "gate FAIL" ;;
	*) echo "lab error (exit $1)" ;;
	esac
}

summary=()
differ=0
t0=$SECONDS
for line in "${scenarios[@]}"; do
	read -r name want why <<<"$line"
	echo
	echo "demo: ---------------------------------------------------------------- $name"
	[ "$why" = - ] || echo "demo: $why"
	rc=0
	"lab/scenarios/$name.sh" || rc=$?
	case $name in
	setup | init-at-2-7-1 | teardown)
		if [ "$rc" != 0 ]; then
			echo "demo: $name failed (exit $rc): the demo cannot go on" >&2
			exit 1
		fi
		continue
		;;
	esac
	plot=$PBPROBE_LOGS/$name.png
	[ -s "$plot" ] || plot="(no plot)"
	html=$PBPROBE_LOGS/$name.html
	[ -s "$html" ] || html="(no HTML report)"
	if [ "$rc" = "$want" ]; then
		mark=ok
	else
		mark=UNEXPECTED
		differ=1
	fi
	summary+=("$(printf '%-44s %-26s %-26s %-10s %s' "$name" "$(outcome "$want")" "$(outcome "$rc")" "$mark" "${plot#"$here"/}")")
	summary+=("    HTML report: ${html#"$here"/}")
	summary+=("    $(evidence "$PBPROBE_LOGS/$name.json")")
done

echo
echo "demo: every scenario, in $((SECONDS - t0)) s; logs, reports, driver events and plots in ${PBPROBE_LOGS#"$here"/}/"
printf '%-44s %-26s %-26s %-10s %s\n' scenario expected got "" plot
printf '%s\n' "${summary[@]}"
# What the live gate saved: the failed requests it let through before its
# rollback healed the service, against the unguarded control's, whose
# operator undid the rollout 2 s after it completed.
failed_of() {
	jq '[.targets[].failed] | add' "$PBPROBE_LOGS/$1.json" 2>/dev/null
}
if command -v jq >/dev/null 2>&1 && guarded=$(failed_of guarded-upgrade-from-2-7-2-to-2-8-0) &&
	unguarded=$(failed_of no-readiness-upgrade-from-2-7-2-to-2-8-0); then
	echo "demo: the live gate let $guarded failed requests through, then aborted and rolled back by itself; the unguarded control let $unguarded through with an operator undoing it 2 s after the rollout (a guard that aborts on a 1 s window, against whoever is watching)"
fi
if [ "$differ" = 0 ]; then
	echo "demo: every outcome as expected: the safe upgrades harmed no user, and pbprobe caught each unsafe one."
else
	echo "demo: some outcomes differ from the expected ones (UNEXPECTED above)" >&2
	exit 1
fi
