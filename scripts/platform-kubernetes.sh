# shellcheck shell=bash
# scripts/platform-kubernetes.sh: the platform_* functions of upgrade/steps.sh (the
# interface is documented there) on a real Kubernetes cluster, with kubectl and
# the manifests of manifests/. The steps themselves are the lab's: this file
# only says how each is done on a cluster. Also the k8s_probers_* functions
# that run pbprobe inside the cluster as a Job (manifests/pbprobe).
#
# What a step applies is rendered first, with `kubectl kustomize`, from a
# kustomization made for it that bases the version's overlay and adds the
# namespace, the registry and the step's options; the rendering is kept in
# $PBPROBE_K8S_WORK, as a record of exactly what was applied.
#
# Who applies what, by label (manifests/base/kustomization.yaml):
#   setup      everything standing but the rollout set: PostgreSQL, Redis,
#              the Services, the budget, alembic.ini; then the setup Job
#   migrate    the migration Job and the alembic.ini it reads
#   rollout    the rollout set only (pbprobe/rollout=pybossa: PyBossa's web,
#              worker and scheduler Deployments and their settings), and only
#              when `kubectl diff` shows that nothing else of the overlay
#              differs from the cluster: an upgrade never re-applies
#              PostgreSQL, Redis or a Service (a NodePort made for probing
#              stays one), and drift is stopped and shown, not rolled along.
#
# Settings, from the environment:
#   KUBECONFIG               kubectl's own: which cluster and credentials
#   PBPROBE_K8S_CONTEXT      a context of KUBECONFIG (default: its current one)
#   PBPROBE_K8S_NAMESPACE    namespace of everything (default pybossa); setup
#                            creates it if absent, teardown deletes it only
#                            if setup created it
#   PBPROBE_K8S_REGISTRY     registry (and path) of the pybossa and pbprobe
#                            images, e.g. registry.example.com/team (default
#                            none: images "pybossa:2.7.1", "pbprobe:0.1.0" as
#                            loaded into minikube or kind)
#   PBPROBE_K8S_URL          the Service's URL as seen from this machine, for a
#                            local prober (an Ingress, a LoadBalancer, a
#                            NodePort); default: the LoadBalancer's address if
#                            the Service has one, a node's address and the
#                            node port if it is a NodePort, else the
#                            in-cluster name
#   PBPROBE_K8S_EXPOSE       nodeport: the Service is a NodePort
#                            (manifests/expose/nodeport.yaml, in every
#                            rendering: setup applies it, no rollout undoes
#                            it); default none (ClusterIP)
#   PBPROBE_K8S_NODEPORT     the node port with PBPROBE_K8S_EXPOSE=nodeport
#                            (default: the cluster's choice)
#   PBPROBE_K8S_WORK         renderings and scratch files (default
#                            ${PBPROBE_LOGS:-<source>/logs}/kubernetes)
#   PBPROBE_K8S_MIGRATION_TIMEOUT  seconds to wait for a migration or setup
#                            Job (default 660: the Jobs' deadline is 600)
#   KUBECTL                  the kubectl to run (default kubectl)

k8s_src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
K8S_NS=${PBPROBE_K8S_NAMESPACE:-pybossa}
K8S_WORK=${PBPROBE_K8S_WORK:-${PBPROBE_LOGS:-$k8s_src/logs}/kubernetes}
# The labels that split an overlay (see above).
K8S_COMPONENT=app.kubernetes.io/component
K8S_ROLLOUT_SELECTOR=pbprobe/rollout=pybossa
# Everything but the Jobs: what stands in the cluster, what kubectl diff compares.
K8S_STANDING_SELECTOR="$K8S_COMPONENT notin (migration,setup)"
K8S_SETUP_SELECTOR="$K8S_STANDING_SELECTOR,!pbprobe/rollout"
K8S_MIGRATE_SELECTOR="$K8S_COMPONENT in (migration,database-config)"
# alembic.ini again, with the Job: a no-op unless it changed since setup.
K8S_SETUP_JOB_SELECTOR="$K8S_COMPONENT in (setup,database-config)"
# The Deployments the last rollout applied, one name a line: what is awaited
# and undone (the web's alone before any rollout).
K8S_ROLLED=deployments.txt
# Everything these scripts create carries one of these names, or (the
# generated ConfigMaps) the part-of label.
K8S_NAMES="app.kubernetes.io/name in (pybossa,postgres,redis,pbprobe)"
K8S_PART_OF=app.kubernetes.io/part-of=pybossa
K8S_MANAGED=app.kubernetes.io/managed-by=pbprobe-scripts

k8s_say() {
	printf 'kubernetes: %s\n' "$*" >&2
}

k8s_err() {
	printf 'kubernetes: %s\n' "$*" >&2
	return 1
}

# kubectl, in the namespace and context of the settings.
k8s_kubectl() {
	local ctx=()
	[ -z "${PBPROBE_K8S_CONTEXT:-}" ] || ctx=(--context "$PBPROBE_K8S_CONTEXT")
	"${KUBECTL:-kubectl}" "${ctx[@]}" --namespace "$K8S_NS" "$@"
}

# k8s_render VERSION OUT [PATCH...]: renders overlays/VERSION with the
# namespace, the registry and the strategic-merge PATCH files into OUT.
# kustomize v2.0 (kubectl 1.20) takes neither absolute paths nor directories
# in `resources`: bases, by a relative path.
k8s_render() {
	local version=${1:?k8s_render needs VERSION} out=${2:?k8s_render needs OUT} dir rel p
	shift 2
	[ -f "$k8s_src/manifests/overlays/$version/kustomization.yaml" ] ||
		k8s_err "no overlay for version $version in manifests/overlays" || return 1
	dir=$(mktemp -d "$K8S_WORK/kustomize.XXXXXX") || return 1
	rel=$(realpath --relative-to="$dir" "$k8s_src/manifests/overlays/$version") || return 1
	{
		echo "# made by scripts/platform-kubernetes.sh for one step"
		echo "bases:"
		echo "- $rel"
		echo "namespace: $K8S_NS"
		if [ -n "${PBPROBE_K8S_REGISTRY:-}" ]; then
			echo "images:"
			echo "- name: pybossa"
			echo "  newName: ${PBPROBE_K8S_REGISTRY%/}/pybossa"
		fi
		case ${PBPROBE_K8S_EXPOSE:-none} in
		none) ;;
		nodeport)
			cp "$k8s_src/manifests/expose/nodeport.yaml" "$dir/expose-nodeport.yaml" || return 1
			[ -z "${PBPROBE_K8S_NODEPORT:-}" ] ||
				printf '  ports:\n  - name: http\n    port: 80\n    nodePort: %s\n' "$PBPROBE_K8S_NODEPORT" >>"$dir/expose-nodeport.yaml"
			set -- "$dir/expose-nodeport.yaml" "$@"
			;;
		*) k8s_err "PBPROBE_K8S_EXPOSE is none or nodeport, not \"$PBPROBE_K8S_EXPOSE\"" || return 1 ;;
		esac
		if [ $# -gt 0 ]; then
			echo "patchesStrategicMerge:"
			for p in "$@"; do
				[ "$(dirname "$p")" = "$dir" ] || cp "$p" "$dir/" || return 1
				echo "- $(basename "$p")"
			done
		fi
	} >"$dir/kustomization.yaml" || return 1
	if ! "${KUBECTL:-kubectl}" kustomize "$dir" >"$out" 2>"$dir/err"; then
		k8s_err "kubectl kustomize of overlay $version failed: $(grep -v '^# Warning' "$dir/err" | head -n 3 | tr '\n' ' ')"
		rm -rf "$dir"
		return 1
	fi
	rm -rf "$dir"
}

# A file name in the work directory for the rendering of one step.
k8s_stamp() {
	printf '%s/%s-%s.yaml' "$K8S_WORK" "$(date -u +%Y%m%dT%H%M%S)" "$1"
}

platform_init() {
	command -v "${KUBECTL:-kubectl}" >/dev/null 2>&1 ||
		k8s_err "${KUBECTL:-kubectl} not found: install kubectl (Debian: apt-get install kubernetes-client)" || return 1
	mkdir -p "$K8S_WORK" || k8s_err "cannot create $K8S_WORK" || return 1
	K8S_WORK=$(cd "$K8S_WORK" && pwd)
	# The steps under pbprobe run in another process: same settings.
	export PBPROBE_K8S_WORK=$K8S_WORK PBPROBE_K8S_NAMESPACE=$K8S_NS
	if ! k8s_kubectl get --raw /readyz >/dev/null 2>"$K8S_WORK/init.err"; then
		k8s_err "cannot reach the cluster (KUBECONFIG=${KUBECONFIG:-~/.kube/config}${PBPROBE_K8S_CONTEXT:+, context $PBPROBE_K8S_CONTEXT}): $(head -n 1 "$K8S_WORK/init.err")"
		return 1
	fi
}

# k8s_random N: N letters and digits, for passwords that need no escaping
# anywhere (a URL, a libpq conninfo, an environment variable).
k8s_random() {
	local s=''
	while [ ${#s} -lt "$1" ]; do
		s+=$(head -c 256 /dev/urandom | tr -dc 'A-Za-z0-9')
	done
	printf '%s' "${s:0:$1}"
}

# Secrets are created once and never re-applied: re-running setup must not
# change the database's password under a running PostgreSQL.
k8s_secret_ensure() {
	local name=$1
	shift
	k8s_kubectl get secret "$name" >/dev/null 2>&1 && return 0
	k8s_kubectl create secret generic "$name" "$@" >/dev/null &&
		k8s_kubectl label secret "$name" app.kubernetes.io/name=pybossa "$K8S_MANAGED" >/dev/null ||
		k8s_err "cannot create Secret $name" || return 1
	k8s_say "created Secret $name"
}

# k8s_job_wait NAME: waits for Job NAME to complete (0) or fail (1, with the
# end of its log on stderr).
k8s_job_wait() {
	local name=$1 limit=${PBPROBE_K8S_MIGRATION_TIMEOUT:-660} start=$SECONDS conds
	while :; do
		conds=$(k8s_kubectl get "job/$name" -o 'jsonpath={range .status.conditions[*]}{.type}={.status}{" "}{end}' 2>/dev/null) ||
			k8s_err "Job $name: cannot read its status" || return 1
		case " $conds " in
		*" Complete=True "*) return 0 ;;
		*" Failed=True "*)
			k8s_say "Job $name failed; the end of its log:"
			k8s_kubectl logs "job/$name" --tail=40 >&2 2>&1 || true
			k8s_say "it is not retried (backoffLimit 0): look at it, then kubectl -n $K8S_NS delete job $name to run it again"
			return 1
			;;
		esac
		[ $((SECONDS - start)) -lt "$limit" ] || k8s_err "Job $name: neither complete nor failed after ${limit}s" || return 1
		sleep 2
	done
}

# k8s_apply_jobs FILE SELECTOR [fresh]: applies the objects of FILE that
# SELECTOR picks and waits for each Job among them; 0 when there were none.
# With "fresh", each Job must have been created by this apply: one that
# kubectl finds "unchanged" or "configured" was left by an earlier run, and
# its status says nothing of this one.
k8s_apply_jobs() {
	local file=$1 sel=$2 fresh=${3:-} out name action
	out=$(k8s_kubectl apply -f "$file" -l "$sel") || k8s_err "kubectl apply -l $sel failed" || return 1
	printf '%s\n' "$out" >&2
	while read -r name action; do
		case $name in
		job.batch/* | job/*)
			if [ "$fresh" = fresh ] && [ "$action" != created ]; then
				k8s_err "Job ${name#*/} was not created by this run (kubectl apply: $action): an earlier run's Job is not this run's migration" || return 1
			fi
			k8s_job_wait "${name#*/}" || return 1
			;;
		esac
	done <<<"$out"
}

# k8s_stale_jobs SELECTOR: Jobs of earlier runs that SELECTOR picks. A failed
# one is kept for a person to read: stop (1). A running one is another
# run's: stop. A completed one proves nothing about this run (the database
# may have been restored since, or the Job re-made): delete it, and wait
# until it is gone, so that the Job this run waits on is its own.
k8s_stale_jobs() {
	local sel=$1 names name conds
	names=$(k8s_kubectl get jobs -l "$sel" -o name) || k8s_err "cannot list the Jobs ($sel)" || return 1
	for name in $names; do
		name=${name#*/}
		conds=$(k8s_kubectl get "job/$name" -o 'jsonpath={range .status.conditions[*]}{.type}={.status}{" "}{end}') ||
			k8s_err "Job $name: cannot read its status" || return 1
		case " $conds " in
		*" Failed=True "*)
			k8s_err "Job $name failed in an earlier run and is kept for you to read (kubectl -n $K8S_NS logs job/$name); delete it to run the migration again" || return 1
			;;
		*" Complete=True "*)
			k8s_say "Job $name completed in an earlier run: deleting it, this run migrates for itself"
			k8s_kubectl delete job "$name" --ignore-not-found --wait=true >&2 ||
				k8s_err "cannot delete Job $name" || return 1
			;;
		*)
			k8s_err "Job $name is still running: another upgrade in this namespace?" || return 1
			;;
		esac
	done
}

platform_setup() {
	local out
	if ! k8s_kubectl get namespace "$K8S_NS" >/dev/null 2>&1; then
		k8s_kubectl create namespace "$K8S_NS" >/dev/null &&
			k8s_kubectl label namespace "$K8S_NS" "$K8S_MANAGED" >/dev/null ||
			k8s_err "cannot create namespace $K8S_NS" || return 1
		k8s_say "created namespace $K8S_NS"
	fi
	k8s_secret_ensure pybossa-db --from-literal=password="$(k8s_random 32)" || return 1
	k8s_secret_ensure pybossa-keys --from-literal=secret="$(k8s_random 40)" \
		--from-literal=secret-key="$(k8s_random 40)" --from-literal=itsdangerous-key="$(k8s_random 40)" || return 1
	# Everything of 2.7.1 but the rollout set: the database, Redis, the
	# Services (with no endpoints yet), the budget, alembic.ini. PyBossa's
	# Deployments come with the first rollout (init-at-2-7-1).
	out=$(k8s_stamp setup-2.7.1)
	k8s_render 2.7.1 "$out" || return 1
	k8s_kubectl apply -f "$out" -l "$K8S_SETUP_SELECTOR" >&2 || k8s_err "kubectl apply of $out failed" || return 1
	k8s_kubectl rollout status statefulset/postgres --timeout=300s >&2 || k8s_err "PostgreSQL did not become ready" || return 1
	k8s_kubectl rollout status deployment/redis --timeout=300s >&2 || k8s_err "Redis did not become ready" || return 1
	# PyBossa 2.7.1 creates its tables and stamps alembic at its head.
	k8s_apply_jobs "$out" "$K8S_SETUP_JOB_SELECTOR" || k8s_err "the database was not created" || return 1
}

platform_teardown() {
	local sel
	# By label, not by namespace: the namespace may be shared. The claim of
	# PostgreSQL goes too, with its data, as in the lab.
	for sel in "$K8S_NAMES" "$K8S_PART_OF"; do
		k8s_kubectl delete deployment,statefulset,service,job,poddisruptionbudget,configmap,secret,persistentvolumeclaim \
			-l "$sel" --ignore-not-found --wait=true >&2 || k8s_err "kubectl delete -l $sel failed" || return 1
	done
	# The namespace goes only if setup made it: never a namespace of the user's.
	if [ "$(k8s_kubectl get namespace "$K8S_NS" -o 'jsonpath={.metadata.labels.app\.kubernetes\.io/managed-by}' 2>/dev/null)" = pbprobe-scripts ]; then
		k8s_kubectl delete namespace "$K8S_NS" --ignore-not-found --wait=true >&2 || k8s_err "cannot delete namespace $K8S_NS" || return 1
	fi
}

platform_url() {
	local ip port nodeport node
	if [ -n "${PBPROBE_K8S_URL:-}" ]; then
		printf '%s\n' "${PBPROBE_K8S_URL%/}"
		return 0
	fi
	ip=$(k8s_kubectl get service pybossa-web -o 'jsonpath={.status.loadBalancer.ingress[0].ip}{.status.loadBalancer.ingress[0].hostname}' 2>/dev/null)
	port=$(k8s_kubectl get service pybossa-web -o 'jsonpath={.spec.ports[0].port}' 2>/dev/null)
	nodeport=$(k8s_kubectl get service pybossa-web -o 'jsonpath={.spec.ports[0].nodePort}' 2>/dev/null)
	if [ -n "$ip" ]; then
		printf 'http://%s:%s\n' "$ip" "${port:-80}"
	elif [ -n "$nodeport" ] && node=$(k8s_kubectl get nodes -o 'jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}' 2>/dev/null) && [ -n "$node" ]; then
		printf 'http://%s:%s\n' "$node" "$nodeport"
	else
		# Reachable from pods only: what the prober Job probes.
		printf 'http://pybossa-web.%s.svc\n' "$K8S_NS"
	fi
}

# k8s_diff_names SELECTOR FILE: the objects of FILE that SELECTOR picks and
# that differ from the cluster, one a line, as kubectl diff names them
# (GROUP.VERSION.KIND.NAMESPACE.NAME); 1 when kubectl diff failed.
k8s_diff_names() {
	local sel=$1 file=$2 rc=0 out=$K8S_WORK/diff.out
	# Our own diff program, whatever the user's: its header lines name the
	# objects ("diff -u -N LIVE/NAME MERGED/NAME"). Exit 1 means "differs".
	KUBECTL_EXTERNAL_DIFF="diff -u -N" k8s_kubectl diff -f "$file" -l "$sel" >"$out" 2>"$out.err" || rc=$?
	if [ "$rc" -gt 1 ]; then
		k8s_err "kubectl diff of $file failed: $(head -n 3 "$out.err" | tr '\n' ' ')" || return 1
	fi
	sed -n 's|^diff .* [^ ]*/\([^/ ]*\)$|\1|p' "$out" | sort -u
}

# k8s_rollout_guard FILE: 0 when applying FILE's rollout set is all a
# rollout would change: nothing else standing in FILE differs from the
# cluster. Else one line per other object, and 1: the rollout does not start.
k8s_rollout_guard() {
	local file=$1 all mine extra
	all=$(k8s_diff_names "$K8S_STANDING_SELECTOR" "$file") || return 1
	mine=$(k8s_diff_names "$K8S_ROLLOUT_SELECTOR" "$file") || return 1
	extra=$(comm -23 <(printf '%s\n' "$all" | sed '/^$/d') <(printf '%s\n' "$mine" | sed '/^$/d'))
	[ -z "$extra" ] && return 0
	cp "$K8S_WORK/diff.out" "$file.diff" 2>/dev/null
	k8s_say "refusing the rollout: applying $(basename "$file") would also change what a rollout must not touch:"
	printf '%s\n' "$extra" | sed 's/^/  /' >&2
	k8s_say "a rollout applies only PyBossa's Deployments and their settings (label $K8S_ROLLOUT_SELECTOR);"
	k8s_say "apply the rest on purpose first (scripts/setup.sh), or bring the cluster back in line: kubectl -n $K8S_NS diff -f $file"
	return 1
}

# platform_deploy VERSION [--strategy S] [--no-readiness] [--replicas N]:
# the options become one strategic-merge patch of the web Deployment;
# without them the overlay is applied as it is. Only the rollout set is
# applied, and only once k8s_rollout_guard agrees.
platform_deploy() {
	local version=${1:?platform_deploy needs VERSION} strategy='' readiness=1 replicas='' out patch names
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--strategy)
			strategy=${2:-}
			shift 2 || k8s_err "--strategy needs a value" || return 1
			;;
		--no-readiness)
			readiness=0
			shift
			;;
		--replicas)
			replicas=${2:-}
			shift 2 || k8s_err "--replicas needs a value" || return 1
			;;
		*) k8s_err "platform_deploy: unknown option $1" || return 1 ;;
		esac
	done
	case $strategy in
	'' | RollingUpdate | Recreate) ;;
	*) k8s_err "--strategy is RollingUpdate or Recreate, not $strategy" || return 1 ;;
	esac
	[[ -z $replicas || $replicas =~ ^[1-9][0-9]*$ ]] || k8s_err "--replicas needs a positive number" || return 1
	out=$(k8s_stamp "deploy-$version")
	if [ -n "$strategy$replicas" ] || [ "$readiness" = 0 ]; then
		patch=$K8S_WORK/options.yaml
		{
			printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: pybossa-web\nspec:\n'
			[ -z "$replicas" ] || printf '  replicas: %s\n' "$replicas"
			# Recreate takes no rollingUpdate: the API refuses both.
			[ "$strategy" != Recreate ] || printf '  strategy:\n    type: Recreate\n    rollingUpdate: null\n'
			[ "$readiness" = 1 ] ||
				printf '  template:\n    spec:\n      containers:\n      - name: pybossa\n        readinessProbe: null\n'
		} >"$patch" || return 1
		k8s_render "$version" "$out" "$patch" || return 1
	else
		k8s_render "$version" "$out" || return 1
	fi
	k8s_rollout_guard "$out" || return 1
	names=$(k8s_kubectl apply -f "$out" -l "$K8S_ROLLOUT_SELECTOR" -o name) || k8s_err "kubectl apply of $out failed" || return 1
	printf '%s\n' "$names" | sed -n 's|^deployment[.a-z]*/||p' >"$K8S_WORK/$K8S_ROLLED" || return 1
	k8s_say "applied $(printf '%s\n' "$names" | tr '\n' ' ')"
}

# The Deployments of the last rollout.
k8s_rolled() {
	if [ -s "$K8S_WORK/$K8S_ROLLED" ]; then
		cat "$K8S_WORK/$K8S_ROLLED"
	else
		echo pybossa-web
	fi
}

# platform_rollout_status SECS: every Deployment of the rollout, within SECS
# in all. kubectl rollout status exits 1 for a passed deadline and for its
# own timeout alike; its message tells them apart, and after a timeout the
# Deployment's own Progressing condition decides: only its
# ProgressDeadlineExceeded is "stalled" (1). A timeout while the controller
# still sees progress is 2, which the steps never undo.
platform_rollout_status() {
	local secs=${1:?platform_rollout_status needs SECS} rc d left reason err=$K8S_WORK/rollout-status.err t0=$SECONDS
	for d in $(k8s_rolled); do
		left=$((secs - (SECONDS - t0)))
		[ "$left" -ge 1 ] || left=1
		rc=0
		k8s_kubectl rollout status "deployment/$d" --timeout="${left}s" >&2 2>"$err" || rc=$?
		[ "$rc" = 0 ] && continue
		cat "$err" >&2
		if grep -q 'exceeded its progress deadline' "$err"; then
			return 1
		elif grep -q 'timed out waiting' "$err"; then
			reason=$(k8s_kubectl get "deployment/$d" -o 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}' 2>/dev/null)
			[ "$reason" = ProgressDeadlineExceeded ] && return 1
			k8s_say "deployment $d: still progressing after ${secs}s (condition Progressing: ${reason:-unknown})"
			return 2
		fi
		return 3
	done
	return 0
}

# Every Deployment of the rollout goes back together: a 2.8.0 worker beside
# a 2.7.2 web would run new code on an old schema.
platform_rollout_undo() {
	local d rc=0
	for d in $(k8s_rolled); do
		k8s_kubectl rollout undo "deployment/$d" >&2 || rc=1
	done
	[ "$rc" = 0 ] || k8s_err "kubectl rollout undo failed"
}

# The version's migration Job (label app.kubernetes.io/component=migration in
# its overlay) and its alembic.ini, applied alone and awaited; nothing to do
# when it has none. Any Job of an earlier run is out of the way first
# (k8s_stale_jobs), and the Job awaited is the one this apply created.
platform_migrate() {
	local version=${1:?platform_migrate needs VERSION} out
	out=$(k8s_stamp "migrate-$version")
	k8s_render "$version" "$out" || return 1
	if ! grep -q "^    $K8S_COMPONENT: migration\$" "$out"; then
		k8s_say "version $version has no migration"
		return 0
	fi
	k8s_stale_jobs "$K8S_COMPONENT=migration" || return 1
	k8s_apply_jobs "$out" "$K8S_MIGRATE_SELECTOR" fresh
}

platform_describe() {
	k8s_kubectl get deployment,replicaset,pod -l "app.kubernetes.io/name=pybossa" -o wide
	k8s_kubectl get endpoints pybossa-web
	k8s_kubectl rollout history deployment/pybossa-web
}

# --- the cluster's events on the prober's timeline (upgrade/steps.sh) ------
#
# Three watches, each kubectl's JSON through jq into one line per event:
# - the namespace's Events of the kinds that explain a failed request:
#   Killing, Unhealthy (a probe failed), BackOff, OOMKilling, Evicted, the
#   ReplicaSets scaled, a Job's pods created and its end;
# - PyBossa's pods: Ready and NotReady, terminating, a container restarted
#   (with its last state's reason: OOMKilled, Error);
# - the rollout's Deployments: the Progressing condition's reason
#   (ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded).
# An event is marked when the watch delivers it: an Event's own timestamps
# have whole seconds. The first state of a pod or Deployment is not an event.

# jq: one Event object -> "Reason kind/name: message (xCOUNT)", or nothing
# shellcheck disable=SC2016 # jq's own $variables
K8S_EVENTS_JQ='select(.kind == "Event")
	| select(.reason as $r | ["Killing", "Unhealthy", "BackOff", "OOMKilling", "Evicted",
		"Preempting", "FailedScheduling", "FailedCreate", "FailedMount", "FailedKillPod",
		"ScalingReplicaSet", "SuccessfulCreate", "SuccessfulDelete", "Completed",
		"BackoffLimitExceeded", "DeadlineExceeded", "SuccessfulRescale"] | index([$r]))
	| "\(.reason) \(.involvedObject.kind // "?" | ascii_downcase)/\(.involvedObject.name // "?"): \(.message // "" | gsub("[\t\n\r]+"; " ") | .[0:240])"
		+ (if (.count // 1) > 1 then " (x\(.count))" else "" end)'

# jq: a stream of Pod objects -> their changes
# shellcheck disable=SC2016 # jq's own $variables
K8S_PODS_JQ='foreach inputs as $p ({s: {}, out: []};
	($p.metadata.name) as $n
	| ([$p.status.conditions[]? | select(.type == "Ready") | .status][0] == "True") as $ready
	| ($p.metadata.deletionTimestamp != null) as $del
	| ([$p.status.containerStatuses[]? | .restartCount // 0] | add // 0) as $restarts
	| .s[$n] as $old
	| .out = (if $old == null then [] else
		(if $old.ready != $ready then ["pod/\($n) \(if $ready then "Ready" else "NotReady" end)"] else [] end)
		+ (if $del and ($old.del | not) then ["pod/\($n) terminating"] else [] end)
		+ (if $restarts > $old.restarts then [$p.status.containerStatuses[]?
			| select(.lastState.terminated != null)
			| "pod/\($n): container \(.name) restarted (last state: \(.lastState.terminated.reason // "terminated"), exit \(.lastState.terminated.exitCode // "?"))"]
		else [] end)
		end)
	| .s[$n] = {ready: $ready, del: $del, restarts: $restarts};
	.out[])'

# jq: a stream of Deployment objects -> their Progressing condition's changes
# shellcheck disable=SC2016 # jq's own $variables
K8S_DEPLOYMENTS_JQ='foreach inputs as $d ({s: {}, out: []};
	($d.metadata.name) as $n
	| ([$d.status.conditions[]? | select(.type == "Progressing")][0] // {}) as $c
	| "\($c.status // "?") \($c.reason // "?")" as $now
	| .out = (if .s[$n] == null or .s[$n] == $now then [] else
		["deployment/\($n) Progressing=\($c.status // "?"): \($c.reason // "?") (\($c.message // "" | gsub("[\t\n\r]+"; " ") | .[0:200]))"] end)
	| .s[$n] = $now;
	.out[])'

platform_events_source() {
	echo k8s
}

# k8s_watch KIND OUT kubectl ARGS...: runs the watch and runs it again when
# it ends by itself (an API server ends a watch after a while, and a
# rolling restart of the control plane ends every watch), each time with a
# note on the timeline through OUT: events in the gap are not seen. A watch
# that ends twice within 2 s of its start is refused (no RBAC to watch, a
# bad context) and not run again. Killed (TERM), it kills its kubectl.
k8s_watch() {
	local kind=$1 out=$2 child='' rc started quick=0 why
	shift 2
	trap '[ -z "$child" ] || kill "$child" 2>/dev/null; exit 0' TERM
	while :; do
		started=$SECONDS
		"$@" &
		child=$!
		wait "$child"
		rc=$?
		child=''
		why=$(tail -n 1 "$out.err-$kind" 2>/dev/null | tr -d '\t\r' | cut -c1-160)
		if [ $((SECONDS - started)) -le 2 ]; then
			quick=$((quick + 1))
		else
			quick=0
		fi
		if [ "$quick" -ge 2 ]; then
			printf 'watch of %s failed (kubectl status %s%s); not restarted\n' \
				"$kind" "$rc" "${why:+: $why}" >"$out"
			return 0
		fi
		printf 'watch of %s ended (kubectl status %s%s); restarted\n' \
			"$kind" "$rc" "${why:+: $why}" >"$out"
		sleep 1 &
		child=$!
		wait "$child"
		child=''
	done
}

# platform_events_start FIFO: the three watches, each kubectl piped through
# jq by a FIFO of its own, so that both pids are known and killed.
platform_events_start() {
	local out=${1:?platform_events_start needs FIFO} dir kind filter ctx=()
	[ -z "${PBPROBE_K8S_CONTEXT:-}" ] || ctx=(--context "$PBPROBE_K8S_CONTEXT")
	dir=$(dirname "$out")
	for kind in events pods deployments; do
		mkfifo "$dir/watch-$kind" || return 1
		case $kind in
		events)
			filter=$K8S_EVENTS_JQ
			k8s_watch "$kind" "$out" "${KUBECTL:-kubectl}" "${ctx[@]}" --namespace "$K8S_NS" \
				get events --watch-only -o json \
				>"$dir/watch-$kind" 2>"$out.err-$kind" &
			;;
		pods)
			filter=$K8S_PODS_JQ
			k8s_watch "$kind" "$out" "${KUBECTL:-kubectl}" "${ctx[@]}" --namespace "$K8S_NS" \
				get pods -l app.kubernetes.io/name=pybossa --watch -o json \
				>"$dir/watch-$kind" 2>"$out.err-$kind" &
			;;
		deployments)
			filter=$K8S_DEPLOYMENTS_JQ
			k8s_watch "$kind" "$out" "${KUBECTL:-kubectl}" "${ctx[@]}" --namespace "$K8S_NS" \
				get deployments -l pbprobe/rollout=pybossa --watch -o json \
				>"$dir/watch-$kind" 2>"$out.err-$kind" &
			;;
		esac
		steps_events_pids+=($!)
		if [ "$kind" = events ]; then
			jq --unbuffered -r "$filter" <"$dir/watch-$kind" >"$out" 2>/dev/null &
		else
			jq --unbuffered -n -r "$filter" <"$dir/watch-$kind" >"$out" 2>/dev/null &
		fi
		# jq ends when its watch does, after the watch's last events
		steps_events_drain_pids+=($!)
	done
}

# --- pbprobe as a Job (manifests/pbprobe) ----------------------------------
#
#   k8s_probers_start RUN [COUNT]  one Job "pbprobe-RUN", COUNT pods (default
#                                  $PBPROBE_PROBERS or 1), each probing the
#                                  Service; returns once all have begun
#                                  (after pbprobe's --lead)
#   k8s_probers_mark TEXT...       markers in every prober's log
#   k8s_probers_stop DIR           stop them, copy each log to DIR/RUN-INDEX.log,
#                                  let the pods end; prints the files
#   k8s_probers_delete             delete the Job (its pods and logs)

K8S_PROBER_JOB=
K8S_PROBER_PODS=()

# The probers' CPU, in millicores, for TOTAL requests a second (every target
# of one pod): the request equals the limit, so the scheduler places the pod
# where that CPU is and CFS never throttles it below what it was promised.
# `make bench-prober` measured 10000/s without blind time under a 500m quota
# in most runs on a shared 2-core VM, and 5000/s in every run
# (docs/kubernetes.md); so 1 m for every 10 requests a second, with a 250 m
# floor: small quotas starve in CFS's 100 ms periods (100m fell 2.7 s behind
# at 2000/s). manifests/policy.mjs checks
# the manifest by the same formula (PROBER_REQS_PER_MCPU, PROBER_MIN_MCPU).
k8s_prober_cpu_m() {
	local m=$((($1 + 9) / 10))
	[ "$m" -ge 250 ] || m=250
	printf '%s\n' "$m"
}

# k8s_prober_job_says KEY: the number the prober Job's annotation
# pbprobe.io/KEY gives (series, new-connection-series): what its arguments
# probe, as manifests/validate has checked, so that nothing here parses them.
k8s_prober_job_says() {
	local n
	n=$(sed -n "s|^    pbprobe.io/$1: \"\([0-9]*\)\"\$|\1|p" "$k8s_src/manifests/pbprobe/job.yaml")
	[ -n "$n" ] || k8s_err "manifests/pbprobe/job.yaml: no annotation pbprobe.io/$1" || return 1
	printf '%s\n' "$n"
}

# The per-target rate as a number: PBPROBE_RATE, else the manifest's; 5k is 5000.
k8s_prober_rate() {
	local r=${PBPROBE_RATE:-$(sed -n 's/^  - PBPROBE_RATE=//p' "$k8s_src/manifests/pbprobe/kustomization.yaml")}
	case $r in
	*k) r=$((${r%k} * 1000)) ;;
	esac
	[[ $r =~ ^[1-9][0-9]*$ ]] || k8s_err "PBPROBE_RATE: a whole number of requests a second (or Nk), not \"$r\"" || return 1
	# A series on new connections holds a local port in TIME_WAIT per request
	# for a minute: a pod runs out near 470 a second (manifests/policy.mjs,
	# PROBER_NEW_CONN_MAX).
	if [ "$r" -gt 400 ] && [ "$(k8s_prober_job_says new-connection-series)" != 0 ]; then
		k8s_err "PBPROBE_RATE: $r is above 400, the most a prober pod can open new connections a second to one Service (manifests/pbprobe/job.yaml probes on new connections: --connections); run more probers (PBPROBE_PROBERS) at a lower rate"
		return 1
	fi
	printf '%s\n' "$r"
}

# k8s_probers_render RUN COUNT OUT: the prober Job for a run, as applied.
k8s_probers_render() {
	local run=$1 count=$2 out=$3 dir rel v rate series cpu
	# The pod's CPU, request and limit alike, from the rate and the number
	# of series a pod probes (manifests/pbprobe/job.yaml).
	rate=$(k8s_prober_rate) || return 1
	series=$(k8s_prober_job_says series) || return 1
	cpu=$(k8s_prober_cpu_m $((rate * series)))m
	dir=$(mktemp -d "$K8S_WORK/kustomize.XXXXXX") || return 1
	rel=$(realpath --relative-to="$dir" "$k8s_src/manifests/pbprobe") || return 1
	# The Job's name per run; completions = parallelism = COUNT; the run's
	# name for the log files; the registry.
	{
		printf '%s\n' "bases:" "- $rel" "namespace: $K8S_NS" "nameSuffix: -$run" "patchesStrategicMerge:" "- probers.yaml"
		printf '%s\n' "configMapGenerator:" "- name: pbprobe-settings" "  behavior: merge" "  literals:" "  - PBPROBE_RUN=$run"
		# The probers' settings (manifests/pbprobe/kustomization.yaml), from
		# the environment when set there.
		for v in PBPROBE_URL PBPROBE_RATE PBPROBE_TIMEOUT PBPROBE_LEAD PBPROBE_TAIL; do
			[ -z "${!v:-}" ] || printf '  - %s=%s\n' "$v" "${!v}"
		done
		[ -z "${PBPROBE_K8S_REGISTRY:-}" ] || printf '%s\n' "images:" "- name: pbprobe" "  newName: ${PBPROBE_K8S_REGISTRY%/}/pbprobe"
	} >"$dir/kustomization.yaml"
	printf 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pbprobe\nspec:\n  completions: %s\n  parallelism: %s\n' \
		"$count" "$count" >"$dir/probers.yaml"
	printf '%s\n' "  template:" "    spec:" "      containers:" "      - name: pbprobe" "        resources:" \
		"          requests: {cpu: $cpu}" "          limits: {cpu: $cpu}" >>"$dir/probers.yaml"
	"${KUBECTL:-kubectl}" kustomize "$dir" >"$out" 2>"$dir/err" ||
		k8s_err "kubectl kustomize of manifests/pbprobe failed: $(grep -v '^# Warning' "$dir/err" | head -n 3 | tr '\n' ' ')" || return 1
	rm -rf "$dir"
}

k8s_probers_start() {
	local run=${1:?k8s_probers_start needs RUN} count=${2:-${PBPROBE_PROBERS:-1}} out i ready pod
	[[ $count =~ ^[1-9][0-9]*$ ]] || k8s_err "PBPROBE_PROBERS needs a positive number" || return 1
	K8S_PROBER_JOB=pbprobe-$run
	out=$(k8s_stamp "probers-$run")
	k8s_probers_render "$run" "$count" "$out" || return 1
	# A Job's pod template is immutable, and an old run's pods hold old logs.
	k8s_kubectl delete job "$K8S_PROBER_JOB" --ignore-not-found --wait=true >/dev/null 2>&1
	k8s_kubectl apply -f "$out" >&2 || k8s_err "kubectl apply of $out failed" || return 1
	k8s_say "waiting for $count prober pod(s) of Job $K8S_PROBER_JOB"
	for ((i = 0; i < 300; i++)); do
		mapfile -t K8S_PROBER_PODS < <(k8s_kubectl get pods -l "job-name=$K8S_PROBER_JOB" \
			-o 'jsonpath={range .items[?(@.status.phase=="Running")]}{.metadata.name}{"\n"}{end}' 2>/dev/null)
		if [ "${#K8S_PROBER_PODS[@]}" -eq "$count" ]; then
			ready=0
			for pod in "${K8S_PROBER_PODS[@]}"; do
				k8s_kubectl exec "$pod" -- pbprobe-job ready >/dev/null 2>&1 && ready=$((ready + 1))
			done
			[ "$ready" -eq "$count" ] && return 0
		fi
		sleep 1
	done
	k8s_kubectl get pods -l "job-name=$K8S_PROBER_JOB" >&2
	k8s_err "the probers did not start within 300 s"
}

k8s_probers_mark() {
	local pod
	for pod in "${K8S_PROBER_PODS[@]}"; do
		k8s_kubectl exec "$pod" -- pbprobe-job mark "$@" >/dev/null || k8s_say "could not mark $pod"
	done
}

k8s_probers_stop() {
	local dir=${1:?k8s_probers_stop needs DIR} pod idx rc=0 st
	for pod in "${K8S_PROBER_PODS[@]}"; do
		k8s_kubectl exec "$pod" -- pbprobe-job stop >/dev/null || k8s_say "could not stop $pod"
	done
	for pod in "${K8S_PROBER_PODS[@]}"; do
		idx=$(k8s_kubectl get pod "$pod" -o 'jsonpath={.metadata.annotations.batch\.kubernetes\.io/job-completion-index}')
		# pbprobe probes --tail more, then exits: its status, then its log.
		st=$(k8s_kubectl exec "$pod" -- pbprobe-job wait) || st=unknown
		[ "$st" = 0 ] || {
			k8s_say "the prober in $pod exited $st"
			rc=1
		}
		if k8s_kubectl exec "$pod" -- pbprobe-job cat >"$dir/${K8S_PROBER_JOB#pbprobe-}-${idx:-0}.log"; then
			printf '%s\n' "$dir/${K8S_PROBER_JOB#pbprobe-}-${idx:-0}.log"
		else
			# The stream on stdout is a copy (until the node rotates it).
			k8s_say "could not read the log in $pod; trying kubectl logs"
			k8s_kubectl logs "$pod" >"$dir/${K8S_PROBER_JOB#pbprobe-}-${idx:-0}.log" &&
				printf '%s\n' "$dir/${K8S_PROBER_JOB#pbprobe-}-${idx:-0}.log" || rc=1
		fi
		k8s_kubectl exec "$pod" -- pbprobe-job collected >/dev/null 2>&1 || true
	done
	return "$rc"
}

k8s_probers_delete() {
	[ -z "$K8S_PROBER_JOB" ] || k8s_kubectl delete job "$K8S_PROBER_JOB" --ignore-not-found >/dev/null 2>&1
}
