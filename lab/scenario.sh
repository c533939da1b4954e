# shellcheck shell=bash
# lab/scenario.sh: one upgrade scenario under the prober, gated by the report.
# Sourced by the lab/scenarios/*.sh that probe: each defines `upgrade` (its
# steps, from lab/steps.sh), optionally `scenario_check` (its settings,
# checked before the prober starts: non-zero, with a line on stderr, ends the
# run with exit 3), and ends with `scenario_main NAME "$@"`.
#
# scenario_main probes the Service's home page ("home") and
# /api/helpingmaterial ("api") at $PBPROBE_LAB_RATE (default 200) requests
# per second each, logging X-App-Version, for as long as `upgrade` runs
# (pbprobe ... -- bash SCRIPT --steps), then gates with pbprobe-report.
# Files in $PBPROBE_LOGS (default <source>/logs):
#   NAME.log         the prober's log (docs/log-format.md)
#   NAME.png         the plot
#   NAME.txt         the text report, as printed
#   NAME.json        the JSON report (docs/report-json.md)
#   NAME.driver.tsv  the rollout driver's events (lab/rollout-driver)
#   NAME.result      key=value lines: upgrade (its exit status), verdict,
#                    exit, log, plot
# Exit status (what the reference demo's scripts mean by theirs):
#   0  the upgrade completed and the gate passed
#   1  the upgrade failed safely (the migration failed and nothing was
#      rolled out, or the rollout stalled and was undone), and the gate
#      passed: users were unharmed
#   2  the gate failed (users saw errors) or was inconclusive (the prober
#      did not observe the whole upgrade on time): not a pass
#   3  the lab or the prober failed; the lab has been torn down

# shellcheck source-path=SCRIPTDIR source=./steps.sh
. "$(dirname "${BASH_SOURCE[0]}")/steps.sh"

scenario_say() {
	printf '%s\n' "$*" >&2
}

# A path as the user can type it: relative to the current directory when under it.
scenario_path() {
	case $1 in
	"$PWD"/*) printf '%s\n' "${1#"$PWD"/}" ;;
	*) printf '%s\n' "$1" ;;
	esac
}

# What pbprobe runs: the scenario's steps. 0 and 1 are outcomes; anything
# else is the lab failing.
scenario_steps() {
	local rc=0
	upgrade || rc=$?
	case $rc in
	0 | 1) return "$rc" ;;
	*) return 3 ;;
	esac
}

scenario_main() {
	local name=${1:?scenario_main needs NAME} script base url rate logs rc=0 gate=0 verdict exit_code
	local interrupted=0
	shift
	script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
	case ${1:-} in
	--steps)
		scenario_steps
		exit $?
		;;
	-h | --help)
		sed -n '2,/^$/s/^# \{0,1\}//p' "$script"
		exit 0
		;;
	'') ;;
	*)
		scenario_say "$name: unknown argument \"$1\" (try --help)"
		exit 3
		;;
	esac
	# a scenario's own settings, checked before anything starts
	if declare -F scenario_check >/dev/null; then
		scenario_check || exit 3
	fi
	steps_init || exit 3
	url=$(platform_url) || exit 3
	logs=${PBPROBE_LOGS:-$steps_src/logs}
	mkdir -p "$logs" || exit 3
	logs=$(cd "$logs" && pwd)
	base=$logs/$name
	rm -f "$base.log" "$base.png" "$base.txt" "$base.json" "$base.driver.tsv" "$base.result"
	export PBPROBE_LAB_EVENTS=$base.driver.tsv
	rate=${PBPROBE_LAB_RATE:-200}

	db_args=()
	if declare -F platform_db_conninfo >/dev/null && db=$(platform_db_conninfo) && [ -n "$db" ]; then
		db_args=(--db "$db")
	fi

	scenario_say "== $name"
	scenario_say "probing $url/ (home) and $url/api/helpingmaterial (api), $rate requests/s each$([ ${#db_args[@]} -eq 0 ] || echo ', and the database')"
	# The instrument must not be starved by what it measures: on one machine
	# the app's instances, haproxy, PostgreSQL and the driver share the
	# prober's cores, and a prober more than --max-lag late makes the run
	# inconclusive. A higher priority, when allowed (root), keeps it on time,
	# as a prober pod with a CPU request equal to its limit would be; the
	# steps it runs go back to the normal priority.
	local nice_cmd=() steps_nice=()
	if nice -n -10 true 2>/dev/null; then
		nice_cmd=(nice -n -10)
		steps_nice=(nice -n 10)
	fi
	# Ctrl-C reaches pbprobe too, which passes it to the steps; then we clean up.
	trap 'interrupted=1' INT TERM
	# -N: a new connection per request, as a new user (and the seed's curl
	# loop) makes: the Service balances connections, so only new ones show
	# where it sends users now; a kept-alive one stays with its pod.
	"${nice_cmd[@]}" "$PB_BUILD/pbprobe" -q -N --rate "$rate" --version-header X-App-Version --lead 1s --tail 2s \
		"${db_args[@]}" -o "$base.log" home="$url/" api="$url/api/helpingmaterial" \
		-- "${steps_nice[@]}" bash "$script" --steps || rc=$?
	trap - INT TERM
	if [ "$interrupted" = 1 ] || { [ "$rc" != 0 ] && [ "$rc" != 1 ]; }; then
		scenario_say "$name: the upgrade steps or the prober failed (exit $rc)$([ "$interrupted" = 0 ] || echo ', interrupted'): tearing the lab down"
		platform_teardown
		printf 'upgrade=%s\nverdict=error\nexit=3\nlog=%s\nplot=-\n' "$rc" "$base.log" >"$base.result"
		exit 3
	fi

	scenario_say ""
	"$PB_BUILD/pbprobe-report" --plot "$base.png" "$base.log" >"$base.txt" || gate=$?
	cat "$base.txt"
	"$PB_BUILD/pbprobe-report" -f json -o "$base.json" "$base.log" >/dev/null 2>&1
	case $gate in
	0) verdict=pass ;;
	1) verdict=fail ;;
	4) verdict=inconclusive ;;
	*)
		scenario_say "$name: pbprobe-report could not read $base.log (exit $gate)"
		printf 'upgrade=%s\nverdict=error\nexit=3\nlog=%s\nplot=-\n' "$rc" "$base.log" >"$base.result"
		exit 3
		;;
	esac
	if [ "$gate" != 0 ]; then
		exit_code=2
	else
		exit_code=$rc
	fi
	printf 'upgrade=%s\nverdict=%s\nexit=%s\nlog=%s\nplot=%s\n' "$rc" "$verdict" "$exit_code" \
		"$base.log" "$([ -s "$base.png" ] && echo "$base.png" || echo -)" >"$base.result"

	scenario_say ""
	if [ "$rc" = 0 ]; then
		scenario_say "== $name: the upgrade completed"
	else
		scenario_say "== $name: the upgrade FAILED (exit $rc): nothing rolled out, or rolled back"
	fi
	case $verdict in
	pass) scenario_say "== $name: gate PASS: users saw no error" ;;
	fail) scenario_say "== $name: gate FAIL: users saw errors (windows and bursts above)" ;;
	inconclusive) scenario_say "== $name: gate INCONCLUSIVE: the prober did not observe the whole upgrade on time (blind time above)" ;;
	esac
	scenario_say "   log $(scenario_path "$base.log"), report $(scenario_path "$base.txt"), driver events $(scenario_path "$base.driver.tsv")"
	if [ -s "$base.png" ]; then
		scenario_say "   plot $(scenario_path "$base.png")"
	else
		scenario_say "   no plot (is gnuplot installed?)"
	fi
	exit "$exit_code"
}
