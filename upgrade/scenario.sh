# shellcheck shell=bash
# upgrade/scenario.sh: the one scenario runner: an upgrade scenario under the
# prober, in the lab or on a cluster, gated by the report. Sourced by the
# scenarios that probe (lab/scenarios/*.sh): each defines `upgrade` (its
# steps, from upgrade/steps.sh), optionally `scenario_check` (its settings,
# checked before the prober starts: non-zero, with a line on stderr, ends the
# run with exit 3), optionally `scenario_abort_on` (pbprobe --abort-on rules:
# the live gate stops the steps when one breaks and runs `NAME.sh --undo`,
# the rollout undo), and ends with `scenario_main NAME "$@"`.
#
#   lab/scenarios/NAME.sh [--platform lab|kubernetes] [--prober local|job]
#   scripts/NAME.sh       the same, on a cluster unless told otherwise
#
# --platform  where the upgrade runs (default $PBPROBE_PLATFORM, else lab):
#             the one-machine lab, or a cluster through kubectl
#             (scripts/platform-kubernetes.sh, docs/kubernetes.md)
# --prober    where pbprobe runs (default $PBPROBE_PROBER, else local in the
#             lab and job on a cluster):
#   local  here: pbprobe wraps the steps (pbprobe ... -- SCRIPT --steps) and
#          probes the Service's home page ("home") and /api/helpingmaterial
#          ("api") at $PBPROBE_LAB_RATE (default 200) requests/s each, every
#          request on a new connection, logging X-App-Version. On a cluster
#          the Service is $PBPROBE_K8S_URL, or its LoadBalancer's address, or
#          with PBPROBE_K8S_EXPOSE=nodeport a node's address and node port
#   job    inside the cluster (kubernetes only): the Job of manifests/pbprobe,
#          $PBPROBE_PROBERS pods (default 1), each probing the Service by its
#          DNS name with a log of its own, with the manifest's settings
#          (PBPROBE_RATE, PBPROBE_TIMEOUT, PBPROBE_LEAD, PBPROBE_TAIL,
#          PBPROBE_URL override them); the steps run here and their marks are
#          relayed to every prober; the logs are copied here and merged
# The gate is pbprobe-report's, with its defaults: any failed request fails
# it, and so does blind time (the run is then inconclusive, not a pass).
#
# Files in $PBPROBE_LOGS (default <source>/logs):
#   NAME.log         the prober's log (docs/log-format.md); with --prober
#                    job, NAME-INDEX.log, one per prober pod
#   NAME.png         the plot (with gnuplot)
#   NAME.html        the HTML report: one page, no network fetch
#   NAME.txt         the text report, as printed
#   NAME.json        the JSON report (docs/report-json.md)
#   NAME.driver.tsv  the lab's rollout driver's events (lab/rollout-driver)
#   NAME.result      key=value lines: upgrade (its exit status), verdict,
#                    exit, log, plot
#   kubernetes/      on a cluster, every manifest as it was applied
# Exit status (what the reference demo's scripts mean by theirs):
#   0  the upgrade completed and the gate passed
#   1  the upgrade failed safely (the migration failed and nothing was
#      rolled out, or the rollout stalled and was undone), and the gate
#      passed: users were unharmed
#   2  the gate failed (users saw errors) or was inconclusive (the prober
#      did not observe the whole upgrade on time): not a pass
#   3  a bad argument, or the platform or the prober failed; in the lab, the
#      lab has been torn down

# shellcheck source-path=SCRIPTDIR source=./steps.sh
. "$(dirname "${BASH_SOURCE[0]}")/steps.sh"

# A scenario that sets this (after sourcing) to --abort-on rules runs under
# the live gate: pbprobe stops its steps when one breaks and runs its --undo.
scenario_abort_on=()

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
# else is the platform failing.
scenario_steps() {
	local rc=0
	upgrade || rc=$?
	case $rc in
	0 | 1) return "$rc" ;;
	*) return 3 ;;
	esac
}

# scenario_result UPGRADE VERDICT EXIT LOG PLOT: NAME.result
scenario_result() {
	printf 'upgrade=%s\nverdict=%s\nexit=%s\nlog=%s\nplot=%s\n' "$@" >"$scenario_base.result"
}

# The lab's platform failing mid-run leaves processes behind: gone.
scenario_error() {
	scenario_say "$1"
	[ "$PBPROBE_PLATFORM" != lab ] || platform_teardown
	scenario_result "$2" error 3 "${3:--}" -
	exit 3
}

# --prober local: pbprobe here, wrapping the steps. Sets scenario_rc (the
# steps' status) and scenario_logs.
scenario_probe_local() {
	local name=$1 script=$2 url rate db interrupted=0 rc=0
	url=$(platform_url) || exit 3
	rate=${PBPROBE_LAB_RATE:-200}
	export PBPROBE_LAB_EVENTS=$scenario_base.driver.tsv
	local db_args=()
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
	# --connections new: a connection per request, as a new user (and the seed's curl
	# loop) makes: the Service balances connections, so only new ones show
	# where it sends users now; a kept-alive one stays with its pod.
	# A guarded scenario (scenario_abort_on: --abort-on rules) is stopped by
	# pbprobe the moment a rule breaks, and rolled back by this script's --undo.
	local guard_args=()
	if [ "${#scenario_abort_on[@]}" -gt 0 ]; then
		local rule
		for rule in "${scenario_abort_on[@]}"; do
			guard_args+=(--abort-on "$rule")
		done
		guard_args+=(--on-abort "${steps_nice[*]} bash $(printf %q "$script") --undo")
		scenario_say "guarded: pbprobe aborts and rolls back when ${scenario_abort_on[*]} breaks"
	fi
	"${nice_cmd[@]}" "$PB_BUILD/pbprobe" -q --connections new --rate "$rate" --version-header X-App-Version --lead 1s --tail 2s \
		"${db_args[@]}" "${guard_args[@]}" -o "$scenario_base.log" home="$url/" api="$url/api/helpingmaterial" \
		-- "${steps_nice[@]}" bash "$script" --steps || rc=$?
	trap - INT TERM
	# pbprobe's 5: the live gate aborted the upgrade and the rollback
	# succeeded, an upgrade that failed and was undone; 6: the rollback failed
	if [ "${#scenario_abort_on[@]}" -gt 0 ] && [ "$rc" = 5 ]; then
		scenario_say "$name: the live gate aborted the upgrade, and the rollback succeeded"
		rc=1
	fi
	if [ "$interrupted" = 1 ] || { [ "$rc" != 0 ] && [ "$rc" != 1 ]; }; then
		scenario_error "$name: the upgrade steps or the prober failed (exit $rc)$([ "$interrupted" = 0 ] || echo ', interrupted')$([ "$PBPROBE_PLATFORM" != lab ] || echo ': tearing the lab down')" \
			"$rc" "$scenario_base.log"
	fi
	scenario_rc=$rc
	scenario_logs=("$scenario_base.log")
	scenario_lost=
	scenario_where="log $(scenario_path "$scenario_base.log"), report $(scenario_path "$scenario_base.txt")"
	[ "$PBPROBE_PLATFORM" != lab ] || scenario_where+=", driver events $(scenario_path "$scenario_base.driver.tsv")"
}

# --prober job: the probers run in the cluster; the steps run here, with
# their marks relayed to the probers' logs. Sets scenario_rc, scenario_logs
# and scenario_lost (what is missing, when a prober's log is).
scenario_probe_job() {
	local name=$1 script=$2 rc=0 interrupted=0
	rm -f "$scenario_base"-[0-9]*.log
	scenario_relay_pid=
	scenario_fifo=
	# shellcheck disable=SC2317 # called by the EXIT trap
	scenario_relay_cleanup() {
		[ -z "$scenario_relay_pid" ] || kill "$scenario_relay_pid" 2>/dev/null
		[ -z "$scenario_fifo" ] || rm -rf "${scenario_fifo%/*}"
	}
	trap scenario_relay_cleanup EXIT

	scenario_say "== $name (kubernetes, namespace $K8S_NS, ${PBPROBE_PROBERS:-1} prober(s) in the cluster)"
	if ! k8s_probers_start "$name"; then
		k8s_probers_delete
		scenario_result - error 3 - -
		exit 3
	fi
	scenario_say "probing $(platform_url)/ (home) and /api/helpingmaterial (api) from pod(s) ${K8S_PROBER_PODS[*]}"

	# `pbprobe mark` (step_mark) writes "@mMONO_US,WALL_US TEXT" lines to
	# $PBPROBE_MARK; here that is a FIFO whose lines go to every prober, with
	# their wall time ("@WALL_US TEXT"): this host's monotonic clock means
	# nothing in a pod, so a mark relayed to a cluster carries the clocks'
	# disagreement.
	scenario_fifo=$(mktemp -d "${TMPDIR:-/tmp}/pbprobe-relay.XXXXXX")/mark
	mkfifo "$scenario_fifo" || exit 3
	# Opened here, before the relay starts, not inside it: `pbprobe mark`
	# gives up when the FIFO has no reader, and the first mark follows at once.
	exec 3<>"$scenario_fifo"
	# A burst (the cluster's events in a rollout) goes in one exec per pod,
	# up to 50 marks: one exec each would put the relay seconds behind, and
	# a full FIFO makes `pbprobe mark` give up on a step's mark.
	(
		end=0
		while [ "$end" = 0 ] && IFS= read -r line <&3; do
			batch=()
			while :; do
				if [ "$line" = "@@end" ]; then
					end=1
					break
				fi
				if [[ $line =~ ^@m[0-9]+,([0-9]+)\ (.*)$ ]]; then
					line="@${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
				fi
				batch+=("$line")
				[ "${#batch[@]}" -lt 50 ] || break
				# more queued, now or within 50 ms? (read -t 0 reads nothing: a
				# read cut by a timeout would lose the part of a line it took)
				if ! IFS= read -r -t 0 <&3; then
					sleep 0.05
					IFS= read -r -t 0 <&3 || break
				fi
				IFS= read -r line <&3 || break
			done
			[ "${#batch[@]}" = 0 ] || k8s_probers_mark "${batch[@]}"
		done
	) &
	scenario_relay_pid=$!
	export PBPROBE_MARK=$scenario_fifo

	trap 'interrupted=1' INT TERM
	step_mark "steps start"
	bash "$script" --steps || rc=$?
	step_mark "steps end (exit $rc)"
	trap - INT TERM
	# The relay forwards what is queued, then ends; a relay already gone has
	# no reader, and opening its FIFO would block: bounded.
	# shellcheck disable=SC2016 # the inner shell's $1
	timeout 10 bash -c 'printf "@@end\n" >"$1"' _ "$scenario_fifo" || kill "$scenario_relay_pid" 2>/dev/null
	# bounded: a relay stuck on a pod that no longer answers does not hold the run
	local i
	for ((i = 0; i < 600; i++)); do
		kill -0 "$scenario_relay_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$scenario_relay_pid" 2>/dev/null; then
		scenario_say "the relay of marks to the probers did not end within 60 s: marks may be missing"
		kill "$scenario_relay_pid" 2>/dev/null
	fi
	wait "$scenario_relay_pid"
	scenario_relay_pid=
	exec 3>&-

	local probe_logs=() stop_rc=0 expected=${PBPROBE_PROBERS:-1}
	mapfile -t probe_logs < <(k8s_probers_stop "$scenario_logs_dir"; echo "@rc $?")
	[[ ${probe_logs[-1]:-} =~ ^@rc\ ([0-9]+)$ ]] && stop_rc=${BASH_REMATCH[1]} && unset 'probe_logs[-1]'
	k8s_probers_delete
	# A prober whose log is missing, or that exited non-zero, watched part of
	# the upgrade from nowhere: the others' logs cannot make the run a pass.
	scenario_lost=
	if [ "$stop_rc" != 0 ] || [ "${#probe_logs[@]}" -lt "$expected" ]; then
		scenario_lost="${#probe_logs[@]} of $expected prober log(s) collected$([ "$stop_rc" = 0 ] || echo ', a prober failed')"
		scenario_say "$name: $scenario_lost"
	fi
	if [ "$interrupted" = 1 ] || { [ "$rc" != 0 ] && [ "$rc" != 1 ]; } || [ "${#probe_logs[@]}" -eq 0 ]; then
		scenario_error "$name: the upgrade steps or the probers failed (steps exit $rc, ${#probe_logs[@]} log(s))$([ "$interrupted" = 0 ] || echo ', interrupted')" \
			"$rc" "${probe_logs[*]:--}"
	fi
	scenario_rc=$rc
	scenario_logs=("${probe_logs[@]}")
	scenario_where="logs ${probe_logs[*]}, report $scenario_base.txt, applied manifests $K8S_WORK/"
}

# The gate over the logs, the result file, the two facts, the exit status.
scenario_gate() {
	local name=$1 gate=0 verdict exit_code rc=$scenario_rc
	"$PB_BUILD/pbprobe-report" --plot "$scenario_base.png" "${scenario_logs[@]}" >"$scenario_base.txt" || gate=$?
	cat "$scenario_base.txt"
	"$PB_BUILD/pbprobe-report" -f json -o "$scenario_base.json" "${scenario_logs[@]}" >/dev/null 2>&1
	"$PB_BUILD/pbprobe-report" -f html -o "$scenario_base.html" "${scenario_logs[@]}" >/dev/null 2>&1
	# Errors seen are errors (FAIL) whatever is missing; a pass needs every log.
	if [ "$gate" = 0 ] && [ -n "$scenario_lost" ]; then
		gate=4
		scenario_say "$name: the gate is INCONCLUSIVE, not PASS: $scenario_lost"
	fi
	case $gate in
	0) verdict=pass ;;
	1) verdict=fail ;;
	4) verdict=inconclusive ;;
	*)
		scenario_say "$name: pbprobe-report could not read ${scenario_logs[*]} (exit $gate)"
		scenario_result "$rc" error 3 "${scenario_logs[*]}" -
		exit 3
		;;
	esac
	exit_code=$rc
	[ "$gate" = 0 ] || exit_code=2
	scenario_result "$rc" "$verdict" "$exit_code" "${scenario_logs[*]}" \
		"$([ -s "$scenario_base.png" ] && echo "$scenario_base.png" || echo -)"

	scenario_say ""
	if [ "$rc" = 0 ]; then
		scenario_say "== $name: the upgrade completed"
	else
		scenario_say "== $name: the upgrade FAILED (exit $rc): nothing rolled out, or rolled back"
	fi
	case $verdict in
	pass) scenario_say "== $name: gate PASS: users saw no error" ;;
	fail) scenario_say "== $name: gate FAIL: users saw errors (windows and bursts above)" ;;
	inconclusive) scenario_say "== $name: gate INCONCLUSIVE: the prober did not observe the whole upgrade on time (${scenario_lost:-blind time above})" ;;
	esac
	scenario_say "   $scenario_where"
	if [ -s "$scenario_base.png" ]; then
		scenario_say "   plot $(scenario_path "$scenario_base.png")"
	else
		scenario_say "   no plot (is gnuplot installed?)"
	fi
	[ ! -s "$scenario_base.html" ] || scenario_say "   HTML report $(scenario_path "$scenario_base.html")"
	exit "$exit_code"
}

scenario_usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$1"
	sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

scenario_main() {
	local name=${1:?scenario_main needs NAME} script prober steps=0
	shift
	script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
	PBPROBE_PLATFORM=${PBPROBE_PLATFORM:-lab}
	prober=${PBPROBE_PROBER:-}
	while [ $# -gt 0 ]; do
		case $1 in
		--steps) steps=1 ;;
		--undo) steps=undo ;;
		--platform | --prober)
			if [ $# -lt 2 ]; then
				scenario_say "$name: $1 needs a value (try --help)"
				exit 3
			fi
			if [ "$1" = --platform ]; then PBPROBE_PLATFORM=$2; else prober=$2; fi
			shift
			;;
		--platform=*) PBPROBE_PLATFORM=${1#*=} ;;
		--prober=*) prober=${1#*=} ;;
		-h | --help)
			scenario_usage "$script"
			exit 0
			;;
		*)
			scenario_say "$name: unknown argument \"$1\" (try --help)"
			exit 3
			;;
		esac
		shift
	done
	case $PBPROBE_PLATFORM in
	lab) prober=${prober:-local} ;;
	kubernetes) prober=${prober:-job} ;;
	*)
		scenario_say "$name: --platform is lab or kubernetes, not \"$PBPROBE_PLATFORM\""
		exit 3
		;;
	esac
	export PBPROBE_PLATFORM
	if [ "$steps" = 1 ] || [ "$steps" = undo ]; then
		steps_platform || exit 3
		local rc=0
		# the platform's watchers end with the steps, however they end; on a
		# signal to the steps' group (pbprobe stopping them; Ctrl-C, to which
		# background jobs are immune) the steps still die of it, as pbprobe's
		# log and the caller expect
		steps_events_start
		trap steps_events_stop EXIT
		trap 'steps_events_stop; trap - TERM EXIT; kill -TERM $$' TERM
		trap 'steps_events_stop; trap - INT EXIT; kill -INT $$' INT
		if [ "$steps" = 1 ]; then
			scenario_steps || rc=$?
		else
			# the live gate's rollback (pbprobe --on-abort), when the
			# scenario sets scenario_abort_on
			step_undo || rc=$?
		fi
		exit "$rc"
	fi
	case $PBPROBE_PLATFORM:$prober in
	lab:local | kubernetes:local | kubernetes:job) ;;
	lab:job)
		scenario_say "$name: --prober job runs in a cluster; the lab's prober is local"
		exit 3
		;;
	*)
		scenario_say "$name: --prober is local or job, not \"$prober\""
		exit 3
		;;
	esac
	if [ "$PBPROBE_PLATFORM:$prober" = kubernetes:local ] && [ -z "${PBPROBE_K8S_URL:-}" ] && [ "${PBPROBE_K8S_EXPOSE:-none}" != nodeport ]; then
		scenario_say "$name: --prober local probes from this machine: set PBPROBE_K8S_URL to the Service's address here (an Ingress, a LoadBalancer, a NodePort), or PBPROBE_K8S_EXPOSE=nodeport (set up with it), or use --prober job"
		exit 3
	fi
	if [ "$prober" = job ] && [ "${#scenario_abort_on[@]}" -gt 0 ]; then
		scenario_say "$name: the live gate (scenario_abort_on) needs --prober local: the prober must run the rollback"
		exit 3
	fi
	# a scenario's own settings, checked before anything starts
	if declare -F scenario_check >/dev/null; then
		scenario_check || exit 3
	fi
	PB_BUILD=${PB_BUILD:-$steps_src/build}
	export PB_BUILD
	local tool
	for tool in pbprobe pbprobe-report; do
		if [ ! -x "$PB_BUILD/$tool" ]; then
			scenario_say "$name: $PB_BUILD/$tool is not built (or set PB_BUILD)"
			exit 3
		fi
	done
	steps_init || exit 3
	scenario_logs_dir=${PBPROBE_LOGS:-$steps_src/logs}
	mkdir -p "$scenario_logs_dir" || exit 3
	scenario_logs_dir=$(cd "$scenario_logs_dir" && pwd)
	scenario_base=$scenario_logs_dir/$name
	rm -f "$scenario_base.log" "$scenario_base.png" "$scenario_base.txt" "$scenario_base.json" \
		"$scenario_base.html" "$scenario_base.driver.tsv" "$scenario_base.result"
	if [ "$prober" = job ]; then
		scenario_probe_job "$name" "$script"
	else
		scenario_probe_local "$name" "$script"
	fi
	scenario_gate "$name"
}
