#!/bin/bash
# t7100-scripts: scripts/ run the lab's steps (upgrade/steps.sh) with the
# Kubernetes platform against a stand-in kubectl. No cluster can run here:
# the stand-in renders with the real `kubectl kustomize`, records what each
# call applies, and plays the cluster's part in the reference case (2.8.0
# pods never get ready until the migration Job completed; a migration can be
# told to fail). The prober Job's pods are real: pbprobe-job and pbprobe run
# here, with the container's arguments as the manifest gives them, against a
# private nginx standing for the Service, and the scripts copy their logs out
# and gate with pbprobe-report as on a cluster.
#
# What it proves: the order of the steps (migration Job applied and complete
# before the rollout, no rollout when it failed, undo when the deadline
# passed and only then, never on a timeout while progress continues), the
# selectors that split an overlay (a rollout applies PyBossa's Deployments
# and settings alone, after kubectl diff shows nothing else would change),
# an earlier run's migration Job never taken for this one's, the settings
# (namespace, registry, context, NodePort), the probers' CPU from the rate,
# a lost prober log making the run inconclusive, Secrets made once, teardown
# by label, markers relayed to every prober, exit statuses. The stand-in
# keeps the objects applied, so kubectl diff and re-applies behave as on a
# cluster. What it cannot: how a real cluster schedules, probes and routes
# (docs/kubernetes.md, "Known limits").

# Bodies are single-quoted strings eval'd later; shellcheck cannot see that
# they use these variables and functions.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source-path=SCRIPTDIR source=./lib.sh
. "$(dirname "$0")/lib.sh"

S=$PB_SRC/scripts
LOGCAT=$PB_BUILD/t/helpers/logcat
M=$PB_SRC/manifests
REAL_KUBECTL=${KUBECTL:-kubectl}
command -v "$REAL_KUBECTL" >/dev/null 2>&1 || skip_all "no kubectl (apt-get install kubernetes-client)"
command -v node >/dev/null 2>&1 || skip_all "no node (apt-get install nodejs npm)"
[ -f "$PB_SRC/upgrade/steps.sh" ] || skip_all "no upgrade/steps.sh"
# manifests/validate installs the YAML parser the stand-in uses.
if ! DEPS=$("$M/validate" --deps-dir 2>"$TEST_DIR/deps.err"); then
	echo "Bail out! manifests/validate could not install its npm packages: $(tail -n 1 "$TEST_DIR/deps.err")"
	exit 1
fi
export PBPROBE_VALIDATE_DEPS=$DEPS
REAL_KUBECTL=$(command -v "$REAL_KUBECTL")
export REAL_KUBECTL

FAKE=$TEST_DIR/cluster
mkdir -p "$FAKE" "$TEST_DIR/bin"
export FAKE
cp "$M/pbprobe/pbprobe-job.sh" "$TEST_DIR/bin/pbprobe-job"
chmod +x "$TEST_DIR/bin/pbprobe-job"

# objects FILE [SELECTOR]: one JSON line per object of FILE that SELECTOR
# (=, !=, in, notin, !key: what the scripts use) picks.
cat >"$TEST_DIR/objects.mjs" <<'EOF'
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const YAML = createRequire(process.env.YAML_FROM)("yaml");
const [file, sel = ""] = process.argv.slice(2);
const terms = sel === "" ? [] : sel.split(/,(?![^(]*\))/).map((t) => t.trim());
const pick = (labels = {}) => terms.every((t) => {
  let m;
  if ((m = /^(\S+)\s+(notin|in)\s+\((.*)\)$/.exec(t))) {
    const vals = m[3].split(",").map((v) => v.trim());
    return m[2] === "in" ? vals.includes(labels[m[1]]) : !vals.includes(labels[m[1]]);
  }
  if ((m = /^!([^=!]+)$/.exec(t))) return !(m[1] in labels);
  if ((m = /^([^!=]+)!=(.*)$/.exec(t))) return labels[m[1]] !== m[2];
  if ((m = /^([^=]+)=(.*)$/.exec(t))) return labels[m[1]] === m[2];
  throw new Error(`selector term ${t}`);
});
for (const d of YAML.parseAllDocuments(readFileSync(file, "utf8"))) {
  const o = d.toJS();
  if (o && pick(o.metadata?.labels)) console.log(JSON.stringify(o));
}
EOF
export YAML_FROM=$DEPS/package.json

# The stand-in kubectl. State in $FAKE: calls (one line per call), applied
# (kind/name image... per apply), live/ (each object as last applied, by
# KIND.NAME: what kubectl diff compares with), image-DEPLOYMENT and
# history-DEPLOYMENT (its image, and the ones before, for undo),
# jobstatus-JOB (fixed when the Job is created), and one directory per
# prober pod.
cat >"$TEST_DIR/bin/kubectl" <<'EOF'
#!/bin/bash
set -u
printf '%s\n' "$*" >>"$FAKE/calls"
ns=default
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--namespace) ns=$2; shift 2 ;;
	--context) echo "$2" >>"$FAKE/contexts"; shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
set -- "${args[@]}"
# A watch (get KIND ... --watch[-only] -o json): the recorded stream
# $FAKE/watch-KIND.json at once, then what a test drops in
# $FAKE/watch-KIND.more (moved into place whole), until killed. Given
# $FAKE/watch-KIND.end-once, the watch ends after the recorded stream, as an
# API server ends one, and the next watch starts with what comes after.
if [[ " $* " == *" --watch"* ]]; then
	if [ -e "$FAKE/watch-$2.end-once" ]; then
		rm -f "$FAKE/watch-$2.end-once"
		[ ! -e "$FAKE/watch-$2.json" ] || cat "$FAKE/watch-$2.json"
		touch "$FAKE/watch-$2.ended"
		echo "error: watch closed by the API server (stand-in)" >&2
		exit 1
	fi
	[ -e "$FAKE/watch-$2.ended" ] || [ ! -e "$FAKE/watch-$2.json" ] || cat "$FAKE/watch-$2.json"
	while :; do
		if [ -e "$FAKE/watch-$2.more" ]; then
			mv "$FAKE/watch-$2.more" "$FAKE/watch-$2.sent" && cat "$FAKE/watch-$2.sent"
		fi
		sleep 0.05
	done
fi
mkdir -p "$FAKE/live"
objects() { node "$FAKE/../objects.mjs" "$@"; }
# kubectl's names: "deployment.apps/x" (apply -o name), and kubectl diff's
# file names, GROUP.VERSION.KIND.NAMESPACE.NAME.
oname() { jq -r '"\(.kind | ascii_downcase)\(if (.apiVersion | contains("/")) then "." + (.apiVersion | split("/")[0]) else "" end)/\(.metadata.name)"' <<<"$1"; }
dname() { jq -r --arg ns "$ns" '"\(.apiVersion | sub("/"; ".")).\(.kind).\($ns).\(.metadata.name)"' <<<"$1"; }
livefile() { jq -r --arg d "$FAKE/live" '"\($d)/\(.kind).\(.metadata.name).json"' <<<"$1"; }
cmd="$1 ${2:-}"
case $cmd in
"kustomize "*) exec "$REAL_KUBECTL" kustomize "$2" ;;
"get --raw") exit 0 ;;
"get namespace")
	[ -e "$FAKE/ns-$3" ] || { echo "Error from server (NotFound): namespaces \"$3\" not found" >&2; exit 1; }
	[ "${4:-}" = -o ] && cat "$FAKE/ns-$3"
	exit 0 ;;
"create namespace") : >"$FAKE/ns-$3" ;;
"label namespace") echo pbprobe-scripts >"$FAKE/ns-$3" ;;
"get secret") [ -e "$FAKE/secret-$3" ] ;;
"create secret")
	name=$4
	shift 4
	printf '%s\n' "${@#--from-literal=}" >"$FAKE/secret-$name" ;;
"label secret") ;;
"diff -f")
	# As kubectl diff: a header line per object that differs from the live
	# one (or is new); exit 1 when any does.
	file=$3 sel=''
	[ "${4:-}" = -l ] && sel=$5
	echo "diff [$sel]" >>"$FAKE/diffs"
	rc=0
	while IFS= read -r o; do
		f=$(livefile "$o")
		if [ ! -e "$f" ] || [ "$(jq -cS . "$f")" != "$(jq -cS . <<<"$o")" ]; then
			n=$(dname "$o")
			echo "diff -u -N /tmp/LIVE-1/$n /tmp/MERGED-1/$n"
			echo "(stand-in: $n differs)"
			rc=1
		fi
	done < <(objects "$file" "$sel")
	exit "$rc" ;;
"apply -f")
	file=$3 sel='' out=''
	shift 3
	while [ $# -gt 0 ]; do
		case $1 in -l) sel=$2; shift 2 ;; -o) out=$2; shift 2 ;; *) shift ;; esac
	done
	echo "apply $(basename "$file") [$sel]" >>"$FAKE/applied"
	objects "$file" >"$FAKE/all.jsonl" && objects "$file" "$sel" >"$FAKE/last.jsonl" || exit 1
	while IFS= read -r o; do
		kn=$(jq -r '"\(.kind)/\(.metadata.name) ns=\(.metadata.namespace // "-") \([.spec.template.spec.containers[]?.image] | join(","))"' <<<"$o")
		echo "  $kn" >>"$FAKE/applied"
		f=$(livefile "$o")
		if [ ! -e "$f" ]; then
			action=created
		elif [ "$(jq -cS . "$f")" = "$(jq -cS . <<<"$o")" ]; then
			action=unchanged
		else
			action=configured
		fi
		name=$(jq -r .metadata.name <<<"$o")
		case $kn in
		Deployment/*)
			printf '%s\n' "$o" >"$f"
			img=$(jq -r '.spec.template.spec.containers[0].image' <<<"$o")
			if [ "$action" = configured ] && [ -s "$FAKE/image-$name" ]; then cat "$FAKE/image-$name" >>"$FAKE/history-$name"; fi
			echo "$img" >"$FAKE/image-$name"
			[ "$name" != pybossa-web ] || jq -r '.spec.strategy.type' <<<"$o" >"$FAKE/strategy" ;;
		Job/pbprobe-*)
			"$FAKE/../start-probers" "$o" "$ns" || exit 1 ;;
		Job/*)
			# A Job's status is its own, fixed here when it is created;
			# applying an existing one changes nothing of it.
			[ "$action" = configured ] && action=unchanged
			if [ "$action" = created ]; then
				printf '%s\n' "$o" >"$f"
				case $name in
				pybossa-migrate-*)
					if [ "${FAKE_MIGRATION:-complete}" = complete ]; then
						: >"$FAKE/migrated"
						echo "Complete=True " >"$FAKE/jobstatus-$name"
					else
						echo "Failed=True " >"$FAKE/jobstatus-$name"
					fi ;;
				*) echo "Complete=True " >"$FAKE/jobstatus-$name" ;;
				esac
			fi ;;
		*) printf '%s\n' "$o" >"$f" ;;
		esac
		if [ "$out" = name ]; then oname "$o"; else echo "$(oname "$o") $action"; fi
	done <"$FAKE/last.jsonl"
	;;
"rollout status")
	case $3 in
	deployment/pybossa-web)
		# 2.8.0 reads helpingmaterial.priority: without the migration its
		# pods answer 500 on the readiness path and never get ready.
		if grep -q ':2\.8\.0$' "$FAKE/image-pybossa-web" && [ ! -e "$FAKE/migrated" ]; then
			echo "Waiting for deployment \"pybossa-web\" rollout to finish: 1 out of 3 new replicas have been updated..."
			echo "error: deployment \"pybossa-web\" exceeded its progress deadline" >&2
			exit 1
		fi
		# once: the wait after it completes
		if [ -e "$FAKE/rollout-hangs" ]; then
			rm -f "$FAKE/rollout-hangs"
			echo "error: timed out waiting for the condition" >&2
			exit 1
		fi
		echo "deployment \"pybossa-web\" successfully rolled out" ;;
	*) echo "$3 rolled out" ;;
	esac ;;
"get deployment/"*)
	# The Progressing condition's reason: progress goes on, unless told.
	cat "$FAKE/progressing-reason" 2>/dev/null || echo ReplicaSetUpdated ;;
"rollout undo")
	name=${3#deployment/}
	prev=$(tail -n 1 "$FAKE/history-$name") && sed -i '$d' "$FAKE/history-$name" && echo "$prev" >"$FAKE/image-$name"
	echo "deployment.apps/$name rolled back" ;;
"rollout history") cat "$FAKE/history-pybossa-web" 2>/dev/null; true ;;
"get jobs")
	# get jobs -l KEY=VALUE -o name
	key=${4%%=*} val=${4#*=}
	for f in "$FAKE"/live/Job.*.json; do
		[ -e "$f" ] || continue
		jq -r --arg k "$key" --arg v "$val" 'select(.metadata.labels[$k] == $v) | "job.batch/\(.metadata.name)"' "$f"
	done ;;
"get job/"*)
	name=${2#job/}
	[ -e "$FAKE/jobstatus-$name" ] || { echo "Error from server (NotFound): jobs.batch \"$name\" not found" >&2; exit 1; }
	cat "$FAKE/jobstatus-$name" ;;
"logs job/"*) echo "alembic: sqlalchemy.exc.OperationalError (stand-in)" ;;
"get service")
	# the node port, from the live Service; nothing else is asked here
	case $* in
	*nodePort*) jq -r '.spec.ports[0].nodePort // empty' "$FAKE/live/Service.pybossa-web.json" 2>/dev/null ;;
	esac ;;
"get nodes") echo 192.0.2.10 ;;
"get pods")
	job=$(printf '%s\n' "$@" | sed -n 's/^job-name=//p')
	for d in "$FAKE"/pods/"$job"-*/; do [ -e "$d/running" ] && basename "$d"; done; true ;;
"get pod") cat "$FAKE/pods/$3/index" ;;
"get deployment,replicaset,pod"*) echo "pybossa-web $(cat "$FAKE/image-pybossa-web")" ;;
"get endpoints") echo "pybossa-web 10.0.0.1:8080" ;;
"exec "*)
	pod=$2 d=$FAKE/pods/$2
	shift 3
	# FAKE_LOSE_INDEX: that prober's log cannot be read (its node is gone).
	if [ "${2:-}" = cat ] && [ "${FAKE_LOSE_INDEX:-}" = "$(cat "$d/index")" ]; then
		echo "error: unable to upgrade connection: container not found (stand-in)" >&2
		exit 1
	fi
	PBPROBE_JOB_STATE=$d/state PBPROBE_LOG_DIR=$d/logs PBPROBE_RUN=$(cat "$d/run") JOB_COMPLETION_INDEX=$(cat "$d/index") "$@" ;;
"logs "*)
	[ "${FAKE_LOSE_INDEX:-}" != "$(cat "$FAKE/pods/$2/index")" ] || { echo "error: pod not found (stand-in)" >&2; exit 1; }
	cat "$FAKE/pods/$2/stdout" ;;
"delete job")
	for d in "$FAKE"/pods/"$3"-*/; do
		[ -e "$d/running" ] || continue
		kill -TERM "$(cat "$d/pid")" 2>/dev/null
		rm -f "$d/running"
	done
	# FAKE_DELETE_NOOP: a delete that reports success and leaves the Job.
	[ -n "${FAKE_DELETE_NOOP:-}" ] || rm -f "$FAKE/live/Job.$3.json" "$FAKE/jobstatus-$3" ;;
"delete deployment,statefulset,service,job,poddisruptionbudget,configmap,secret,persistentvolumeclaim")
	echo "deleted by label: $*" >>"$FAKE/deleted"; rm -f "$FAKE"/secret-* ;;
"delete namespace") rm -f "$FAKE/ns-$3"; echo "namespace $3" >>"$FAKE/deleted" ;;
*) echo "stand-in kubectl: no answer for: $*" >&2; exit 1 ;;
esac
EOF
chmod +x "$TEST_DIR/bin/kubectl"

# start-probers JOB-JSON NS: the Job's pods, here: pbprobe-job with the
# container's command and arguments, $(VAR) expanded from its ConfigMap and
# env as the kubelet does, the Service's name pointing at the nginx.
cat >"$FAKE/../start-probers" <<'EOF'
#!/bin/bash
set -u
o=$1
job=$(jq -r .metadata.name <<<"$o")
n=$(jq -r .spec.parallelism <<<"$o")
cm=$(jq -r '.spec.template.spec.containers[0].envFrom[0].configMapRef.name' <<<"$o")
jq -c "select(.kind == \"ConfigMap\" and .metadata.name == \"$cm\") | .data" "$FAKE/all.jsonl" >"$FAKE/cm.json"
[ -s "$FAKE/cm.json" ] || { echo "no ConfigMap $cm applied with the Job" >&2; exit 1; }
mapfile -t argv < <(jq -r --slurpfile cm "$FAKE/cm.json" '
	(.spec.template.spec.containers[0].env // [] | map({(.name): .value}) | add) as $env
	| ($cm[0] + ($env // {})) as $vars
	| .spec.template.spec.containers[0] | (.command + .args)[]
	| gsub("\\$\\((?<v>[A-Z_]+)\\)"; $vars[.v])' <<<"$o")
echo "${argv[*]}" >"$FAKE/prober-argv"
for ((i = 0; i < n; i++)); do
	d=$FAKE/pods/$job-$i-x$RANDOM
	mkdir -p "$d"
	echo "$i" >"$d/index"
	jq -r '.PBPROBE_RUN' "$FAKE/cm.json" >"$d/run"
	: >"$d/running"
	(
		cd "$d" || exit 1
		a=("${argv[@]//http:\/\/pybossa-web/$FAKE_SERVICE_URL}")
		PBPROBE_JOB_STATE=$d/state PBPROBE_LOG_DIR=$d/logs PBPROBE_RUN=$(cat "$d/run") \
			JOB_COMPLETION_INDEX=$i PBPROBE_JOB_LINGER=60s "${a[@]}" >"$d/stdout" 2>"$d/stderr"
		echo "$?" >"$d/exit"
		rm -f "$d/running"
	) </dev/null &
	echo "$!" >"$d/pid"
done
EOF
chmod +x "$FAKE/../start-probers"

PATH=$TEST_DIR/bin:$PATH
NG_PORT=$(free_port)
# /api/helpingmaterial answers 500 while $TEST_DIR/broken exists (the live
# gate's test breaks it)
svc_nginx_start "$TEST_DIR/ng" "$NG_PORT" "location = /api/helpingmaterial { default_type application/json; if (-f $TEST_DIR/broken) { return 500; } return 200 \"[]\"; }" || {
	echo "Bail out! nginx did not start"
	exit 1
}
export FAKE_SERVICE_URL=http://127.0.0.1:$NG_PORT
export KUBECTL=kubectl PBPROBE_LOGS=$TEST_DIR/logs PBPROBE_K8S_NAMESPACE=pb-test
export PBPROBE_RATE=50 PBPROBE_LEAD=500ms PBPROBE_TAIL=500ms PBPROBE_K8S_MIGRATION_TIMEOUT=10
unset PBPROBE_PLATFORM PBPROBE_PROBER PBPROBE_K8S_URL PBPROBE_K8S_REGISTRY PBPROBE_K8S_CONTEXT

# run SCRIPT [ARGS]: runs scripts/SCRIPT.sh; its status in $rc, output in out.
run() {
	rc=0
	"$S/$1.sh" "${@:2}" >out 2>&1 || rc=$?
	cat out
}

test_expect_success 'setup: namespace, Secrets, everything of 2.7.1 but the rollout set, then the database Job' '
	run setup && test "$rc" = 0 &&
	test -e "$FAKE/ns-pb-test" && test "$(cat "$FAKE/ns-pb-test")" = pbprobe-scripts &&
	grep -q "^password=[A-Za-z0-9]\{32\}$" "$FAKE/secret-pybossa-db" &&
	grep -q "^secret-key=" "$FAKE/secret-pybossa-keys" &&
	sed -n "/^apply .*setup-2.7.1.yaml \[app.kubernetes.io\/component notin (migration,setup),!pbprobe\/rollout\]/,/^apply/p" "$FAKE/applied" >setup-applied &&
	grep -q "StatefulSet/postgres ns=pb-test" setup-applied &&
	grep -q "Service/pybossa-web ns=pb-test" setup-applied &&
	grep -q "ConfigMap/pybossa-alembic-" setup-applied &&
	! grep -q "Deployment/pybossa-" setup-applied &&
	! grep -q "ConfigMap/pybossa-settings-" setup-applied &&
	grep -A 2 "^apply .*setup-2.7.1.yaml \[app.kubernetes.io/component in (setup,database-config)\]" "$FAKE/applied" | grep -q "Job/pybossa-db-create ns=pb-test pybossa:2.7.1"
'

test_expect_success 'setup again keeps the Secrets (the database password must not change)' '
	cp "$FAKE/secret-pybossa-db" before &&
	run setup && test "$rc" = 0 &&
	test_cmp before "$FAKE/secret-pybossa-db"
'

test_expect_success 'every kubectl call names the namespace; rendered objects carry it' '
	! grep -v -e "--namespace pb-test" -e "^kustomize " "$FAKE/calls" &&
	! grep "ns=" "$FAKE/applied" | grep -v "ns=pb-test"
'

test_expect_success 'init-at-2-7-1: applies the rollout set alone (web, worker, scheduler, settings) and waits for each' '
	: >"$FAKE/applied" && : >"$FAKE/calls" &&
	run init-at-2-7-1 && test "$rc" = 0 &&
	for d in pybossa-web pybossa-worker pybossa-scheduler; do
		test "$(cat "$FAKE/image-$d")" = pybossa:2.7.1 &&
		grep -q "rollout status deployment/$d " "$FAKE/calls" || return 1
	done &&
	grep -q "rollout complete" out &&
	grep "^  " "$FAKE/applied" | sed "s/^ *//; s/ ns=.*//; s/-settings-.*/-settings/" | sort >set &&
	printf "%s\n" ConfigMap/pybossa-settings Deployment/pybossa-scheduler Deployment/pybossa-web Deployment/pybossa-worker >expect &&
	test_cmp expect set &&
	grep -c "^apply .* \[pbprobe/rollout=pybossa\]$" "$FAKE/applied" >n && test "$(cat n)" = 1
'

test_expect_success 'a rollout checks first, with kubectl diff, that only the rollout set would change' '
	grep "diff -f .*-deploy-2.7.1.yaml -l app.kubernetes.io/component notin (migration,setup)$" "$FAKE/calls" &&
	grep "diff -f .*-deploy-2.7.1.yaml -l pbprobe/rollout=pybossa$" "$FAKE/calls" &&
	grep -n "" "$FAKE/calls" | grep -e " diff -f " -e "apply -f .*-deploy-" | tail -n 1 | grep -q "apply -f"
'

test_expect_success 'upgrade-from-2-7-1-to-2-7-2: two probers in the cluster, the rollout, logs copied, gate passes' '
	: >"$FAKE/applied" &&
	PBPROBE_PROBERS=2 run upgrade-from-2-7-1-to-2-7-2 && test "$rc" = 0 &&
	test "$(cat "$FAKE/image-pybossa-web")" = pybossa:2.7.2 &&
	grep -q "Job/pbprobe-upgrade-from-2-7-1-to-2-7-2 ns=pb-test pbprobe:0.1.0" "$FAKE/applied" &&
	test -s logs/upgrade-from-2-7-1-to-2-7-2-0.log && test -s logs/upgrade-from-2-7-1-to-2-7-2-1.log &&
	grep -q "^verdict=pass$" logs/upgrade-from-2-7-1-to-2-7-2.result &&
	grep -q "^exit=0$" logs/upgrade-from-2-7-1-to-2-7-2.result &&
	grep -q "gate PASS" out
'

test_expect_success 'the probers ran the manifest'"'"'s arguments, and every step'"'"'s marker reached each log' '
	grep -q -- "--rate=50 --timeout=2s --lead=500ms --tail=500ms --version-header=X-App-Version --connections=home:both home=http://pybossa-web/ api=http://pybossa-web/api/helpingmaterial" "$FAKE/prober-argv" &&
	for i in 0 1; do
		"$LOGCAT" -f target:name,flags logs/upgrade-from-2-7-1-to-2-7-2-$i.log >targets-$i &&
		printf "%s\t%s\n" home keepalive "home~new" new-connection api keepalive >expect &&
		test_cmp expect targets-$i &&
		"$LOGCAT" -f mark:name logs/upgrade-from-2-7-1-to-2-7-2-$i.log >marks-$i &&
		grep -Fx "steps start" marks-$i &&
		printf "%s\n" "steps start" "rollout to 2.7.2" "rollout complete" "steps end (exit 0)" >expect &&
		test_cmp expect marks-$i &&
		grep -q "^end	" logs/upgrade-from-2-7-1-to-2-7-2-$i.log || return 1
	done
'

test_expect_success 'baseline: the probers alone for PBPROBE_BASELINE, nothing of the app applied; gate passes' '
	: >"$FAKE/applied" &&
	PBPROBE_BASELINE=1s run baseline && test "$rc" = 0 &&
	grep -q "^verdict=pass$" logs/baseline.result &&
	"$LOGCAT" -f mark:name logs/baseline-0.log >marks &&
	printf "%s\n" "steps start" "baseline for 1s" "baseline end" "steps end (exit 0)" >expect &&
	test_cmp expect marks &&
	test "$(grep -c "^apply" "$FAKE/applied")" = 1 &&
	grep -q "Job/pbprobe-baseline ns=pb-test" "$FAKE/applied" &&
	test "$(cat "$FAKE/image-pybossa-web")" = pybossa:2.7.2
'

test_expect_success 'each pod: pbprobe exited 0, its stdout is its log, and the Job was deleted' '
	pbprobe-report logs/upgrade-from-2-7-1-to-2-7-2-0.log logs/upgrade-from-2-7-1-to-2-7-2-1.log >report &&
	grep -q "^PASS" report &&
	test_wait_for 10 sh -c "! ls \"$FAKE\"/pods/*/running 2>/dev/null | grep -q ." &&
	for e in "$FAKE"/pods/pbprobe-upgrade-from-2-7-1-to-2-7-2-*/state/status; do test "$(cat "$e")" = 0 || return 1; done &&
	grep -q "delete job pbprobe-upgrade-from-2-7-1-to-2-7-2 --ignore-not-found$" "$FAKE/calls" &&
	for d in "$FAKE"/pods/pbprobe-upgrade-from-2-7-1-to-2-7-2-*/; do cmp "$d/stdout" "$d"/logs/*.log || return 1; done
'

test_expect_success 'failing-upgrade-from-2-7-2-to-2-8-0: no migration, deadline passed, all three undone; exit 1, gate passes' '
	: >"$FAKE/applied" && rm -f "$FAKE/migrated" &&
	run failing-upgrade-from-2-7-2-to-2-8-0 && test "$rc" = 1 &&
	for d in pybossa-web pybossa-worker pybossa-scheduler; do
		test "$(cat "$FAKE/image-$d")" = pybossa:2.7.2 &&
		grep -q "^rollout undo deployment/$d" <(sed "s/^--namespace pb-test //" "$FAKE/calls") || return 1
	done &&
	! grep -q "component=migration" "$FAKE/applied" &&
	! grep -q "Job/pybossa-migrate" "$FAKE/applied" &&
	grep -q "^rollout undo deployment/pybossa-web" <(sed "s/^--namespace pb-test //" "$FAKE/calls") &&
	"$LOGCAT" -f mark:name logs/failing-upgrade-from-2-7-2-to-2-8-0-0.log >marks &&
	printf "%s\n" "steps start" "rollout to 2.8.0" "rollout stalled: progress deadline exceeded" "rollout undo" "rollout undone" "steps end (exit 1)" >expect &&
	test_cmp expect marks &&
	grep -q "^verdict=pass$" logs/failing-upgrade-from-2-7-2-to-2-8-0.result &&
	grep -q "^exit=1$" logs/failing-upgrade-from-2-7-2-to-2-8-0.result
'

test_expect_success 'upgrade-from-2-7-2-to-2-8-0 whose migration fails rolls nothing out (exit 1) and says why' '
	: >"$FAKE/applied" &&
	FAKE_MIGRATION=failed run upgrade-from-2-7-2-to-2-8-0 && test "$rc" = 1 &&
	test "$(cat "$FAKE/image-pybossa-web")" = pybossa:2.7.2 &&
	grep -A 2 "\[app.kubernetes.io/component in (migration,database-config)\]" "$FAKE/applied" >migrate-applied &&
	grep -q "Job/pybossa-migrate-8fe68fbf6baa ns=pb-test pybossa:2.8.0" migrate-applied &&
	grep -q "ConfigMap/pybossa-alembic-" migrate-applied &&
	! grep -q "deploy-2.8.0" "$FAKE/applied" &&
	grep -q "alembic: sqlalchemy.exc.OperationalError" out &&
	grep -q "delete job pybossa-migrate-8fe68fbf6baa to run it again" out
'

test_expect_success 'a failed migration Job of an earlier run stops the next one: a person reads it first' '
	FAKE_MIGRATION=complete run upgrade-from-2-7-2-to-2-8-0 && test "$rc" = 1 &&
	grep -q "Job pybossa-migrate-8fe68fbf6baa failed in an earlier run and is kept for you to read" out &&
	test "$(cat "$FAKE/image-pybossa-web")" = pybossa:2.7.2 &&
	test ! -e "$FAKE/migrated"
'

test_expect_success 'upgrade-from-2-7-2-to-2-8-0: the migration Job alone, complete, then the rollout without it' '
	kubectl --namespace pb-test delete job pybossa-migrate-8fe68fbf6baa &&
	: >"$FAKE/applied" &&
	run upgrade-from-2-7-2-to-2-8-0 && test "$rc" = 0 &&
	test "$(cat "$FAKE/image-pybossa-web")" = pybossa:2.8.0 &&
	test "$(cat "$FAKE/image-pybossa-worker")" = pybossa:2.8.0 &&
	test "$(cat "$FAKE/image-pybossa-scheduler")" = pybossa:2.8.0 &&
	grep "^apply" "$FAKE/applied" | grep -v probers >order &&
	sed -n 1p order | grep -q "migrate-2.8.0.yaml \[app.kubernetes.io/component in (migration,database-config)\]" &&
	sed -n 2p order | grep -q "deploy-2.8.0.yaml \[pbprobe/rollout=pybossa\]" &&
	test "$(grep -c "Job/pybossa-migrate" "$FAKE/applied")" = 1 &&
	"$LOGCAT" -f mark:name logs/upgrade-from-2-7-2-to-2-8-0-0.log >marks &&
	printf "%s\n" "steps start" "migration start" "migration end" "rollout to 2.8.0" "rollout complete" "steps end (exit 0)" >expect &&
	test_cmp expect marks
'

test_expect_success 'a completed migration Job of an earlier run is deleted, never taken for this run'"'"'s' '
	: >"$FAKE/calls" && rm -f "$FAKE/migrated" &&
	cp "$FAKE/image-pybossa-web" before &&
	test -e "$FAKE/live/Job.pybossa-migrate-8fe68fbf6baa.json" &&
	FAKE_MIGRATION=failed run upgrade-from-2-7-2-to-2-8-0 && test "$rc" = 1 &&
	grep -q "completed in an earlier run: deleting it" out &&
	grep -n "" "$FAKE/calls" | grep -e "delete job pybossa-migrate-8fe68fbf6baa" -e "apply -f .*migrate-2.8.0" >order &&
	sed -n 1p order | grep -q "delete job" && sed -n 2p order | grep -q "apply -f" &&
	test_cmp before "$FAKE/image-pybossa-web" && ! grep -q "apply -f .*deploy-2.8.0" "$FAKE/calls" &&
	grep -q "migration failed" out
'

test_expect_success 'a Job that the delete left in place is not this run'"'"'s either (apply did not create it)' '
	kubectl --namespace pb-test delete job pybossa-migrate-8fe68fbf6baa &&
	run upgrade-from-2-7-2-to-2-8-0 && test "$rc" = 0 &&
	: >"$FAKE/calls" &&
	FAKE_DELETE_NOOP=1 run upgrade-from-2-7-2-to-2-8-0 && test "$rc" = 1 &&
	grep -q "Job pybossa-migrate-8fe68fbf6baa was not created by this run (kubectl apply: unchanged)" out &&
	! grep -q "apply -f .*deploy-2.8.0" "$FAKE/calls"
'

test_expect_success 'a rollout still progressing at the timeout is left as it is: not undone, exit 3, says so' '
	: >"$FAKE/rollout-hangs" && : >"$FAKE/calls" &&
	run upgrade-from-2-7-1-to-2-7-2 && test "$rc" = 3 &&
	grep -q "rollout still in progress after [0-9]*s: not undone" out &&
	grep -q "still making progress: left as it is, not undone" out &&
	! grep -q "rollout undo" "$FAKE/calls" &&
	test "$(cat "$FAKE/image-pybossa-web")" = pybossa:2.7.2
'

test_expect_success 'a timeout when the condition says ProgressDeadlineExceeded is a stall: undone, exit 1' '
	run upgrade-from-2-7-2-to-2-8-0 && test "$rc" = 0 &&
	echo ProgressDeadlineExceeded >"$FAKE/progressing-reason" && : >"$FAKE/rollout-hangs" &&
	: >"$FAKE/calls" &&
	run upgrade-from-2-7-1-to-2-7-2 && rm -f "$FAKE/progressing-reason" &&
	test "$rc" = 1 && test "$(cat "$FAKE/image-pybossa-web")" = pybossa:2.8.0 &&
	grep -q "rollout stalled: progress deadline exceeded" out &&
	grep -q "rollout undo deployment/pybossa-web" "$FAKE/calls"
'

test_expect_success 'drift outside the rollout set stops the rollout before anything is applied, naming it' '
	f=$FAKE/live/StatefulSet.postgres.json &&
	cp "$f" saved && jq -c ".spec.replicas = 2" saved >"$f" &&
	: >"$FAKE/calls" &&
	run upgrade-from-2-7-1-to-2-7-2 && cp saved "$f" &&
	test "$rc" = 3 &&
	grep -q "refusing the rollout: applying .*-deploy-2.7.2.yaml would also change what a rollout must not touch:" out &&
	grep -qx "  apps.v1.StatefulSet.pb-test.postgres" out &&
	grep -q "rollout not started" out &&
	! grep -q "apply -f .*-deploy-2.7.2" "$FAKE/calls" &&
	ls "$PBPROBE_LOGS"/kubernetes/*-deploy-2.7.2.yaml.diff
'

test_expect_success 'a prober log that cannot be collected makes the run INCONCLUSIVE (exit 2), never a pass' '
	PBPROBE_PROBERS=2 FAKE_LOSE_INDEX=1 run upgrade-from-2-7-1-to-2-7-2 && test "$rc" = 2 &&
	grep -q "1 of 2 prober log(s) collected, a prober failed" out &&
	grep -q "gate INCONCLUSIVE" out &&
	grep -q "^verdict=inconclusive$" logs/upgrade-from-2-7-1-to-2-7-2.result &&
	grep -q "^exit=2$" logs/upgrade-from-2-7-1-to-2-7-2.result &&
	test -s logs/upgrade-from-2-7-1-to-2-7-2-0.log
'

test_expect_success 'the probers'"'"' CPU: request = limit, from the rate, and what the scripts render validates' '
	f=$(ls "$PBPROBE_LOGS"/kubernetes/*-probers-upgrade-from-2-7-1-to-2-7-2.yaml | tail -n 1) &&
	jq -r "select(.kind == \"Job\") | .spec.template.spec.containers[0].resources | \"\(.requests.cpu) \(.limits.cpu)\"" \
		<(node "$TEST_DIR/objects.mjs" "$f") >cpu && echo "250m 250m" >expect && test_cmp expect cpu &&
	(. "$S/platform-kubernetes.sh" && PBPROBE_RATE=400 k8s_probers_render r 2 "$TEST_DIR/probers-400.yaml") &&
	node "$TEST_DIR/objects.mjs" "$TEST_DIR/probers-400.yaml" |
		jq -r "select(.kind == \"Job\") | .spec.template.spec.containers[0].resources | \"\(.requests.cpu) \(.limits.cpu)\"" >cpu &&
	echo "250m 250m" >expect && test_cmp expect cpu &&
	node "$M/validate.mjs" "pbprobe=$TEST_DIR/probers-400.yaml" &&
	test "$(. "$S/platform-kubernetes.sh" && k8s_prober_cpu_m 15000)" = 1500 &&
	for r in 5000 5k; do
		! (. "$S/platform-kubernetes.sh" && PBPROBE_RATE=$r k8s_probers_render r 2 "$TEST_DIR/probers-$r.yaml") 2>err &&
		grep -q "PBPROBE_RATE: 5000 is above 400, the most a prober pod can open new connections" err || return 1
	done &&
	! (. "$S/platform-kubernetes.sh" && PBPROBE_RATE=fast k8s_probers_render r 1 "$TEST_DIR/bad.yaml") 2>err &&
	grep -q "PBPROBE_RATE: a whole number" err
'

test_expect_success 'the registry, the context: settings that reach every image and call' '
	: >"$FAKE/applied" && : >"$FAKE/contexts" &&
	PBPROBE_K8S_REGISTRY=registry.example.com/team PBPROBE_K8S_CONTEXT=prod run init-at-2-7-1 && test "$rc" = 0 &&
	test "$(cat "$FAKE/image-pybossa-web")" = registry.example.com/team/pybossa:2.7.1 &&
	grep -qx prod "$FAKE/contexts" &&
	PBPROBE_K8S_REGISTRY=registry.example.com/team run upgrade-from-2-7-1-to-2-7-2 && test "$rc" = 0 &&
	grep -q "Job/pbprobe-upgrade-from-2-7-1-to-2-7-2 ns=pb-test registry.example.com/team/pbprobe:0.1.0" "$FAKE/applied"
'

test_expect_success 'the applied manifests are kept, and they validate' '
	ls "$PBPROBE_LOGS"/kubernetes/*-deploy-2.8.0.yaml &&
	f=$(ls "$PBPROBE_LOGS"/kubernetes/*-deploy-2.8.0.yaml | tail -n 1) &&
	node "$M/validate.mjs" "overlays/2.8.0=$f"
'

test_expect_success 'the lab'"'"'s negative controls run here too; their options break exactly the rules they mean to' '
	scenario() { rc=0; "$S/scenario.sh" "$@" >out 2>&1 || rc=$?; cat out; }
	scenario recreate-upgrade-from-2-7-1-to-2-7-2 && test "$rc" = 0 &&
	f=$(ls -t "$PBPROBE_LOGS"/kubernetes/*-deploy-2.7.2.yaml | head -n 1) &&
	{ node "$M/validate.mjs" "overlays/2.7.2=$f" 2>err; test $? = 1; } && cat err &&
	grep -q "spec.strategy.type: must be RollingUpdate, is Recreate" err &&
	! grep -q readinessProbe err &&
	scenario no-readiness-upgrade-from-2-7-2-to-2-8-0 &&
	f=$(ls -t "$PBPROBE_LOGS"/kubernetes/*-deploy-2.8.0.yaml | head -n 1) &&
	{ node "$M/validate.mjs" "overlays/2.8.0=$f" 2>err; test $? = 1; } && cat err &&
	grep -q "readinessProbe.httpGet.path: must be /api/helpingmaterial, is undefined" err &&
	! grep -q "strategy" err &&
	grep -q "users see errors" out
'

test_expect_success 'the live gate on a cluster: pbprobe aborts on a broken API and runs kubectl rollout undo' '
	: >"$FAKE/calls" &&
	rm -f "$TEST_DIR/broken" &&
	mkdir -p "$TEST_DIR/tmp" &&
	{ TMPDIR=$TEST_DIR/tmp PBPROBE_K8S_URL=$FAKE_SERVICE_URL "$S/guarded-upgrade-from-2-7-2-to-2-8-0.sh" --prober local \
		>guarded.out 2>&1 & g=$!; } &&
	# break the API once the steps wait after the rollout, as a bad 2.8.0 would
	for i in $(seq 100); do
		grep -q "users see errors; nobody is watching" "$PBPROBE_LOGS/guarded-upgrade-from-2-7-2-to-2-8-0.log" 2>/dev/null && break
		sleep 0.1
	done &&
	# the cluster says why, just before users see it
	jq -n "{kind: \"Event\", reason: \"Killing\", message: \"Stopping container web\", count: 1,
		involvedObject: {kind: \"Pod\", name: \"pybossa-web-5d8b7c9f4-abcde\"}}" >"$FAKE/watch-events.new" &&
	# whole, at once: the stand-in takes a .more file as soon as it exists
	mv "$FAKE/watch-events.new" "$FAKE/watch-events.more" &&
	# on the prober'"'"'s timeline before users see it: then it is the event
	# the window follows, however loaded the machine
	for i in $(seq 200); do
		grep -q "Killing pod/pybossa-web-5d8b7c9f4-abcde" "$PBPROBE_LOGS/guarded-upgrade-from-2-7-2-to-2-8-0.log" && break
		sleep 0.05
	done &&
	touch "$TEST_DIR/broken" &&
	# the rollback heals it: the API answers again once the undo has run
	for i in $(seq 100); do
		grep -q "rollout undo deployment/pybossa-web" "$FAKE/calls" && break
		sleep 0.1
	done &&
	rm -f "$TEST_DIR/broken" &&
	{ wait $g && rc=0 || rc=$?; } &&
	cat guarded.out &&
	test "$rc" = 2 &&
	grep -q "the live gate aborted the upgrade, and the rollback succeeded" guarded.out &&
	grep -q "rollout undo deployment/pybossa-web" <(sed "s/^--namespace pb-test //" "$FAKE/calls") &&
	log=$PBPROBE_LOGS/guarded-upgrade-from-2-7-2-to-2-8-0.log &&
	"$LOGCAT" -f abort:target,rule "$log" >abort &&
	test "$(cat abort)" = "api	max-window" &&
	"$LOGCAT" -f cmd-exit:how "$log" | grep -qx killed:SIGTERM &&
	"$LOGCAT" -f mark:name "$log" | grep -qx "rollout undone" &&
	grep -q "; last event \[k8s\] Killing pod/pybossa-web-5d8b7c9f4-abcde: Stopping container web (+" \
		"$PBPROBE_LOGS/guarded-upgrade-from-2-7-2-to-2-8-0.txt" &&
	# the steps killed by pbprobe, then the rollback: no watcher, no FIFO left
	! pgrep -f "$TEST_DIR/bin/kubectl .*--watch" &&
	test -z "$(ls -A "$TEST_DIR/tmp")" &&
	rm -f "$FAKE/watch-events.sent" &&
	run guarded-upgrade-from-2-7-2-to-2-8-0 && test "$rc" = 3 && grep -q "needs --prober local" out
'

test_expect_success 'the cluster'"'"'s events on the timeline: recorded watches become [k8s] marks, in both prober modes' '
	for k in events pods deployments; do
		cp "$PB_SRC/t/data/k8s-watch/$k.json" "$FAKE/watch-$k.json" || return 1
	done &&
	PBPROBE_K8S_URL=$FAKE_SERVICE_URL run upgrade-from-2-7-1-to-2-7-2 --prober local && test "$rc" = 0 &&
	"$LOGCAT" -f mark:name "$PBPROBE_LOGS/upgrade-from-2-7-1-to-2-7-2.log" | grep "^\[k8s\] " | sort >marks &&
	cat >expect.unsorted <<-\EOF &&
	[k8s] SuccessfulCreate job/pybossa-migrate-8fe68fbf6baa: Created pod: pybossa-migrate-8fe68fbf6baa-q7zl2
	[k8s] Completed job/pybossa-migrate-8fe68fbf6baa: Job completed
	[k8s] ScalingReplicaSet deployment/pybossa-web: Scaled up replica set pybossa-web-7f9c6d5b8 to 1
	[k8s] SuccessfulCreate replicaset/pybossa-web-7f9c6d5b8: Created pod: pybossa-web-7f9c6d5b8-x2k9p
	[k8s] Unhealthy pod/pybossa-web-7f9c6d5b8-x2k9p: Readiness probe failed: HTTP probe failed with statuscode: 500
	[k8s] Killing pod/pybossa-web-5d8b7c9f4-abcde: Stopping container web
	[k8s] BackOff pod/pybossa-web-5d8b7c9f4-fghij: Back-off restarting failed container web in pod pybossa-web-5d8b7c9f4-fghij_pb-test(o-1) second line
	[k8s] pod/pybossa-web-7f9c6d5b8-x2k9p Ready
	[k8s] pod/pybossa-web-5d8b7c9f4-abcde terminating
	[k8s] pod/pybossa-web-5d8b7c9f4-abcde NotReady
	[k8s] pod/pybossa-web-5d8b7c9f4-fghij NotReady
	[k8s] pod/pybossa-web-5d8b7c9f4-fghij: container web restarted (last state: OOMKilled, exit 137)
	[k8s] deployment/pybossa-web Progressing=True: ReplicaSetUpdated (ReplicaSet "pybossa-web-7f9c6d5b8" is progressing.)
	[k8s] deployment/pybossa-web Progressing=False: ProgressDeadlineExceeded (ReplicaSet "pybossa-web-7f9c6d5b8" has timed out progressing.)
	EOF
	sort expect.unsorted >expect &&
	test_cmp expect marks &&
	grep -q "^get events --watch-only -o json" <(sed "s/^--namespace pb-test //" "$FAKE/calls") &&
	! pgrep -f "$TEST_DIR/bin/kubectl .*--watch" &&
	PBPROBE_PROBERS=1 run upgrade-from-2-7-1-to-2-7-2 && test "$rc" = 0 &&
	"$LOGCAT" -f mark:name logs/upgrade-from-2-7-1-to-2-7-2-0.log | grep "^\[k8s\] " | sort >marks &&
	test_cmp expect marks &&
	PBPROBE_EVENTS=0 PBPROBE_K8S_URL=$FAKE_SERVICE_URL run upgrade-from-2-7-1-to-2-7-2 --prober local && test "$rc" = 0 &&
	! "$LOGCAT" -f mark:name "$PBPROBE_LOGS/upgrade-from-2-7-1-to-2-7-2.log" | grep "^\[k8s\] " &&
	: the API server ends the events watch: it is run again, said on the timeline, nothing twice &&
	: >"$FAKE/calls" && touch "$FAKE/watch-events.end-once" &&
	PBPROBE_K8S_URL=$FAKE_SERVICE_URL run upgrade-from-2-7-1-to-2-7-2 --prober local && test "$rc" = 0 &&
	"$LOGCAT" -f mark:name "$PBPROBE_LOGS/upgrade-from-2-7-1-to-2-7-2.log" | grep "^\[k8s\] " | sort >marks &&
	echo "[k8s] watch of events ended (kubectl status 1: error: watch closed by the API server (stand-in)); restarted" >>expect.unsorted &&
	sort expect.unsorted >expect &&
	test_cmp expect marks &&
	test "$(sed "s/^--namespace pb-test //" "$FAKE/calls" | grep -c "^get events --watch-only -o json")" = 2 &&
	! pgrep -f "$TEST_DIR/bin/kubectl .*--watch" &&
	rm -f "$FAKE"/watch-*
'

test_expect_success 'bad usage and a missing URL for a local prober are exit 3, with a reason' '
	run upgrade-from-2-7-1-to-2-7-2 --prober elsewhere && test "$rc" = 3 && grep -q "job or local" out &&
	run upgrade-from-2-7-1-to-2-7-2 --prober local && test "$rc" = 3 && grep -q "PBPROBE_K8S_URL" out &&
	run upgrade-from-2-7-1-to-2-7-2 --platform moon && test "$rc" = 3 &&
	"$S/scenario.sh" no-such-scenario >out 2>&1; test $? = 3 && grep -q "no scenario" out
'

test_expect_success 'NodePort overlay: setup makes the Service a NodePort, rollouts keep it, the URL is a node'"'"'s' '
	PBPROBE_K8S_EXPOSE=nodeport PBPROBE_K8S_NODEPORT=30080 run setup && test "$rc" = 0 &&
	jq -e ".spec.type == \"NodePort\" and .spec.ports[0].nodePort == 30080" "$FAKE/live/Service.pybossa-web.json" &&
	: >"$FAKE/applied" &&
	PBPROBE_K8S_EXPOSE=nodeport PBPROBE_K8S_NODEPORT=30080 run init-at-2-7-1 && test "$rc" = 0 &&
	! grep -q "Service/" "$FAKE/applied" &&
	test "$(. "$S/platform-kubernetes.sh" && platform_url)" = http://192.0.2.10:30080 &&
	run init-at-2-7-1 && test "$rc" = 1 &&
	grep -qx "  v1.Service.pb-test.pybossa-web" out &&
	jq -e ".spec.type == \"NodePort\"" "$FAKE/live/Service.pybossa-web.json" &&
	run setup && test "$rc" = 0 &&
	jq -e ".spec.type == \"ClusterIP\"" "$FAKE/live/Service.pybossa-web.json" &&
	PBPROBE_K8S_EXPOSE=ingress run init-at-2-7-1 && test "$rc" = 1 && grep -q "PBPROBE_K8S_EXPOSE is none or nodeport" out
'

test_expect_success 'teardown: by label, and the namespace only because setup made it' '
	: >"$FAKE/deleted" &&
	run teardown && test "$rc" = 0 &&
	grep -q "app.kubernetes.io/name in (pybossa,postgres,redis,pbprobe)" "$FAKE/deleted" &&
	grep -q "app.kubernetes.io/part-of=pybossa" "$FAKE/deleted" &&
	grep -qx "namespace pb-test" "$FAKE/deleted" &&
	echo > "$FAKE/ns-shared" && : >"$FAKE/deleted" &&
	PBPROBE_K8S_NAMESPACE=shared run teardown && test "$rc" = 0 &&
	! grep -q "^namespace" "$FAKE/deleted" && test -e "$FAKE/ns-shared"
'

if command -v shellcheck >/dev/null 2>&1; then
	test_expect_success 'shellcheck: scripts/' '
		shellcheck -x "$S"/*.sh
	'
else
	test_skip 'shellcheck: scripts/' 'no shellcheck (apt-get install shellcheck)'
fi

test_done
