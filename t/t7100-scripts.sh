#!/bin/bash
# t7100-scripts: scripts/ run the lab's steps (lab/steps.sh) with the
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
# passed), the selectors that split an overlay, the settings (namespace,
# registry, context), Secrets made once, teardown by label, markers relayed
# to every prober, exit statuses. What it cannot: how a real cluster
# schedules, probes and routes (docs/kubernetes.md, "Known limits").

# Bodies are single-quoted strings eval'd later; shellcheck cannot see that
# they use these variables and functions.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source-path=SCRIPTDIR source=./lib.sh
. "$(dirname "$0")/lib.sh"

S=$PB_SRC/scripts
M=$PB_SRC/manifests
REAL_KUBECTL=${KUBECTL:-kubectl}
command -v "$REAL_KUBECTL" >/dev/null 2>&1 || skip_all "no kubectl (apt-get install kubernetes-client)"
command -v node >/dev/null 2>&1 || skip_all "no node (apt-get install nodejs npm)"
[ -f "$PB_SRC/lab/steps.sh" ] || skip_all "no lab/steps.sh"
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
# (=, !=, in, notin: what the scripts use) picks.
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
# (kind/name image... per apply), image (the Deployment's), history, and
# one directory per prober pod.
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
objects() { node "$FAKE/../objects.mjs" "$@"; }
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
		case $kn in
		Deployment/pybossa-web*)
			img=$(jq -r '.spec.template.spec.containers[0].image' <<<"$o")
			[ -s "$FAKE/image" ] && cat "$FAKE/image" >>"$FAKE/history"
			echo "$img" >"$FAKE/image"
			jq -r '.spec.strategy.type' <<<"$o" >"$FAKE/strategy" ;;
		Job/pbprobe-*)
			"$FAKE/../start-probers" "$o" "$ns" || exit 1 ;;
		Job/*) : >"$FAKE/job-$(jq -r .metadata.name <<<"$o")" ;;
		esac
		if [ "$out" = name ]; then jq -r '"\(.kind | ascii_downcase)\(if .kind == "Job" then ".batch" else "" end)/\(.metadata.name)"' <<<"$o"; fi
	done <"$FAKE/last.jsonl"
	;;
"rollout status")
	case $3 in
	deployment/pybossa-web)
		# 2.8.0 reads helpingmaterial.priority: without the migration its
		# pods answer 500 on the readiness path and never get ready.
		if grep -q ':2\.8\.0$' "$FAKE/image" && [ ! -e "$FAKE/migrated" ]; then
			echo "Waiting for deployment \"pybossa-web\" rollout to finish: 1 out of 3 new replicas have been updated..."
			echo "error: deployment \"pybossa-web\" exceeded its progress deadline" >&2
			exit 1
		fi
		# once: the undo that follows completes
		if [ -e "$FAKE/rollout-hangs" ]; then
			rm -f "$FAKE/rollout-hangs"
			echo "error: timed out waiting for the condition" >&2
			exit 1
		fi
		echo "deployment \"pybossa-web\" successfully rolled out" ;;
	*) echo "$3 rolled out" ;;
	esac ;;
"rollout undo")
	prev=$(tail -n 1 "$FAKE/history") && sed -i '$d' "$FAKE/history" && echo "$prev" >"$FAKE/image"
	echo "deployment.apps/pybossa-web rolled back" ;;
"rollout history") cat "$FAKE/history" ;;
"get job/"*)
	name=${2#job/}
	case $name in
	pybossa-migrate-*)
		if [ "${FAKE_MIGRATION:-complete}" = complete ]; then : >"$FAKE/migrated"; echo "Complete=True "; else echo "Failed=True "; fi ;;
	*) echo "Complete=True " ;;
	esac ;;
"logs job/"*) echo "alembic: sqlalchemy.exc.OperationalError (stand-in)" ;;
"get service") ;;
"get pods")
	job=$(printf '%s\n' "$@" | sed -n 's/^job-name=//p')
	for d in "$FAKE"/pods/"$job"-*/; do [ -e "$d/running" ] && basename "$d"; done; true ;;
"get pod") cat "$FAKE/pods/$3/index" ;;
"get deployment,replicaset,pod"*) echo "pybossa-web $(cat "$FAKE/image")" ;;
"get endpoints") echo "pybossa-web 10.0.0.1:8080" ;;
"exec "*)
	pod=$2 d=$FAKE/pods/$2
	shift 3
	PBPROBE_JOB_STATE=$d/state PBPROBE_LOG_DIR=$d/logs PBPROBE_RUN=$(cat "$d/run") JOB_COMPLETION_INDEX=$(cat "$d/index") "$@" ;;
"logs "*) cat "$FAKE/pods/$2/stdout" ;;
"delete job")
	for d in "$FAKE"/pods/"$3"-*/; do
		[ -e "$d/running" ] || continue
		kill -TERM "$(cat "$d/pid")" 2>/dev/null
		rm -f "$d/running"
	done ;;
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
svc_nginx_start "$TEST_DIR/ng" "$NG_PORT" 'location = /api/helpingmaterial { default_type application/json; return 200 "[]"; }' || {
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

test_expect_success 'setup: namespace, Secrets, everything of 2.7.1 but the Deployment, then the database Job' '
	run setup && test "$rc" = 0 &&
	test -e "$FAKE/ns-pb-test" && test "$(cat "$FAKE/ns-pb-test")" = pbprobe-scripts &&
	grep -q "^password=[A-Za-z0-9]\{32\}$" "$FAKE/secret-pybossa-db" &&
	grep -q "^secret-key=" "$FAKE/secret-pybossa-keys" &&
	grep -A 20 "^apply .*setup-2.7.1.yaml \[app.kubernetes.io/component notin (migration,setup)\]" "$FAKE/applied" >setup-applied &&
	grep -q "StatefulSet/postgres ns=pb-test" setup-applied &&
	grep -q "Service/pybossa-web ns=pb-test" setup-applied &&
	! grep -q "Deployment/pybossa-web" setup-applied &&
	grep -A 1 "^apply .*setup-2.7.1.yaml \[app.kubernetes.io/component=setup\]" "$FAKE/applied" | grep -q "Job/pybossa-db-create ns=pb-test pybossa:2.7.1"
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

test_expect_success 'init-at-2-7-1: applies the 2.7.1 Deployment and waits for it' '
	: >"$FAKE/applied" &&
	run init-at-2-7-1 && test "$rc" = 0 &&
	test "$(cat "$FAKE/image")" = pybossa:2.7.1 &&
	grep -q "rollout complete" out &&
	! grep -q "Job/" "$FAKE/applied"
'

test_expect_success 'upgrade-from-2-7-1-to-2-7-2: two probers in the cluster, the rollout, logs copied, gate passes' '
	: >"$FAKE/applied" &&
	PBPROBE_PROBERS=2 run upgrade-from-2-7-1-to-2-7-2 && test "$rc" = 0 &&
	test "$(cat "$FAKE/image")" = pybossa:2.7.2 &&
	grep -q "Job/pbprobe-upgrade-from-2-7-1-to-2-7-2 ns=pb-test pbprobe:0.1.0" "$FAKE/applied" &&
	test -s logs/upgrade-from-2-7-1-to-2-7-2-0.log && test -s logs/upgrade-from-2-7-1-to-2-7-2-1.log &&
	grep -q "^verdict=pass$" logs/upgrade-from-2-7-1-to-2-7-2.result &&
	grep -q "^exit=0$" logs/upgrade-from-2-7-1-to-2-7-2.result &&
	grep -q "gate PASS" out
'

test_expect_success 'the probers ran the manifest'"'"'s arguments, and every step'"'"'s marker reached each log' '
	grep -q -- "--rate=50 --timeout=2s --lead=500ms --tail=500ms --version-header=X-App-Version home=http://pybossa-web/ api=http://pybossa-web/api/helpingmaterial" "$FAKE/prober-argv" &&
	for i in 0 1; do
		cut -f3 logs/upgrade-from-2-7-1-to-2-7-2-$i.log | grep -Fx "steps start" &&
		awk -F"\t" "\$1 == \"mark\" { print \$3 }" logs/upgrade-from-2-7-1-to-2-7-2-$i.log >marks-$i &&
		printf "%s\n" "steps start" "rollout to 2.7.2" "rollout complete" "steps end (exit 0)" >expect &&
		test_cmp expect marks-$i &&
		grep -q "^end	" logs/upgrade-from-2-7-1-to-2-7-2-$i.log || return 1
	done
'

test_expect_success 'each pod: pbprobe exited 0, its stdout is its log, and the Job was deleted' '
	pbprobe-report logs/upgrade-from-2-7-1-to-2-7-2-0.log logs/upgrade-from-2-7-1-to-2-7-2-1.log >report &&
	grep -q "^PASS" report &&
	test_wait_for 10 sh -c "! ls \"$FAKE\"/pods/*/running 2>/dev/null | grep -q ." &&
	for e in "$FAKE"/pods/pbprobe-upgrade-from-2-7-1-to-2-7-2-*/state/status; do test "$(cat "$e")" = 0 || return 1; done &&
	grep -q "delete job pbprobe-upgrade-from-2-7-1-to-2-7-2 --ignore-not-found$" "$FAKE/calls" &&
	for d in "$FAKE"/pods/pbprobe-upgrade-from-2-7-1-to-2-7-2-*/; do cmp "$d/stdout" "$d"/logs/*.log || return 1; done
'

test_expect_success 'failing-upgrade-from-2-7-2-to-2-8-0: no migration, deadline passed, undone; exit 1, gate passes' '
	: >"$FAKE/applied" && rm -f "$FAKE/migrated" &&
	run failing-upgrade-from-2-7-2-to-2-8-0 && test "$rc" = 1 &&
	test "$(cat "$FAKE/image")" = pybossa:2.7.2 &&
	! grep -q "component=migration" "$FAKE/applied" &&
	! grep -q "Job/pybossa-migrate" "$FAKE/applied" &&
	grep -q "^rollout undo deployment/pybossa-web" <(sed "s/^--namespace pb-test //" "$FAKE/calls") &&
	awk -F"\t" "\$1 == \"mark\" { print \$3 }" logs/failing-upgrade-from-2-7-2-to-2-8-0-0.log >marks &&
	printf "%s\n" "steps start" "rollout to 2.8.0" "rollout stalled: progress deadline exceeded" "rollout undo" "rollout undone" "steps end (exit 1)" >expect &&
	test_cmp expect marks &&
	grep -q "^verdict=pass$" logs/failing-upgrade-from-2-7-2-to-2-8-0.result &&
	grep -q "^exit=1$" logs/failing-upgrade-from-2-7-2-to-2-8-0.result
'

test_expect_success 'upgrade-from-2-7-2-to-2-8-0 whose migration fails rolls nothing out (exit 1) and says why' '
	: >"$FAKE/applied" &&
	FAKE_MIGRATION=failed run upgrade-from-2-7-2-to-2-8-0 && test "$rc" = 1 &&
	test "$(cat "$FAKE/image")" = pybossa:2.7.2 &&
	grep -A 1 "\[app.kubernetes.io/component=migration\]" "$FAKE/applied" | grep -q "Job/pybossa-migrate-8fe68fbf6baa ns=pb-test pybossa:2.8.0" &&
	! grep -q "deploy-2.8.0" "$FAKE/applied" &&
	grep -q "alembic: sqlalchemy.exc.OperationalError" out &&
	grep -q "delete job pybossa-migrate-8fe68fbf6baa to run it again" out
'

test_expect_success 'upgrade-from-2-7-2-to-2-8-0: the migration Job alone, complete, then the rollout without it' '
	: >"$FAKE/applied" &&
	run upgrade-from-2-7-2-to-2-8-0 && test "$rc" = 0 &&
	test "$(cat "$FAKE/image")" = pybossa:2.8.0 &&
	grep "^apply" "$FAKE/applied" | grep -v probers >order &&
	sed -n 1p order | grep -q "migrate-2.8.0.yaml \[app.kubernetes.io/component=migration\]" &&
	sed -n 2p order | grep -q "deploy-2.8.0.yaml \[app.kubernetes.io/component notin (migration,setup)\]" &&
	test "$(grep -c "Job/pybossa-migrate" "$FAKE/applied")" = 1 &&
	awk -F"\t" "\$1 == \"mark\" { print \$3 }" logs/upgrade-from-2-7-2-to-2-8-0-0.log >marks &&
	printf "%s\n" "steps start" "migration start" "migration end" "rollout to 2.8.0" "rollout complete" "steps end (exit 0)" >expect &&
	test_cmp expect marks
'

test_expect_success 'a rollout that outlasts its timeout is undone too (status 2, not a deadline)' '
	: >"$FAKE/rollout-hangs" &&
	run upgrade-from-2-7-1-to-2-7-2 && test "$rc" = 1 &&
	grep -q "rollout stalled: still in progress" out && grep -q "rollout undone" out
'

test_expect_success 'the registry, the context: settings that reach every image and call' '
	: >"$FAKE/applied" && : >"$FAKE/contexts" &&
	PBPROBE_K8S_REGISTRY=registry.example.com/team PBPROBE_K8S_CONTEXT=prod run init-at-2-7-1 && test "$rc" = 0 &&
	test "$(cat "$FAKE/image")" = registry.example.com/team/pybossa:2.7.1 &&
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

test_expect_success 'bad usage and a missing URL for a local prober are exit 3, with a reason' '
	run upgrade-from-2-7-1-to-2-7-2 --prober elsewhere && test "$rc" = 3 && grep -q "job or local" out &&
	run upgrade-from-2-7-1-to-2-7-2 --prober local && test "$rc" = 3 && grep -q "PBPROBE_K8S_URL" out &&
	run upgrade-from-2-7-1-to-2-7-2 --platform moon && test "$rc" = 3 &&
	"$S/scenario.sh" no-such-scenario >out 2>&1; test $? = 3 && grep -q "no scenario" out
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
