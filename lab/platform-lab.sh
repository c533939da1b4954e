# shellcheck shell=bash
# lab/platform-lab.sh: the platform_* functions of upgrade/steps.sh (the interface
# is documented there) for the one-machine lab: PostgreSQL and haproxy (the
# Service) from lab/services.sh, the app as lab/pybossa-standin processes run
# by the rollout driver, lab/rollout-driver (the Deployment controller).
#
# State lives in $PBPROBE_LAB_DIR, so that the scenario scripts can run one
# after another: env (ports, directories), deployment and revisions/ (the
# Deployment's spec and history), instances.tsv (every app process), the
# driver's pid and status, pg/, haproxy/, instances/ (each instance's stdout,
# stderr and access log). Everything listens on 127.0.0.1.
#
# Settings, from the environment: the fields of manifests/base/web.yaml, with
# times scaled down so that a rollout takes seconds (lab/README.md has the
# table):
#   PBPROBE_LAB_DIR          state directory (default /tmp/pbprobe-lab: its
#                            parents must be searchable by the PostgreSQL user,
#                            which a checkout in /root is not)
#   PBPROBE_LAB_REGISTRY     the lab/services.sh registry every process is
#                            recorded in (default $PBPROBE_LAB_DIR/registry;
#                            tests pass their own, so their traps stop the lab)
#   PBPROBE_LAB_EVENTS       the driver's event log (default
#                            $PBPROBE_LAB_DIR/events.tsv)
#   PB_BUILD                 build tree (default <source>/build): pbprobe,
#                            lab/pybossa-standin
#   PBPROBE_LAB_REPLICAS            replicas (2; cluster 3)
#   PBPROBE_LAB_PROGRESS_DEADLINE   progressDeadlineSeconds (45; cluster 90)
#   PBPROBE_LAB_MIN_READY           minReadySeconds (0; cluster 5)
#   PBPROBE_LAB_PERIOD              readiness periodSeconds (0.5; cluster 2)
#   PBPROBE_LAB_FAILURE_THRESHOLD   readiness failureThreshold (2)
#   PBPROBE_LAB_SUCCESS_THRESHOLD   readiness successThreshold (1)
#   PBPROBE_LAB_PROBE_TIMEOUT       readiness timeoutSeconds (0.4; cluster 2)
#   PBPROBE_LAB_PRESTOP             preStop pause in seconds (0.5; cluster 10)
#   PBPROBE_LAB_GRACE               terminationGracePeriodSeconds (5; cluster 45)
#   PBPROBE_LAB_STARTUP_DELAY       the app's startup delay (500ms)
#   PBPROBE_LAB_DRAIN_TIMEOUT       the app's drain timeout (3s)

lab_src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=${PBPROBE_LAB_DIR:-/tmp/pbprobe-lab}
case $LAB in
/*) ;;
*) LAB=$PWD/$LAB ;;
esac
PB_BUILD=${PB_BUILD:-$lab_src/build}
# The steps under pbprobe and the driver must find the same lab.
export PBPROBE_LAB_DIR=$LAB PB_BUILD
SVC_REGISTRY=${PBPROBE_LAB_REGISTRY:-$LAB/registry}
# shellcheck source-path=SCRIPTDIR source=./services.sh
. "$lab_src/lab/services.sh"

lab_say() {
	printf 'lab: %s\n' "$*" >&2
}

lab_err() {
	printf 'lab: %s\n' "$*" >&2
	return 1
}

lab_is_set_up() {
	[ -f "$LAB/env" ]
}

lab_load_env() {
	lab_is_set_up || lab_err "no lab in $LAB: run lab/scenarios/setup.sh first" || return 1
	# shellcheck source=/dev/null
	. "$LAB/env"
}

# ---------------------------------------------------------------- lifecycle

# One script at a time per lab: the lock names the pid of the script that
# holds it, and its descendants (pbprobe, the wrapped steps, the driver)
# inherit PBPROBE_LAB_LOCK_HOLDER. A lock whose holder is gone is stale.
platform_init() {
	local f=$LAB/lock holder i tool
	for tool in "$PB_BUILD/pbprobe" "$PB_BUILD/lab/pybossa-standin" "$PB_BUILD/lab/rollout-driver"; do
		[ -x "$tool" ] || lab_err "$tool is not built (make in $PB_BUILD, or set PB_BUILD)" || return 1
	done
	command -v socat >/dev/null 2>&1 || lab_err "socat not found: apt-get install socat" || return 1
	mkdir -p "$LAB" && chmod 755 "$LAB" || lab_err "cannot create $LAB" || return 1
	[ -O "$LAB" ] && [ ! -L "$LAB" ] || lab_err "$LAB is not a directory of ours" || return 1
	for ((i = 0; i < 2; i++)); do
		holder=$(cat "$f" 2>/dev/null) || holder=
		if [ -n "$holder" ] && svc_alive "$holder"; then
			[ "$holder" = "${PBPROBE_LAB_LOCK_HOLDER:-}" ] && return 0
			lab_err "the lab in $LAB is busy: pid $holder ($(tr '\0' ' ' <"/proc/$holder/cmdline" 2>/dev/null | cut -c1-80)) is using it"
			return 1
		fi
		rm -f "$f"
		if (set -C && printf '%s\n' "$$" >"$f") 2>/dev/null; then
			export PBPROBE_LAB_LOCK_HOLDER=$$
			return 0
		fi
	done
	lab_err "cannot take the lock $f"
}

platform_setup() {
	local pgport hpport n slots=()
	if lab_is_set_up; then
		# shellcheck source=/dev/null
		. "$LAB/env"
		if [ -f "$LAB_HAPROXY_DIR/haproxy.pid" ] && svc_alive "$(cat "$LAB_HAPROXY_DIR/haproxy.pid")"; then
			lab_err "a lab already runs in $LAB: run lab/scenarios/teardown.sh first"
			return 1
		fi
		lab_say "a lab in $LAB was left half-stopped: tearing it down first"
		platform_teardown
		platform_init || return 1
	fi
	touch "$LAB/.pbprobe-lab"
	if ! pgport=$(svc_free_port) || ! hpport=$(svc_free_port); then
		lab_setup_failed "no free port"
		return 1
	fi
	lab_say "PostgreSQL on 127.0.0.1:$pgport ($LAB/pg)"
	svc_pg_start "$LAB/pg" "$pgport" || {
		lab_setup_failed "PostgreSQL did not start"
		return 1
	}
	svc_pg_psql "$LAB/pg" "$pgport" "\i $lab_src/lab/sql/schema.sql" "\i $lab_src/lab/sql/seed.sql" >/dev/null || {
		lab_setup_failed "loading lab/sql/schema.sql and seed.sql failed"
		return 1
	}
	# The Service: server slots s1..s8 declared and disabled; the driver gives
	# one an instance's port and enables it once the instance is ready.
	for ((n = 1; n <= 8; n++)); do
		slots+=("s$n=127.0.0.1:1")
	done
	lab_say "haproxy (the Service) on 127.0.0.1:$hpport ($LAB/haproxy)"
	# Like a ClusterIP through kube-proxy: TCP, an endpoint chosen per
	# connection (a keep-alive connection stays with its pod, even after the
	# pod's endpoint is removed, as conntrack keeps it), and no retries: a
	# connection sent to an endpoint that refuses is closed unanswered.
	svc_haproxy_start "$LAB/haproxy" "$hpport" --server-opts disabled \
		--defaults "mode tcp" --defaults "retries 0" --defaults "no option redispatch" \
		"${slots[@]}" || {
		lab_setup_failed "haproxy did not start"
		return 1
	}
	{
		printf 'LAB_PG_DIR=%q\n' "$LAB/pg"
		printf 'LAB_PG_PORT=%q\n' "$pgport"
		printf 'LAB_DB=%q\n' "$(svc_pg_conninfo "$LAB/pg" "$pgport")"
		printf 'LAB_HAPROXY_DIR=%q\n' "$LAB/haproxy"
		printf 'LAB_HAPROXY_PORT=%q\n' "$hpport"
		printf 'LAB_REGISTRY=%q\n' "$SVC_REGISTRY"
		printf 'LAB_STANDIN=%q\n' "$PB_BUILD/lab/pybossa-standin"
		printf 'LAB_DRIVER=%q\n' "$PB_BUILD/lab/rollout-driver"
		printf 'LAB_PBPROBE=%q\n' "$PB_BUILD/pbprobe"
	} >"$LAB/env.tmp" && mv -f "$LAB/env.tmp" "$LAB/env"
}

lab_setup_failed() {
	lab_err "setup failed: $1; stopping what it started"
	platform_teardown
	return 1
}

# Stops the driver, every instance, haproxy and PostgreSQL, and removes the
# state directory. Safe to run on a lab that is half set up or already gone.
platform_teardown() {
	local pid id rest pids=() i
	[ -d "$LAB" ] || return 0
	lab_driver_stop
	if [ -f "$LAB/instances.tsv" ]; then
		while IFS=$'\t' read -r id _ _ pid rest; do
			if [ "${id:0:1}" = '#' ] || [[ ! $pid =~ ^[0-9]+$ ]]; then
				continue
			fi
			if svc_alive "$pid"; then
				kill -TERM "$pid" 2>/dev/null
				pids+=("$pid")
			else
				svc_untrack_pid "$pid"
			fi
		done <"$LAB/instances.tsv"
		# the instances drain at once (nothing routes to them); then KILL
		for ((i = 0; i < 50 && ${#pids[@]} > 0; i++)); do
			local still=()
			for pid in "${pids[@]}"; do
				if svc_alive "$pid"; then still+=("$pid"); else svc_untrack_pid "$pid"; fi
			done
			pids=("${still[@]}")
			[ ${#pids[@]} -eq 0 ] || sleep 0.1
		done
		for pid in "${pids[@]}"; do
			kill -KILL "$pid" 2>/dev/null
			svc_untrack_pid "$pid"
		done
	fi
	[ ! -d "$LAB/haproxy" ] || svc_haproxy_stop "$LAB/haproxy" || true
	if [ -d "$LAB/pg" ]; then
		svc_pg_stop "$LAB/pg" fast || svc_pg_stop "$LAB/pg" immediate || true
	fi
	# A private registry: anything else recorded in it (ports) goes too.
	if [ "$SVC_REGISTRY" = "$LAB/registry" ]; then
		svc_stop_all
	fi
	if [ -f "$LAB/.pbprobe-lab" ]; then
		rm -rf "$LAB"
	else
		rm -f "$LAB/lock"
		rmdir "$LAB" 2>/dev/null || true # only if platform_init's mkdir left it empty
	fi
}

platform_url() {
	lab_load_env || return 1
	printf 'http://127.0.0.1:%s\n' "$LAB_HAPROXY_PORT"
}

# ---------------------------------------------------------------- the Deployment

# The Deployment's spec in $LAB/deployment: revision, version, readiness,
# strategy, replicas, prestop, on_sigterm. revisions/N keeps each revision's
# pod template ("VERSION READINESS PRESTOP ON_SIGTERM") for undo, numbered as
# Kubernetes numbers them.
lab_spec_get() {
	local key=$1
	[ -f "$LAB/deployment" ] || return 1
	sed -n "s/^$key=//p" "$LAB/deployment"
}

lab_spec_set() {
	# revision version readiness strategy replicas prestop on_sigterm
	printf 'revision=%s\nversion=%s\nreadiness=%s\nstrategy=%s\nreplicas=%s\nprestop=%s\non_sigterm=%s\n' \
		"$@" >"$LAB/deployment.tmp" &&
		mv -f "$LAB/deployment.tmp" "$LAB/deployment"
}

lab_driver_pid() {
	local pid
	pid=$(cat "$LAB/driver.pid" 2>/dev/null) || return 1
	svc_alive "$pid" || return 1
	printf '%s\n' "$pid"
}

lab_driver_start() {
	local version=$1 readiness=$2 strategy=$3 replicas=$4 prestop=$5 on_sigterm=$6 pid
	rm -f "$LAB/driver.status"
	"${LAB_DRIVER:-${LAB_STANDIN%/*}/rollout-driver}" --state "$LAB" --version "$version" \
		--readiness "$readiness" --strategy "$strategy" --replicas "$replicas" \
		--progress-deadline "${PBPROBE_LAB_PROGRESS_DEADLINE:-45}" \
		--min-ready "${PBPROBE_LAB_MIN_READY:-0}" \
		--period "${PBPROBE_LAB_PERIOD:-0.5}" \
		--failure-threshold "${PBPROBE_LAB_FAILURE_THRESHOLD:-2}" \
		--success-threshold "${PBPROBE_LAB_SUCCESS_THRESHOLD:-1}" \
		--probe-timeout "${PBPROBE_LAB_PROBE_TIMEOUT:-0.4}" \
		--prestop "$prestop" --on-sigterm "$on_sigterm" \
		--endpoint-lag "${PBPROBE_LAB_ENDPOINT_LAG:-0.05-0.25}" \
		--grace "${PBPROBE_LAB_GRACE:-5}" \
		--startup-delay "${PBPROBE_LAB_STARTUP_DELAY:-500ms}" \
		--drain-timeout "${PBPROBE_LAB_DRAIN_TIMEOUT:-3s}" \
		--events "${PBPROBE_LAB_EVENTS:-$LAB/events.tsv}" &
	pid=$!
	svc_track_pid "$pid"
	printf '%s\n' "$pid" >"$LAB/driver.pid"
}

# Stops a driver still at work (it saves its state and leaves every instance
# as it is) and records how it ended.
lab_driver_stop() {
	local pid i
	pid=$(lab_driver_pid) || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		svc_alive "$pid" || break
		sleep 0.1
	done
	svc_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	lab_driver_reap "$pid"
}

# The driver's exit status: from wait when we are its parent, else from the
# status file it writes; 3 when neither says.
lab_driver_reap() {
	local pid=$1 rc
	wait "$pid" 2>/dev/null
	rc=$?
	if [ "$rc" = 127 ]; then
		rc=$(cat "$LAB/driver.status" 2>/dev/null) || rc=3
	fi
	printf '%s\n' "$rc" >"$LAB/driver.status"
	rm -f "$LAB/driver.pid"
	svc_untrack_pid "$pid"
	return "$rc"
}

# The database's libpq conninfo, for the prober's --db: reachability, the
# schema version and lock waits on the upgrade's timeline.
platform_db_conninfo() {
	lab_load_env || return 1
	printf '%s\n' "$LAB_DB"
}

platform_deploy() {
	# Like applying a manifest: what an option does not say takes its default.
	local version=${1:-} readiness=http strategy=RollingUpdate replicas=${PBPROBE_LAB_REPLICAS:-2} rev
	local prestop=${PBPROBE_LAB_PRESTOP:-0.5} on_sigterm=drain
	[ -n "$version" ] || lab_err "platform_deploy: VERSION missing" || return 1
	shift
	lab_load_env || return 1
	while [ $# -gt 0 ]; do
		case $1 in
		--strategy)
			strategy=${2:-}
			shift
			;;
		--no-readiness) readiness=none ;;
		--replicas)
			replicas=${2:-}
			shift
			;;
		--prestop)
			prestop=${2:-}
			shift
			;;
		--on-sigterm)
			on_sigterm=${2:-}
			shift
			;;
		*) lab_err "platform_deploy: unknown option $1" || return 1 ;;
		esac
		shift
	done
	if lab_driver_pid >/dev/null; then
		lab_err "a rollout is in progress: wait for it (step_wait_rollout) or undo it"
		return 1
	fi
	rev=$(lab_spec_get revision) || rev=0
	rev=$((rev + 1))
	mkdir -p "$LAB/revisions"
	printf '%s %s %s %s\n' "$version" "$readiness" "$prestop" "$on_sigterm" >"$LAB/revisions/$rev"
	lab_spec_set "$rev" "$version" "$readiness" "$strategy" "$replicas" "$prestop" "$on_sigterm"
	lab_driver_start "$version" "$readiness" "$strategy" "$replicas" "$prestop" "$on_sigterm"
}

# 0 complete, 1 progress deadline exceeded, 2 still in progress after SECS,
# 3 the driver failed.
platform_rollout_status() {
	local secs=${1:-300} t0 rc pid
	lab_load_env || return 3
	pid=$(cat "$LAB/driver.pid" 2>/dev/null) || pid=
	if [ -z "$pid" ]; then
		rc=$(cat "$LAB/driver.status" 2>/dev/null) || rc=0
		return "$rc"
	fi
	t0=$SECONDS
	while svc_alive "$pid"; do
		if [ $((SECONDS - t0)) -ge "$secs" ]; then
			lab_say "rollout still in progress after ${secs}s"
			return 2
		fi
		sleep 0.05
	done
	lab_driver_reap "$pid"
	rc=$?
	case $rc in
	0 | 1) return "$rc" ;;
	*)
		lab_err "the rollout driver failed (exit $rc)"
		return 3
		;;
	esac
}

# kubectl rollout undo: back to the previous revision's pod template, which
# becomes the newest revision; a rollout like any other (wait for it).
platform_rollout_undo() {
	local rev prev version readiness strategy replicas prestop on_sigterm
	lab_load_env || return 1
	lab_driver_stop
	rev=$(lab_spec_get revision) || lab_err "nothing to undo: no rollout yet" || return 1
	prev=$(find "$LAB/revisions" -maxdepth 1 -name '[0-9]*' -printf '%f\n' 2>/dev/null |
		awk -v r="$rev" '$1 < r && $1 > m { m = $1 } END { if (m) print m }')
	[ -n "$prev" ] || lab_err "nothing to undo: revision $rev is the first" || return 1
	read -r version readiness prestop on_sigterm <"$LAB/revisions/$prev" || return 1
	prestop=${prestop:-${PBPROBE_LAB_PRESTOP:-0.5}} on_sigterm=${on_sigterm:-drain}
	strategy=$(lab_spec_get strategy)
	replicas=$(lab_spec_get replicas)
	rev=$((rev + 1))
	mv -f "$LAB/revisions/$prev" "$LAB/revisions/$rev"
	lab_spec_set "$rev" "$version" "$readiness" "$strategy" "$replicas" "$prestop" "$on_sigterm"
	lab_driver_start "$version" "$readiness" "$strategy" "$replicas" "$prestop" "$on_sigterm"
}

# ---------------------------------------------------------------- the database

# alembic upgrade head with VERSION's migrations: 2.8.0's head is
# 8fe68fbf6baa (adds helpingmaterial.priority); 2.7.x's is 52209719b79e.
platform_migrate() {
	local version=${1:-} head sql='' cur
	lab_load_env || return 1
	case $version in
	2.7.1 | 2.7.2) head=52209719b79e ;;
	2.8.0)
		head=8fe68fbf6baa
		sql=$lab_src/lab/sql/migrate-8fe68fbf6baa.sql
		;;
	*) lab_err "platform_migrate: no migrations known for version \"$version\"" || return 1 ;;
	esac
	cur=$(svc_pg_psql "$LAB_PG_DIR" "$LAB_PG_PORT" "SELECT version_num FROM alembic_version") ||
		lab_err "cannot read alembic_version" || return 1
	if [ "$cur" = "$head" ]; then
		lab_say "database already at $head ($version's head): nothing to migrate"
		return 0
	fi
	[ -n "$sql" ] || lab_err "database at $cur, $version's head is $head: no upgrade path" || return 1
	lab_say "alembic upgrade $cur -> $head ($(basename "$sql"))"
	svc_pg_psql "$LAB_PG_DIR" "$LAB_PG_PORT" "\i $sql" >/dev/null ||
		lab_err "migration to $head failed; the database is unchanged" || return 1
}

# The driver's events (its event log, lab/driver/evlog.c) on the timeline as
# "[lab] TEXT" marks, through the steps' forwarder as scripts/ brings the
# cluster's: the ones the driver does not mark itself (it marks an instance
# ready, deleted, drained, stopped), each at its own time. A readiness probe
# failing, an instance dying or killed at the end of its grace period, the
# progress deadline, a driver error.
platform_events_source() {
	echo lab
}

# lab_events_follow LOG: what is appended to LOG from now on (earlier runs'
# events are not this run's; a LOG that does not exist yet is read whole once
# it appears), until TERM, and then what was appended up to that moment: a
# SIGKILLed tail would lose an event the driver wrote just before the steps
# ended. The driver writes whole lines, one write each.
lab_events_follow() {
	local log=$1 off size stop=0 nap=''
	off=$(stat -c %s "$log" 2>/dev/null) || off=0
	trap 'stop=1; [ -z "$nap" ] || kill "$nap" 2>/dev/null' TERM
	while :; do
		size=$(stat -c %s "$log" 2>/dev/null) || size=0
		[ "$size" -ge "$off" ] || off=0 # a new file
		if [ "$size" -gt "$off" ]; then
			tail -c +$((off + 1)) "$log" | head -c $((size - off))
			off=$size
		fi
		[ "$stop" = 0 ] || return 0
		sleep 0.1 &
		nap=$!
		wait "$nap"
		nap=''
	done
}

# The follower is killed (TERM: it passes on what was appended up to then);
# awk ends at its input's end, once it has written the last events
# (upgrade/steps.sh waits for those in steps_events_drain_pids).
platform_events_start() {
	local out=${1:?platform_events_start needs FIFO} dir
	dir=$(dirname "$out")
	mkfifo "$dir/watch-lab" || return 1
	lab_events_follow "${PBPROBE_LAB_EVENTS:-$LAB/events.tsv}" >"$dir/watch-lab" &
	steps_events_pids+=($!)
	# time_us event instance version port slot detail
	awk -F '\t' '
		function say(text) { printf "@%s %s\n", $1, text; fflush() }
		$1 !~ /^[0-9]+$/ { next }
		$2 == "unready" { say("instance " $3 " unready: " $7) }
		$2 == "died" { say("instance " $3 " died: " $7) }
		$2 == "sigkill" { say("instance " $3 " killed: " $7) }
		$2 == "deadline-exceeded" { say("progress deadline exceeded: " $7) }
		$2 == "error" { say("driver error: " $7) }
	' <"$dir/watch-lab" >"$out" &
	steps_events_drain_pids+=($!)
}

# For humans: the Deployment, its instances and the Service's pool.
platform_describe() {
	local id pid port slot phase pool
	lab_load_env || return 1
	printf 'Service      http://127.0.0.1:%s (haproxy, %s)\n' "$LAB_HAPROXY_PORT" "$LAB_HAPROXY_DIR"
	printf 'Database     %s\n' "$LAB_DB"
	if [ -f "$LAB/deployment" ]; then
		printf 'Deployment   revision %s: %s, readiness %s, %s, %s replicas\n' \
			"$(lab_spec_get revision)" "$(lab_spec_get version)" "$(lab_spec_get readiness)" \
			"$(lab_spec_get strategy)" "$(lab_spec_get replicas)"
	fi
	[ -f "$LAB/instances.tsv" ] || return 0
	while IFS=$'\t' read -r id _ _ pid port slot phase pool _; do
		[ "${id:0:1}" != '#' ] || continue
		printf 'Instance     %-8s pid %-7s 127.0.0.1:%-5s %s %s%s\n' "$id" "$pid" "$port" "$slot" "$phase" \
			"$([ "$pool" = 1 ] && echo ', in the pool')"
	done <"$LAB/instances.tsv"
}
