#!/bin/bash
# t7000-manifests: manifests/validate passes the real manifests and fails,
# naming the build, the object and the field, on copies broken one way each:
# a wrong type, an unknown kind, a missing required field, a misspelt field,
# a bad kustomization, and every rule the upgrades rest on (rolling-update
# budget, readiness path, progress deadline, the migration Job, image tags
# per overlay, the prober's non-root pod). The built objects are also read
# back with jq, independently of the validator's own rules.
#
# Needs kubectl (Debian's kubernetes-client), node and npm (the first run
# installs manifests/.validate/node_modules with npm ci). KUBECTL picks
# another kubectl.

# Bodies are single-quoted strings eval'd later; shellcheck cannot see that
# they use these variables and functions.
# shellcheck disable=SC2016,SC2034,SC2317
# shellcheck source-path=SCRIPTDIR source=./lib.sh
. "$(dirname "$0")/lib.sh"

M=$PB_SRC/manifests
KUBECTL=${KUBECTL:-kubectl}
export KUBECTL
command -v "$KUBECTL" >/dev/null 2>&1 || skip_all "no kubectl (apt-get install kubernetes-client)"
command -v node >/dev/null 2>&1 || skip_all "no node (apt-get install nodejs npm)"

VERSIONS="2.7.1 2.7.2 2.8.0"
# The npm packages (installed by validate on first use), for the checks here
# that read YAML themselves.
if ! DEPS=$("$M/validate" --deps-dir 2>"$TEST_DIR/deps.err"); then
	echo "Bail out! manifests/validate could not install its npm packages: $(tail -n 1 "$TEST_DIR/deps.err")"
	exit 1
fi
export PBPROBE_VALIDATE_DEPS=$DEPS

test_expect_success 'the real manifests validate: every overlay and the prober Job' '
	"$M/validate" >out 2>err &&
	cat out err &&
	for v in $VERSIONS; do grep -qx "overlays/$v: [0-9]* objects valid" out || return 1; done &&
	grep -qx "pbprobe: [0-9]* objects valid" out &&
	test ! -s err
'

test_expect_success 'there is one overlay per version, and no other' '
	(cd "$M/overlays" && ls -d */ | tr -d / | sort) >actual &&
	printf "%s\n" $VERSIONS >expect &&
	test_cmp expect actual
'

# The rendered builds, as one JSON object per line, for jq.
test_expect_success 'kubectl kustomize builds each overlay (kept for the checks below)' '
	"$M/validate" --render "$TEST_DIR/render" >/dev/null &&
	for f in "$TEST_DIR"/render/*.yaml; do
		node --input-type=module -e "
			import { createRequire } from \"node:module\";
			import { readFileSync } from \"node:fs\";
			const YAML = createRequire(\"$DEPS/package.json\")(\"yaml\");
			for (const d of YAML.parseAllDocuments(readFileSync(process.argv[1], \"utf8\")))
				if (d.contents) console.log(JSON.stringify(d.toJS()));
		" "$f" >"${f%.yaml}.json" || return 1
	done &&
	ls "$TEST_DIR"/render/*.json
'

web() { jq -c "select(.kind == \"Deployment\" and .metadata.name == \"pybossa-web\") | $2" "$TEST_DIR/render/overlays_$1.json"; }

test_expect_success 'jq: each overlay rolls one pod at a time, never below capacity, 45 s deadline' '
	for v in $VERSIONS; do
		test "$(web "$v" .spec.strategy.rollingUpdate)" = "{\"maxSurge\":1,\"maxUnavailable\":0}" &&
		test "$(web "$v" .spec.progressDeadlineSeconds)" = 45 &&
		test "$(web "$v" ".spec.template.spec.containers[0].readinessProbe.httpGet.path")" = "\"/api/helpingmaterial\"" || return 1
	done
'

test_expect_success 'jq: each overlay runs its own PyBossa version, and only 2.8.0 migrates' '
	for v in $VERSIONS; do
		jq -r "select(.spec.template) | .spec.template.spec.containers[].image | select(startswith(\"pybossa\"))" \
			"$TEST_DIR/render/overlays_$v.json" | sort -u >images &&
		echo "pybossa:$v" >expect &&
		test_cmp expect images || return 1
	done &&
	jq -r "select(.kind == \"Job\" and .metadata.labels[\"app.kubernetes.io/component\"] == \"migration\")
		| [.metadata.name, .spec.backoffLimit, (.spec.template.spec.containers[0].command | join(\" \"))] | @tsv" \
		"$TEST_DIR"/render/overlays_*.json >jobs &&
	printf "pybossa-migrate-8fe68fbf6baa\t0\talembic upgrade head\n" >expect &&
	test_cmp expect jobs
'

test_expect_success 'jq: the prober Job runs as a non-root user, one log per index' '
	jq -e "select(.kind == \"Job\") | .spec.template.spec.securityContext.runAsNonRoot == true
		and .spec.template.spec.securityContext.runAsUser > 0
		and .spec.completionMode == \"Indexed\" and .spec.backoffLimit == 0" \
		"$TEST_DIR/render/pbprobe.json"
'

# A copy of manifests/ to break; node_modules is shared (read-only use), and
# mtimes are kept so that validate does not think it needs npm ci.
copy=0
fresh_copy() {
	copy=$((copy + 1))
	C=$TEST_DIR/m$copy
	mkdir -p "$C/.validate" &&
		cp -rp "$M/base" "$M/overlays" "$M/pbprobe" "$M"/*.mjs "$M/validate" "$C/" &&
		cp -p "$M/.validate/package.json" "$M/.validate/package-lock.json" "$C/.validate/" &&
		ln -s "$DEPS/node_modules" "$C/.validate/node_modules"
}

# yedit FILE JS: runs JS with `docs` (the file's YAML documents as objects)
# and writes them back. Comments are lost, which a broken copy can spare.
yedit() {
	node --input-type=module -e "
		import { createRequire } from \"node:module\";
		import { readFileSync, writeFileSync } from \"node:fs\";
		const YAML = createRequire(\"$DEPS/package.json\")(\"yaml\");
		const file = process.argv[1];
		const docs = YAML.parseAllDocuments(readFileSync(file, \"utf8\")).map((d) => d.toJS());
		$2;
		writeFileSync(file, docs.map((d) => YAML.stringify(d)).join(\"---\n\"));
	" "$C/$1"
}

# expect_invalid "DIR..." MESSAGE: validate DIRs (of the copy) must fail
# (exit 1, not a crash or a missing tool) with a line containing MESSAGE.
expect_invalid() {
	local rc=0 d dirs=()
	for d in $1; do dirs+=("$C/$d"); done
	VALIDATE_NO_INSTALL=1 "$C/validate" "${dirs[@]}" >out 2>err || rc=$?
	cat out err
	if [ "$rc" -ne 1 ]; then
		echo "validate exited $rc, expected 1"
		return 1
	fi
	grep -F -- "$2" err >/dev/null || {
		echo "no line contains: $2"
		return 1
	}
}

test_expect_success 'a broken copy is only broken where it is broken (the copy validates)' '
	fresh_copy && VALIDATE_NO_INSTALL=1 "$C/validate"
'

test_expect_success 'schema: a wrong field type names object and field' '
	fresh_copy &&
	yedit base/web.yaml "docs[0].spec.replicas = \"three\"" &&
	expect_invalid overlays/2.7.1 "manifests/validate: overlays/2.7.1: Deployment/pybossa-web: spec.replicas: must be integer"
'

test_expect_success 'schema: a port number given as a string is refused' '
	fresh_copy &&
	yedit base/postgres.yaml "docs[2].spec.template.spec.containers[0].ports[0].containerPort = \"5432\"" &&
	expect_invalid overlays/2.7.2 "StatefulSet/postgres: spec.template.spec.containers[0].ports[0].containerPort: must be integer"
'

test_expect_success 'schema: an unknown kind is refused' '
	fresh_copy &&
	yedit base/web.yaml "docs[2].kind = \"PodDisruptionBudgett\"" &&
	expect_invalid overlays/2.7.1 "PodDisruptionBudgett/pybossa-web: kind: unknown kind PodDisruptionBudgett in policy/v1"
'

test_expect_success 'schema: a missing required field (a Job without containers) is refused' '
	fresh_copy &&
	yedit overlays/2.8.0/migrate-8fe68fbf6baa.yaml "delete docs[0].spec.template.spec.containers" &&
	expect_invalid overlays/2.8.0 "Job/pybossa-migrate-8fe68fbf6baa: spec.template.spec.containers: required field missing"
'

test_expect_success 'schema: a misspelt field is refused, with the right name suggested' '
	fresh_copy &&
	yedit base/web.yaml "const c = docs[0].spec.template.spec.containers[0]; c.readinessprobe = c.readinessProbe; delete c.readinessProbe" &&
	expect_invalid overlays/2.7.1 "Deployment/pybossa-web: spec.template.spec.containers[0].readinessprobe: unknown field (did you mean readinessProbe?)"
'

test_expect_success 'schema: a bad quantity is refused' '
	fresh_copy &&
	yedit base/web.yaml "docs[0].spec.template.spec.containers[0].resources.limits.memory = \"lots\"" &&
	expect_invalid overlays/2.7.1 "spec.template.spec.containers[0].resources.limits.memory: must be number or must match format"
'

test_expect_success 'kustomize: a kustomization naming a missing base fails the build' '
	fresh_copy &&
	yedit overlays/2.7.2/kustomization.yaml "docs[0].bases = [\"../../basis\"]" &&
	expect_invalid overlays/2.7.2 "manifests/validate: overlays/2.7.2: kubectl kustomize failed:"
'

test_expect_success 'kustomize: a resource file that is not YAML fails the build' '
	fresh_copy &&
	printf "kind: [Service\n" >>"$C/base/redis.yaml" &&
	expect_invalid overlays/2.7.1 "overlays/2.7.1: kubectl kustomize failed:"
'

test_expect_success 'rule: maxSurge must be 1' '
	fresh_copy &&
	yedit base/web.yaml "docs[0].spec.strategy.rollingUpdate.maxSurge = \"25%\"" &&
	expect_invalid overlays/2.7.1 "Deployment/pybossa-web: spec.strategy.rollingUpdate.maxSurge: must be 1, is \"25%\""
'

test_expect_success 'rule: maxUnavailable must be 0' '
	fresh_copy &&
	yedit base/web.yaml "docs[0].spec.strategy.rollingUpdate.maxUnavailable = 1" &&
	expect_invalid overlays/2.7.2 "Deployment/pybossa-web: spec.strategy.rollingUpdate.maxUnavailable: must be 0, is 1"
'

test_expect_success 'rule: readiness must probe /api/helpingmaterial' '
	fresh_copy &&
	yedit base/web.yaml "docs[0].spec.template.spec.containers[0].readinessProbe.httpGet.path = \"/\"" &&
	expect_invalid overlays/2.8.0 "Deployment/pybossa-web: spec.template.spec.containers[0].readinessProbe.httpGet.path: must be /api/helpingmaterial"
'

test_expect_success 'rule: progressDeadlineSeconds must be 45' '
	fresh_copy &&
	yedit base/web.yaml "docs[0].spec.progressDeadlineSeconds = 600" &&
	expect_invalid overlays/2.7.1 "Deployment/pybossa-web: spec.progressDeadlineSeconds: must be 45, is 600"
'

test_expect_success 'rule: a preStop pause, and a grace period longer than it' '
	fresh_copy &&
	yedit base/web.yaml "docs[0].spec.template.spec.terminationGracePeriodSeconds = 10" &&
	expect_invalid overlays/2.7.1 "spec.template.spec.terminationGracePeriodSeconds: must exceed the preStop pause (10 s), is 10" &&
	yedit base/web.yaml "delete docs[0].spec.template.spec.containers[0].lifecycle" &&
	expect_invalid overlays/2.7.1 "spec.template.spec.containers[0].lifecycle.preStop: must pause"
'

test_expect_success 'rule: the migration Job must not retry (backoffLimit 0)' '
	fresh_copy &&
	yedit overlays/2.8.0/migrate-8fe68fbf6baa.yaml "docs[0].spec.backoffLimit = 6" &&
	expect_invalid overlays/2.8.0 "Job/pybossa-migrate-8fe68fbf6baa: spec.backoffLimit: must be 0, is 6"
'

test_expect_success 'rule: the migration Job runs alembic upgrade head' '
	fresh_copy &&
	yedit overlays/2.8.0/migrate-8fe68fbf6baa.yaml "docs[0].spec.template.spec.containers[0].command = [\"alembic\", \"upgrade\", \"+1\"]" &&
	expect_invalid overlays/2.8.0 "Job/pybossa-migrate-8fe68fbf6baa: spec.template.spec.containers: must run \"alembic upgrade head\""
'

test_expect_success 'rule: 2.8.0 without its migration Job is refused' '
	fresh_copy &&
	yedit overlays/2.8.0/kustomization.yaml "delete docs[0].resources" &&
	expect_invalid overlays/2.8.0 "overlays/2.8.0: overlay 2.8.0 needs Job pybossa-migrate-8fe68fbf6baa"
'

test_expect_success 'rule: the migration must carry the label the scripts split on' '
	fresh_copy &&
	yedit overlays/2.8.0/migrate-8fe68fbf6baa.yaml "docs[0].metadata.labels[\"app.kubernetes.io/component\"] = \"web\"" &&
	expect_invalid overlays/2.8.0 "Job/pybossa-migrate-8fe68fbf6baa: metadata.labels.app.kubernetes.io/component: must be \"migration\""
'

test_expect_success 'rule: an overlay runs its own version (a tag left from the last release)' '
	fresh_copy &&
	yedit overlays/2.7.2/kustomization.yaml "docs[0].images[0].newTag = \"2.7.1\"" &&
	expect_invalid overlays/2.7.2 "Deployment/pybossa-web: spec.template.spec.containers[0].image: overlay 2.7.2 runs \"pybossa:2.7.1\""
'

test_expect_success 'rule: an image without a version tag is refused' '
	fresh_copy &&
	yedit base/kustomization.yaml "docs[0].images = docs[0].images.filter((i) => i.name !== \"redis\")" &&
	expect_invalid overlays/2.7.1 "Deployment/redis: spec.template.spec.containers[0].image: \"redis\" is not pinned to a version tag"
'

test_expect_success 'rule: the prober Job runs as non-root' '
	fresh_copy &&
	yedit pbprobe/job.yaml "docs[0].spec.template.spec.securityContext.runAsNonRoot = false" &&
	expect_invalid pbprobe "pbprobe: Job/pbprobe: spec.template.spec.containers[0].securityContext.runAsNonRoot: must be true" &&
	yedit pbprobe/job.yaml "delete docs[0].spec.template.spec.securityContext.runAsNonRoot; docs[0].spec.template.spec.securityContext.runAsUser = 0" &&
	expect_invalid pbprobe "Job/pbprobe: spec.template.spec.containers[0].securityContext.runAsNonRoot: must be true" &&
	grep -F "spec.template.spec.containers[0].securityContext.runAsUser: must not be 0" err
'

test_expect_success 'rule: every prober runs at once, each with its own log on a volume' '
	fresh_copy &&
	yedit pbprobe/job.yaml "docs[0].spec.completions = 3" &&
	expect_invalid pbprobe "Job/pbprobe: spec.parallelism: must equal completions (3)" &&
	fresh_copy &&
	yedit pbprobe/job.yaml "docs[0].spec.template.spec.containers[0].volumeMounts = []" &&
	expect_invalid pbprobe "Job/pbprobe: spec.template.spec.containers[0].volumeMounts: no volume mounted at PBPROBE_LOG_DIR"
'

test_expect_success 'rule: the prober probes a Service the overlays define' '
	fresh_copy &&
	sed -i "s|PBPROBE_URL=http://pybossa-web|PBPROBE_URL=http://pybossa|" "$C/pbprobe/kustomization.yaml" &&
	VALIDATE_NO_INSTALL=1 "$C/validate" "$C/pbprobe" &&
	expect_invalid "overlays/2.7.1 pbprobe" "pbprobe: ConfigMap/pbprobe-settings-" &&
	grep -F "data.PBPROBE_URL: host pybossa is not a Service of the builds validated with it" err
'

test_expect_success 'rule: references resolve (a Service port name, a Secret key, resources)' '
	fresh_copy &&
	yedit base/web.yaml "docs[1].spec.ports[0].targetPort = \"htpt\"" &&
	expect_invalid overlays/2.7.1 "Service/pybossa-web: spec.ports[0].targetPort: no selected container has a port named htpt" &&
	fresh_copy &&
	yedit base/web.yaml "docs[0].spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.key = \"passwd\"" &&
	expect_invalid overlays/2.7.1 "Deployment/pybossa-web: spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef: Secret pybossa-db has no key passwd" &&
	fresh_copy &&
	yedit base/redis.yaml "delete docs[0].spec.template.spec.containers[1].resources.limits" &&
	expect_invalid overlays/2.7.1 "Deployment/redis: spec.template.spec.containers[1].resources.limits.cpu: container sentinel: missing"
'

test_expect_success 'a missing tool is exit 3, not a verdict on the manifests' '
	rc=0 && KUBECTL=/nonexistent/kubectl "$M/validate" 2>err || rc=$? &&
	test "$rc" = 3 && grep -F "not found" err
'

if command -v shellcheck >/dev/null 2>&1; then
	test_expect_success 'shellcheck: manifests/validate, pbprobe-job, t/t7*.sh' '
		shellcheck -x "$M/validate" "$M/pbprobe/pbprobe-job.sh" "$PB_SRC"/t/t7*.sh
	'
else
	test_skip 'shellcheck: manifests/validate, pbprobe-job, t/t7*.sh' 'no shellcheck (apt-get install shellcheck)'
fi

test_done
