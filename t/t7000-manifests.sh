#!/bin/bash
# t7000-manifests: manifests/validate passes the real manifests and fails,
# naming the build, the object and the field, on copies broken one way each:
# a wrong type, an unknown kind, a missing required field, a misspelt field,
# a bad kustomization, and every rule the upgrades rest on (rolling-update
# budget, readiness path, the migration Job, image tags per overlay, the
# prober's non-root pod and its CPU), and those of issue 11 that PyBossa would
# start and upgrade: the image recipe and the web's command, md5 logins for
# the image's libpq, alembic.ini where the Jobs read it, the rollout set, a
# progress deadline that covers pull + start + readiness + minReadySeconds,
# lock_timeout, the worker and scheduler; the NodePort patch; and
# manifests/images/build against a stand-in engine. The built objects are
# also read back with jq, independently of the validator's own rules. Issue
# 14's integrations (manifests/integrations): Argo Rollouts' AnalysisTemplate
# and Flagger's Canary against their own schemas and the prober's rules, the
# options their commands pass checked against the programs' --help, and the
# commands themselves run here against nginx.
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

test_expect_success 'the real manifests validate: every overlay, the prober Job and the integrations' '
	"$M/validate" >out 2>err &&
	cat out err &&
	for v in $VERSIONS; do grep -qx "overlays/$v: [0-9]* objects valid" out || return 1; done &&
	grep -qx "pbprobe: [0-9]* objects valid" out &&
	grep -qx "integrations/argo-rollouts: 1 objects valid" out &&
	grep -qx "integrations/argo-rollouts/example: 3 objects valid" out &&
	grep -qx "integrations/flagger: 1 objects valid" out &&
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

test_expect_success 'jq: each overlay rolls one pod at a time, never below capacity, 90 s deadline' '
	for v in $VERSIONS; do
		test "$(web "$v" .spec.strategy.rollingUpdate)" = "{\"maxSurge\":1,\"maxUnavailable\":0}" &&
		test "$(web "$v" .spec.progressDeadlineSeconds)" = 90 &&
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
	printf "pybossa-migrate-8fe68fbf6baa\t0\talembic -c /opt/pybossa/alembic.ini upgrade head\n" >expect &&
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
		cp -rp "$M/base" "$M/overlays" "$M/pbprobe" "$M/images" "$M/integrations" "$M"/*.mjs "$M/validate" "$C/" &&
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

test_expect_success 'rule: the prober'"'"'s CPU request equals its limit, sized from the rate' '
	fresh_copy &&
	yedit pbprobe/job.yaml "docs[0].spec.template.spec.containers[0].resources.requests.cpu = \"100m\"" &&
	expect_invalid pbprobe "Job/pbprobe: spec.template.spec.containers[0].resources.requests.cpu: must equal limits.cpu (250m)" &&
	fresh_copy &&
	sed -i "s/PBPROBE_RATE=200$/PBPROBE_RATE=5k/" "$C/pbprobe/kustomization.yaml" &&
	expect_invalid pbprobe "Job/pbprobe: spec.template.spec.containers[0].resources.limits.cpu: must be at least 1500m for 15000 requests a second (3 series at PBPROBE_RATE 5k), is 250m" &&
	yedit pbprobe/job.yaml "const r = docs[0].spec.template.spec.containers[0].resources; r.requests.cpu = r.limits.cpu = \"1500m\"" &&
	expect_invalid pbprobe "data.PBPROBE_RATE: at most 400 with a target on new connections (--connections new or both)" &&
	yedit pbprobe/job.yaml "const c = docs[0].spec.template.spec.containers[0]; c.args = c.args.filter((a) => !a.startsWith(\"--connections\"))" &&
	expect_invalid pbprobe "Job/pbprobe: metadata.annotations[\"pbprobe.io/series\"]: must be \"2\", what the prober'"'"'s arguments probe" &&
	grep -F "metadata.annotations[\"pbprobe.io/new-connection-series\"]: must be \"0\"" err &&
	yedit pbprobe/job.yaml "Object.assign(docs[0].metadata.annotations, {\"pbprobe.io/series\": \"2\", \"pbprobe.io/new-connection-series\": \"0\"})" &&
	VALIDATE_NO_INSTALL=1 "$C/validate" "$C/pbprobe" &&
	yedit pbprobe/job.yaml "const r = docs[0].spec.template.spec.containers[0].resources; r.requests.cpu = r.limits.cpu = \"900m\"" &&
	expect_invalid pbprobe "must be at least 1000m for 10000 requests a second (2 series at PBPROBE_RATE 5k), is 900m" &&
	fresh_copy &&
	yedit pbprobe/job.yaml "const c = docs[0].spec.template.spec.containers[0]; c.args.push(\"--connections=both\")" &&
	sed -i "s/PBPROBE_RATE=200$/PBPROBE_RATE=1k/" "$C/pbprobe/kustomization.yaml" &&
	expect_invalid pbprobe "must be at least 400m for 4000 requests a second (4 series at PBPROBE_RATE 1k)"
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

# --- issue 11: that PyBossa would start and upgrade. One block per point,
# each rule failing on a copy broken that way.

# dfedit SED-SCRIPT: edits the copy's image recipe.
dfedit() { sed -i -e "$1" "$C/images/pybossa/Dockerfile"; }

test_expect_success 'image: the recipe builds a given release, from its tag, the web server as CMD' '
	fresh_copy &&
	dfedit "s/^ARG PYBOSSA_VERSION$/ARG PYBOSSA_VERSION=2.7.1/" &&
	expect_invalid overlays/2.7.1 "manifests/validate: images/pybossa/Dockerfile:" &&
	grep -E "Dockerfile:[0-9]+: ARG PYBOSSA_VERSION: must have no default" err &&
	fresh_copy &&
	dfedit "s/git checkout \"v\${PYBOSSA_VERSION}\"/git checkout master/" &&
	expect_invalid overlays/2.7.1 "no RUN checks out PyBossa'"'"'s tag v\$PYBOSSA_VERSION" &&
	fresh_copy &&
	dfedit "s/^CMD .*/CMD python run.py/" &&
	expect_invalid overlays/2.7.2 "CMD python run.py: must be the exec form" &&
	fresh_copy &&
	dfedit "s/^FROM ubuntu:16.04$/FROM ubuntu/" &&
	expect_invalid overlays/2.7.2 "FROM ubuntu: not pinned to a version tag"
'

test_expect_success 'image: alembic.ini and the settings come from the cluster, never from a layer' '
	fresh_copy &&
	printf "COPY alembic.ini /opt/pybossa/\n" >>"$C/images/pybossa/Dockerfile" &&
	expect_invalid overlays/2.8.0 "COPY alembic.ini: it comes from the cluster (a ConfigMap), never from the image" &&
	fresh_copy &&
	dfedit "/^WORKDIR/d" &&
	expect_invalid overlays/2.8.0 "no WORKDIR"
'

test_expect_success 'image: the web container runs python run.py, by its command or the image'"'"'s CMD' '
	fresh_copy &&
	yedit base/web.yaml "docs[0].spec.template.spec.containers[0].command = [\"python\", \"cli.py\"]" &&
	expect_invalid overlays/2.7.1 "Deployment/pybossa-web: spec.template.spec.containers[0].command: the web container must run [\"python\",\"run.py\"] (its command, or the image'"'"'s CMD), runs [\"python\",\"cli.py\"]" &&
	fresh_copy &&
	yedit base/web.yaml "delete docs[0].spec.template.spec.containers[0].command" &&
	VALIDATE_NO_INSTALL=1 "$C/validate" "$C/overlays/2.7.1" &&
	dfedit "/^CMD/d" &&
	expect_invalid overlays/2.7.1 "Deployment/pybossa-web: spec.template.spec.containers[0].command: the web container must run" &&
	grep -F "no CMD" err &&
	fresh_copy &&
	yedit base/workers.yaml "delete docs[0].spec.template.spec.containers[0].command" &&
	expect_invalid overlays/2.7.2 "Deployment/pybossa-worker: spec.template.spec.containers[0].command: missing: the image'"'"'s CMD is the web server"
'

test_expect_success 'image: manifests/images/build makes pybossa:<version> for every overlay, from the one recipe' '
	mkdir -p fakebin && printf "#!/bin/sh\necho \"\$*\" >>\"%s\"\n" "$TEST_DIR/engine.calls" >fakebin/docker &&
	chmod +x fakebin/docker && : >engine.calls &&
	PATH=$TEST_DIR/fakebin:$PATH "$M/images/build" &&
	for v in $VERSIONS; do echo "build --build-arg PYBOSSA_VERSION=$v -t pybossa:$v $M/images/pybossa"; done >expect &&
	test_cmp expect engine.calls &&
	: >engine.calls &&
	PATH=$TEST_DIR/fakebin:$PATH PBPROBE_K8S_REGISTRY=reg.example/team/ "$M/images/build" 2.8.0 &&
	printf "%s\n" "build --build-arg PYBOSSA_VERSION=2.8.0 -t reg.example/team/pybossa:2.8.0 $M/images/pybossa" "push reg.example/team/pybossa:2.8.0" >expect &&
	test_cmp expect engine.calls &&
	test_expect_code 2 "$M/images/build" 9.9.9 &&
	ENGINE=/nonexistent/docker test_expect_code 3 "$M/images/build"
'

test_expect_success 'postgres: md5 logins for the image'"'"'s libpq 9.5 (host method, stored hash, initdb password)' '
	fresh_copy &&
	yedit base/postgres.yaml "const c = docs[2].spec.template.spec.containers[0]; c.env = c.env.filter((e) => e.name !== \"POSTGRES_HOST_AUTH_METHOD\")" &&
	expect_invalid overlays/2.7.1 "StatefulSet/postgres: spec.template.spec.containers[0].env: POSTGRES_HOST_AUTH_METHOD must be md5: PyBossa'"'"'s libpq 9.5 (ubuntu:16.04) cannot do scram-sha-256" &&
	fresh_copy &&
	yedit base/postgres.yaml "delete docs[2].spec.template.spec.containers[0].args" &&
	expect_invalid overlays/2.7.1 "StatefulSet/postgres: spec.template.spec.containers[0].args: PostgreSQL 15 stores new passwords as SCRAM" &&
	fresh_copy &&
	sed -i "s/password_encryption = .md5.;/password_encryption = '"'"'scram-sha-256'"'"';/" "$C/base/postgres-md5.sh" &&
	expect_invalid overlays/2.7.1 "StatefulSet/postgres: spec.template.spec.containers[0].volumeMounts: PostgreSQL 15'"'"'s initdb stores POSTGRES_USER'"'"'s password as SCRAM"
'

test_expect_success 'postgres: with a base whose libpq speaks SCRAM, PostgreSQL'"'"'s default is fine' '
	fresh_copy &&
	dfedit "s/^FROM ubuntu:16.04$/FROM ubuntu:18.04/" &&
	yedit base/postgres.yaml "const c = docs[2].spec.template.spec.containers[0]; delete c.args; c.env = c.env.filter((e) => e.name !== \"POSTGRES_HOST_AUTH_METHOD\")" &&
	VALIDATE_NO_INSTALL=1 "$C/validate" "$C/overlays/2.7.1" &&
	dfedit "s/^FROM ubuntu:18.04$/FROM ubuntu:14.04/" &&
	expect_invalid overlays/2.7.1 "FROM ubuntu:14.04: its libpq version is not known here"
'

test_expect_success 'alembic: the Jobs read alembic.ini where it is mounted, from a ConfigMap applied with them' '
	fresh_copy &&
	yedit overlays/2.8.0/migrate-8fe68fbf6baa.yaml "delete docs[0].spec.template.spec.containers[0].volumeMounts" &&
	expect_invalid overlays/2.8.0 "Job/pybossa-migrate-8fe68fbf6baa: spec.template.spec.containers[0].volumeMounts: nothing mounted at /opt/pybossa/alembic.ini, which alembic reads" &&
	fresh_copy &&
	yedit overlays/2.8.0/migrate-8fe68fbf6baa.yaml "docs[0].spec.template.spec.containers[0].command[2] = \"/etc/alembic.ini\"" &&
	expect_invalid overlays/2.8.0 "nothing mounted at /etc/alembic.ini, which alembic reads" &&
	fresh_copy &&
	yedit overlays/2.7.1/db-create.yaml "const c = docs[0].spec.template.spec.containers[0]; c.volumeMounts = c.volumeMounts.filter((m) => m.name !== \"alembic\")" &&
	expect_invalid overlays/2.7.1 "Job/pybossa-db-create: spec.template.spec.containers[0].volumeMounts: nothing mounted at /opt/pybossa/alembic.ini, which cli.py and alembic read" &&
	fresh_copy &&
	yedit base/alembic/kustomization.yaml "docs[0].generatorOptions.labels[\"app.kubernetes.io/component\"] = \"web\"" &&
	expect_invalid overlays/2.8.0 "metadata.labels.app.kubernetes.io/component: must be \"database-config\": the scripts apply it with the Job pybossa-migrate-8fe68fbf6baa"
'

test_expect_success 'alembic: sqlalchemy.url names a Service, no password in the ConfigMap, PGPASSWORD from the Secret, no DATABASE_URL' '
	fresh_copy &&
	sed -i "s|^sqlalchemy.url = .*|sqlalchemy.url = postgresql://pybossa@postgres-master:5432/pybossa|" "$C/base/alembic/alembic.ini" &&
	expect_invalid overlays/2.8.0 "sqlalchemy.url: host postgres-master is not a Service of this build" &&
	fresh_copy &&
	sed -i "s|^sqlalchemy.url = .*|sqlalchemy.url = postgresql://pybossa:hunter2@postgres:5432/pybossa|" "$C/base/alembic/alembic.ini" &&
	expect_invalid overlays/2.8.0 "sqlalchemy.url: a password in a ConfigMap" &&
	fresh_copy &&
	sed -i "/^sqlalchemy.url/d" "$C/base/alembic/alembic.ini" &&
	expect_invalid overlays/2.7.1 "no postgresql:// sqlalchemy.url in its [alembic] section" &&
	fresh_copy &&
	yedit overlays/2.8.0/migrate-8fe68fbf6baa.yaml "const c = docs[0].spec.template.spec.containers[0]; c.env = c.env.filter((e) => e.name !== \"PGPASSWORD\")" &&
	expect_invalid overlays/2.8.0 "Job/pybossa-migrate-8fe68fbf6baa: spec.template.spec.containers[0].env: must set PGPASSWORD from a Secret" &&
	fresh_copy &&
	yedit overlays/2.7.1/db-create.yaml "docs[0].spec.template.spec.containers[0].env.push({ name: \"DATABASE_URL\", value: \"postgresql://pybossa@postgres/pybossa\" })" &&
	expect_invalid overlays/2.7.1 "Job/pybossa-db-create: spec.template.spec.containers[0].env: DATABASE_URL: PyBossa'"'"'s alembic and cli.py take the database from alembic.ini"
'

test_expect_success 'rollout set: only PyBossa'"'"'s Deployments and their ConfigMaps carry pbprobe/rollout' '
	fresh_copy &&
	yedit base/web.yaml "docs[1].metadata.labels[\"pbprobe/rollout\"] = \"pybossa\"" &&
	expect_invalid overlays/2.7.2 "Service/pybossa-web: metadata.labels.pbprobe/rollout: a rollout applies only PyBossa'"'"'s Deployments and their ConfigMaps; a Service is applied at setup" &&
	fresh_copy &&
	yedit base/redis.yaml "docs[0].metadata.labels[\"pbprobe/rollout\"] = \"pybossa\"" &&
	expect_invalid overlays/2.7.2 "Deployment/redis: metadata.labels.pbprobe/rollout: a rollout applies only Deployments that run PyBossa" &&
	fresh_copy &&
	yedit base/workers.yaml "delete docs[1].metadata.labels[\"pbprobe/rollout\"]" &&
	expect_invalid overlays/2.7.2 "Deployment/pybossa-scheduler: metadata.labels.pbprobe/rollout: must be pybossa: every Deployment running PyBossa is upgraded, and undone, by the rollout" &&
	fresh_copy &&
	yedit base/settings/kustomization.yaml "delete docs[0].generatorOptions.labels[\"pbprobe/rollout\"]" &&
	expect_invalid overlays/2.7.2 "Deployment/pybossa-web: spec.template.spec.volumes[0].configMap.name: ConfigMap pybossa-settings-" &&
	grep -F "must carry pbprobe/rollout=pybossa: a rollout applies it with the Deployment that uses it" err
'

test_expect_success 'deadline: progressDeadlineSeconds covers pull + start + readiness + minReadySeconds, as declared' '
	fresh_copy &&
	yedit base/web.yaml "docs[0].spec.progressDeadlineSeconds = 45" &&
	expect_invalid overlays/2.7.1 "Deployment/pybossa-web: spec.progressDeadlineSeconds: must cover image pull (60 s) + start (20 s) + first readiness success (2 s) + minReadySeconds (5 s) = 87 s, is 45" &&
	fresh_copy &&
	yedit base/workers.yaml "docs[0].spec.minReadySeconds = 30" &&
	expect_invalid overlays/2.7.1 "Deployment/pybossa-worker: spec.progressDeadlineSeconds: must cover image pull (60 s) + start (20 s) + first readiness success (0 s) + minReadySeconds (30 s) = 110 s, is 90" &&
	fresh_copy &&
	yedit base/web.yaml "delete docs[0].metadata.annotations[\"pbprobe/pull-seconds\"]" &&
	expect_invalid overlays/2.7.1 "Deployment/pybossa-web: metadata.annotations.pbprobe/pull-seconds: must say, in seconds, how long pulling the image"
'

test_expect_success 'migration: lock_timeout set, bounded; nonzero' '
	fresh_copy &&
	yedit overlays/2.8.0/migrate-8fe68fbf6baa.yaml "const c = docs[0].spec.template.spec.containers[0]; c.env = c.env.filter((e) => e.name !== \"PGOPTIONS\")" &&
	expect_invalid overlays/2.8.0 "Job/pybossa-migrate-8fe68fbf6baa: spec.template.spec.containers[0].env: must set PGOPTIONS to \"-c lock_timeout=...\"" &&
	fresh_copy &&
	yedit overlays/2.8.0/migrate-8fe68fbf6baa.yaml "docs[0].spec.template.spec.containers[0].env.find((e) => e.name === \"PGOPTIONS\").value = \"-c lock_timeout=0\"" &&
	expect_invalid overlays/2.8.0 "PGOPTIONS lock_timeout: must be between 1 ms and 60 s (0 waits forever), is 0" &&
	fresh_copy &&
	yedit overlays/2.8.0/migrate-8fe68fbf6baa.yaml "docs[0].spec.template.spec.containers[0].env.find((e) => e.name === \"PGOPTIONS\").value = \"-c lock_timeout=5min\"" &&
	expect_invalid overlays/2.8.0 "is 5min"
'

test_expect_success 'background tier: every overlay runs the worker and the scheduler' '
	fresh_copy &&
	yedit base/workers.yaml "docs.splice(1, 1)" &&
	expect_invalid overlays/2.7.2 "overlays/2.7.2: no Deployment runs PyBossa'"'"'s scheduler" &&
	fresh_copy &&
	yedit base/workers.yaml "docs[0].spec.template.metadata.labels[\"app.kubernetes.io/component\"] = \"queue\"; docs[0].spec.selector.matchLabels[\"app.kubernetes.io/component\"] = \"queue\"" &&
	expect_invalid overlays/2.8.0 "overlays/2.8.0: no Deployment runs PyBossa'"'"'s worker"
'

test_expect_success 'jq: the rollout set of each overlay is its three PyBossa Deployments and their settings' '
	for v in $VERSIONS; do
		jq -r "select(.metadata.labels[\"pbprobe/rollout\"] == \"pybossa\") | \"\(.kind)/\(.metadata.name)\"" \
			"$TEST_DIR/render/overlays_$v.json" | sed "s/-settings-.*/-settings/" | sort >set &&
		printf "%s\n" ConfigMap/pybossa-settings Deployment/pybossa-scheduler Deployment/pybossa-web Deployment/pybossa-worker >expect &&
		test_cmp expect set || return 1
	done
'

test_expect_success 'expose/nodeport.yaml: an overlay with it validates; it turns the Service into a NodePort and touches nothing a rollout applies' '
	fresh_copy && mkdir -p "$C/exposed" &&
	cp "$M/expose/nodeport.yaml" "$C/exposed/" &&
	printf "%s\n" "bases:" "- ../overlays/2.8.0" "patchesStrategicMerge:" "- nodeport.yaml" >"$C/exposed/kustomization.yaml" &&
	VALIDATE_NO_INSTALL=1 "$C/validate" --render "$TEST_DIR/exposed" "$C/exposed" &&
	node "$M/validate.mjs" "overlays/2.8.0=$(ls "$TEST_DIR"/exposed/*.yaml)" &&
	"$KUBECTL" kustomize "$C/exposed" 2>/dev/null >exposed.yaml && "$KUBECTL" kustomize "$C/overlays/2.8.0" 2>/dev/null >plain.yaml &&
	! diff plain.yaml exposed.yaml >d && grep "^[<>]" d >changed &&
	printf "%s\n" "<   type: ClusterIP" ">   type: NodePort" >expect && test_cmp expect changed &&
	grep -B 30 "type: NodePort" exposed.yaml | grep -q "name: pybossa-web"
'

# --- issue 14: Argo Rollouts and Flagger (manifests/integrations) -------------

AT=integrations/argo-rollouts/analysistemplate.yaml
RO=integrations/argo-rollouts/example/rollout.yaml
CANARY=integrations/flagger/canary.yaml
# The AnalysisTemplate as rendered above (JSON), and jq's path to its Job's pod.
ATJSON=$TEST_DIR/render/integrations_argo-rollouts.json
POD=".spec.metrics[0].provider.job.spec.template.spec"

test_expect_success 'integrations: each builds alone with kubectl kustomize and holds what it says' '
	for d in argo-rollouts argo-rollouts/example flagger; do
		"$KUBECTL" kustomize "$M/integrations/$d" >/dev/null 2>err || { cat err; return 1; }
	done &&
	for f in integrations_argo-rollouts integrations_argo-rollouts_example integrations_flagger; do
		jq -r "\"$f: \(.apiVersion) \(.kind)/\(.metadata.name)\"" "$TEST_DIR/render/$f.json"
	done | sort >objects &&
	printf "%s\n" "integrations_argo-rollouts: argoproj.io/v1alpha1 AnalysisTemplate/pbprobe" \
		"integrations_argo-rollouts_example: argoproj.io/v1alpha1 Rollout/app" \
		"integrations_argo-rollouts_example: v1 Service/app" "integrations_argo-rollouts_example: v1 Service/app-canary" \
		"integrations_flagger: flagger.app/v1beta1 Canary/app" >expect &&
	test_cmp expect objects
'

test_expect_success 'jq: the analysis runs the image manifests/pbprobe runs, once, as non-root, CPU request = limit' '
	jq -r "select(.kind == \"Job\") | .spec.template.spec.containers[].image" "$TEST_DIR/render/pbprobe.json" >expect &&
	jq -r "$POD | (.initContainers + .containers)[].image" "$ATJSON" | sort -u >images &&
	test_cmp expect images &&
	jq -e ".spec.metrics[0] as \$m | \$m.provider.job.spec.backoffLimit == 0 and \$m.count == 1 and \$m.failureLimit == 0
		and \$m.provider.job.spec.template.spec.restartPolicy == \"Never\"
		and \$m.provider.job.spec.template.spec.securityContext.runAsNonRoot == true
		and \$m.provider.job.spec.template.spec.securityContext.runAsUser == 10001
		and ([\$m.provider.job.spec.template.spec | (.initContainers + .containers)[]
			| .resources.requests.cpu == .resources.limits.cpu and .securityContext.readOnlyRootFilesystem == true] | all)" "$ATJSON"
'

test_expect_success 'schema (Argo): a misspelt field in the analysis Job'"'"'s container is refused, down through its JobSpec' '
	fresh_copy &&
	yedit "$AT" "const c = docs[0].spec.metrics[0].provider.job.spec.template.spec.containers[0]; c.imagePullpolicy = c.imagePullPolicy; delete c.imagePullPolicy" &&
	expect_invalid integrations/argo-rollouts "manifests/validate: integrations/argo-rollouts: AnalysisTemplate/pbprobe: spec.metrics[0].provider.job.spec.template.spec.containers[0].imagePullpolicy: unknown field (did you mean imagePullPolicy?)" &&
	fresh_copy &&
	yedit "$AT" "docs[0].spec.metrics[0].provider.job.spec.activeDeadlineSeconds = \"600\"" &&
	expect_invalid integrations/argo-rollouts "AnalysisTemplate/pbprobe: spec.metrics[0].provider.job.spec.activeDeadlineSeconds: must be integer" &&
	fresh_copy &&
	yedit "$AT" "docs[0].spec.metrics[0].provider.jobb = docs[0].spec.metrics[0].provider.job; delete docs[0].spec.metrics[0].provider.job" &&
	expect_invalid integrations/argo-rollouts "AnalysisTemplate/pbprobe: spec.metrics[0].provider.jobb: unknown field (did you mean job?)" &&
	fresh_copy &&
	yedit "$RO" "docs[0].kind = \"Rolout\"" &&
	expect_invalid integrations/argo-rollouts/example "Rolout/app: kind: unknown kind Rolout in argoproj.io/v1alpha1"
'

test_expect_success 'schema (Flagger): a wrong type or an unknown field in the Canary'"'"'s webhook is refused' '
	fresh_copy &&
	yedit "$CANARY" "docs[0].spec.analysis.webhooks[0].timeout = 45" &&
	expect_invalid integrations/flagger "manifests/validate: integrations/flagger: Canary/app: spec.analysis.webhooks[0].timeout: must be string" &&
	fresh_copy &&
	yedit "$CANARY" "const w = docs[0].spec.analysis.webhooks[0]; w.retrys = w.retries; delete w.retries" &&
	expect_invalid integrations/flagger "Canary/app: spec.analysis.webhooks[0].retrys: unknown field (did you mean retries?)" &&
	fresh_copy &&
	yedit "$CANARY" "docs[0].spec.analysis.webhooks[0].metadata.timeout = 45; docs[0].spec.analysis.interval = \"1h\"; delete docs[0].spec.targetRef.name" &&
	expect_invalid integrations/flagger "Canary/app: spec.analysis.webhooks[0].metadata.timeout: must be string" &&
	grep -F "Canary/app: spec.analysis.interval: must be a whole number of seconds or minutes" err &&
	grep -F "Canary/app: spec.targetRef.name: required field missing" err &&
	fresh_copy &&
	yedit "$CANARY" "docs[0].metadata.label = { a: \"b\" }" &&
	expect_invalid integrations/flagger "Canary/app: metadata.label: unknown field (did you mean labels?)" &&
	fresh_copy &&
	yedit "$CANARY" "docs[0].apiVersion = \"flagger.app/v1alpha3\"" &&
	expect_invalid integrations/flagger "Canary/app: kind: unknown kind Canary in flagger.app/v1alpha3"
'

test_expect_success 'rule (Argo): one run decides: backoffLimit 0, never restarted, failureLimit 0, count 1' '
	fresh_copy &&
	yedit "$AT" "docs[0].spec.metrics[0].provider.job.spec.backoffLimit = 2" &&
	expect_invalid integrations/argo-rollouts "AnalysisTemplate/pbprobe: spec.metrics[0].provider.job.spec.backoffLimit: must be 0: a failed probe retried would hide the outage it saw" &&
	yedit "$AT" "delete docs[0].spec.metrics[0].provider.job.spec.backoffLimit" &&
	expect_invalid integrations/argo-rollouts "spec.metrics[0].provider.job.spec.backoffLimit: must be 0: a failed probe retried would hide the outage it saw (the second run'"'"'s PASS replaces the first'"'"'s FAIL); is \"unset, 6\"" &&
	fresh_copy &&
	yedit "$AT" "docs[0].spec.metrics[0].provider.job.spec.template.spec.restartPolicy = \"OnFailure\"; docs[0].spec.metrics[0].failureLimit = 1; docs[0].spec.metrics[0].count = 3" &&
	expect_invalid integrations/argo-rollouts "spec.metrics[0].provider.job.spec.template.spec.restartPolicy: must be Never" &&
	grep -F "AnalysisTemplate/pbprobe: spec.metrics[0].failureLimit: must be 0" err &&
	grep -F "AnalysisTemplate/pbprobe: spec.metrics[0].count: must be 1" err
'

test_expect_success 'rule (Argo): the analysis pod has no privilege, /tmp for its log, CPU request = limit' '
	fresh_copy &&
	yedit "$AT" "const c = docs[0].spec.metrics[0].provider.job.spec.template.spec.initContainers[0]; c.securityContext.readOnlyRootFilesystem = false; c.resources.requests.cpu = \"100m\"" &&
	expect_invalid integrations/argo-rollouts "AnalysisTemplate/pbprobe: spec.metrics[0].provider.job.spec.template.spec.initContainers[0].securityContext.readOnlyRootFilesystem: must be true, is false" &&
	grep -F "spec.metrics[0].provider.job.spec.template.spec.initContainers[0].resources.requests.cpu: must equal limits.cpu (250m)" err &&
	fresh_copy &&
	yedit "$AT" "const p = docs[0].spec.metrics[0].provider.job.spec.template.spec; delete p.securityContext.runAsNonRoot; p.containers[0].securityContext.capabilities.drop = []" &&
	expect_invalid integrations/argo-rollouts "spec.metrics[0].provider.job.spec.template.spec.containers[0].securityContext.runAsNonRoot: must be true" &&
	grep -F "spec.metrics[0].provider.job.spec.template.spec.containers[0].securityContext.capabilities.drop: must include ALL" err &&
	fresh_copy &&
	yedit "$AT" "const p = docs[0].spec.metrics[0].provider.job.spec.template.spec; p.containers[0].args = p.containers[0].args.map((a) => a.replace(\"/tmp/\", \"/var/tmp/\"))" &&
	expect_invalid integrations/argo-rollouts "spec.metrics[0].provider.job.spec.template.spec.containers[0].args: must read /tmp/pbprobe.log, pbprobe'"'"'s log, from volume tmp mounted at /tmp"
'

test_expect_success 'rule (Argo): arguments declared and given; a rate or duration the pod or deadline cannot hold is refused' '
	fresh_copy &&
	yedit "$AT" "docs[0].spec.args = docs[0].spec.args.filter((a) => a.name !== \"timeout\")" &&
	expect_invalid integrations/argo-rollouts "AnalysisTemplate/pbprobe: spec.metrics[0]: uses {{args.timeout}}, which spec.args does not declare" &&
	fresh_copy &&
	yedit "$AT" "const a = docs[0].spec.args; a.find((x) => x.name === \"rate\").value = \"3k\"; a.find((x) => x.name === \"connections\").value = \"keepalive\"; a.find((x) => x.name === \"duration\").value = \"9m\"" &&
	expect_invalid integrations/argo-rollouts "AnalysisTemplate/pbprobe: spec.metrics[0].provider.job.spec.template.spec.initContainers[0].resources.limits.cpu: must be at least 300m for 3000 requests a second (1 series at rate 3000, by default), is 250m" &&
	grep -F "AnalysisTemplate/pbprobe: spec.metrics[0].provider.job.spec.activeDeadlineSeconds: must be at least 602: the probe (542 s with its timeout, by default) and 60 s to pull, start and report; is 600" err &&
	fresh_copy &&
	yedit "$RO" "docs[0].spec.strategy.canary.steps[1].analysis.args = []" &&
	expect_invalid "integrations/argo-rollouts integrations/argo-rollouts/example" "Rollout/app: spec.strategy.canary.steps[1].analysis.args: must give service-url: AnalysisTemplate pbprobe has no value for it" &&
	fresh_copy &&
	yedit "$RO" "docs[0].spec.strategy.canary.steps[1].analysis.args.push({ name: \"rate\", value: \"1000\" })" &&
	expect_invalid "integrations/argo-rollouts integrations/argo-rollouts/example" "Rollout/app: spec.strategy.canary.steps[1].analysis.args: --rate: at most 400 with a target on new connections" &&
	yedit "$RO" "docs[0].spec.strategy.canary.steps[1].analysis.args.push({ name: \"connections\", value: \"keepalive\" }); docs[0].spec.strategy.canary.steps[1].analysis.args[1].value = \"3k\"" &&
	expect_invalid "integrations/argo-rollouts integrations/argo-rollouts/example" "Rollout/app: spec.strategy.canary.steps[1].analysis.args: AnalysisTemplate pbprobe: spec.metrics[0].provider.job.spec.template.spec.initContainers[0].resources.limits.cpu: must be at least 300m for 3000 requests a second (1 series at rate 3000, given by spec.strategy.canary.steps[1].analysis), is 250m" &&
	! grep -F "at most 400" err &&
	fresh_copy &&
	yedit "$RO" "docs[0].spec.strategy.canary.steps[3].analysis.args[1].value = \"10m\"" &&
	expect_invalid "integrations/argo-rollouts integrations/argo-rollouts/example" "Rollout/app: spec.strategy.canary.steps[3].analysis.args: AnalysisTemplate pbprobe: spec.metrics[0].provider.job.spec.activeDeadlineSeconds: must be at least 662" &&
	fresh_copy &&
	yedit "$RO" "docs[0].spec.strategy.canary.steps[1].analysis.templates[0].templateName = \"pbprobe-gate\"" &&
	expect_invalid "integrations/argo-rollouts integrations/argo-rollouts/example" "Rollout/app: spec.strategy.canary.steps[1].analysis.templates[0].templateName: AnalysisTemplate pbprobe-gate is not in the builds validated with it"
'

test_expect_success 'rule (Flagger): the pbprobe webhook waits for the verdict, long enough, once' '
	fresh_copy &&
	yedit "$CANARY" "const w = docs[0].spec.analysis.webhooks[0]; w.metadata.type = \"cmd\"; w.retries = 1; w.timeout = \"30s\"" &&
	expect_invalid integrations/flagger "Canary/app: spec.analysis.webhooks[0].metadata.type: must be bash" &&
	grep -F "Canary/app: spec.analysis.webhooks[0].retries: must be 0" err &&
	grep -F "Canary/app: spec.analysis.webhooks[0].timeout: must be at least 42s: the probe (32 s with its timeout)" err &&
	fresh_copy &&
	yedit "$CANARY" "const w = docs[0].spec.analysis.webhooks[0]; delete w.timeout; w.type = \"post-rollout\"" &&
	expect_invalid integrations/flagger "Canary/app: spec.analysis.webhooks[0].timeout: must be at least 42s" &&
	grep -F "is \"unset, 10s\"" err &&
	grep -F "Canary/app: spec.analysis.webhooks[0].type: must be pre-rollout or rollout" err &&
	fresh_copy &&
	yedit "$CANARY" "const w = docs[0].spec.analysis.webhooks[0]; w.metadata.cmd = w.metadata.cmd.replace(/pbprobe-report [^;]*;/, \"true;\")" &&
	expect_invalid integrations/flagger "Canary/app: spec.analysis.webhooks[0].metadata.cmd: must run pbprobe-report on pbprobe'"'"'s log after it"
'

# opts PROGRAM [TEMPLATE]: the options PROGRAM (pbprobe, pbprobe-report) is
# given in the integrations, one a line: the container of the rendered
# AnalysisTemplate (TEMPLATE, default the real one's JSON) that runs it, and
# each simple command of the Canary's webhook cmd that starts with it.
opts() {
	{
		jq -r "$POD | (.initContainers + .containers)[] | select(.command[0] == \"$1\") | .args[]" "${2:-$ATJSON}" &&
			jq -r ".spec.analysis.webhooks[].metadata.cmd" "$TEST_DIR/render/integrations_flagger.json" |
			sed "s/[&;|{}]/\n/g" | awk -v p="$1" '$1 == p { for (i = 2; i <= NF; i++) print $i }'
	} | grep -oE -- "^--?[A-Za-z][A-Za-z0-9.-]*" | sort -u
}
# help_opts PROGRAM: every option PROGRAM's --help lists.
help_opts() {
	"$PB_BUILD/$1" --help | grep -oE -- "(^|[ ,])--?[A-Za-z][A-Za-z0-9.-]*" | sed "s/^[ ,]//" | sort -u
}

test_expect_success 'integrations: every option given to pbprobe and pbprobe-report is one their --help lists' '
	opts pbprobe >used.pbprobe && opts pbprobe-report >used.report &&
	cat used.pbprobe used.report &&
	for o in --rate --duration --timeout --connections --output --quiet; do grep -qx -- "$o" used.pbprobe || return 1; done &&
	for o in --max-errors --max-blind --max-p99 --list; do grep -qx -- "$o" used.report || return 1; done &&
	help_opts pbprobe >help.pbprobe && help_opts pbprobe-report >help.report &&
	grep -qx -- --rate help.pbprobe && grep -qx -- --max-errors help.report &&
	comm -23 used.pbprobe help.pbprobe >unknown.pbprobe && test_must_be_empty unknown.pbprobe &&
	comm -23 used.report help.report >unknown.report && test_must_be_empty unknown.report
'

test_expect_success 'integrations: an option the programs do not have is caught (the check above can fail)' '
	jq -c "($POD.containers[0].args) += [\"--max-dowtnime=1s\"]" "$ATJSON" >misspelt.json &&
	opts pbprobe-report misspelt.json >used.report &&
	comm -23 used.report help.report >unknown.report &&
	echo --max-dowtnime >expect && test_cmp expect unknown.report
'

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
	NG_PORT=$(free_port)
	svc_nginx_start "$TEST_DIR/ng" "$NG_PORT" || {
		echo "Bail out! nginx did not start"
		exit 1
	}
	# A port nothing listens on: every request fails (connect).
	CLOSED_PORT=$(free_port)

	test_expect_success 'integrations: the Canary'"'"'s cmd, run by bash as the loadtester does, passes a server that answers, fails one that does not, leaves no file' '
		jq -r ".spec.analysis.webhooks[0].metadata.cmd" "$TEST_DIR/render/integrations_flagger.json" >cmd &&
		grep -F -- "--duration 30s" cmd && grep -F "http://app-canary.default/" cmd &&
		mkdir -p lt-tmp &&
		sed -e "s/--duration 30s/--duration 1s/" -e "s|http://app-canary.default/|http://127.0.0.1:$NG_PORT/|" cmd >up &&
		TMPDIR=$TEST_DIR/lt-tmp bash -c "$(cat up)" >up.out 2>&1 &&
		cat up.out && head -n 1 up.out | grep "^PASS" &&
		sed -e "s/--duration 30s/--duration 1s/" -e "s|http://app-canary.default/|http://127.0.0.1:$CLOSED_PORT/|" cmd >down &&
		{ TMPDIR=$TEST_DIR/lt-tmp bash -c "$(cat down)" >down.out 2>&1; test $? = 1; } &&
		head -n 1 down.out | grep "^FAIL" &&
		ls -A lt-tmp >left && test_must_be_empty left
	'

	# argv URL PROGRAM: the AnalysisTemplate's container that runs PROGRAM,
	# its command line as Argo would make it (the arguments' defaults,
	# service-url URL), probing 1 s, its /tmp here.
	argv() {
		jq -r ".spec.args[] | select(.value) | \"s|{{args.\(.name)}}|\(.value)|g\"" "$ATJSON" >args.sed &&
			jq -r "$POD | (.initContainers + .containers)[] | select(.command[0] == \"$2\") | (.command + .args)[]" "$ATJSON" |
			sed -e "s|{{args.service-url}}|$1|" -f args.sed |
				sed -e "s/^--duration=2m$/--duration=1s/" -e "s|^--output=/tmp/|--output=$TEST_DIR/|" -e "s|^/tmp/|$TEST_DIR/|"
	}

	test_expect_success 'integrations: the AnalysisTemplate'"'"'s containers, run in order with its arguments, pass a server that answers, fail one that does not' '
		argv "http://127.0.0.1:$NG_PORT/" pbprobe >probe.argv && argv unused pbprobe-report >report.argv &&
		cat probe.argv report.argv &&
		grep -x "service=http://127.0.0.1:$NG_PORT/" probe.argv && grep -x -- "--duration=1s" probe.argv &&
		! grep -F "{{" probe.argv report.argv &&
		mapfile -t probe <probe.argv && mapfile -t judge <report.argv &&
		"${probe[@]}" && "${judge[@]}" >report.txt && head -n 1 report.txt | grep "^PASS" &&
		argv "http://127.0.0.1:$CLOSED_PORT/" pbprobe >probe.argv && mapfile -t probe <probe.argv &&
		"${probe[@]}" && test_expect_code 1 "${judge[@]}" >report.txt && head -n 1 report.txt | grep "^FAIL"
	'
else
	test_skip 'integrations: the Canary'"'"'s cmd, run by bash as the loadtester does, passes a server that answers, fails one that does not, leaves no file' 'no nginx (apt-get install nginx-light)'
	test_skip 'integrations: the AnalysisTemplate'"'"'s containers, run in order with its arguments, pass a server that answers, fail one that does not' 'no nginx (apt-get install nginx-light)'
fi

test_expect_success 'a missing tool is exit 3, not a verdict on the manifests' '
	rc=0 && KUBECTL=/nonexistent/kubectl "$M/validate" 2>err || rc=$? &&
	test "$rc" = 3 && grep -F "not found" err
'

if command -v shellcheck >/dev/null 2>&1; then
	test_expect_success 'shellcheck: manifests/validate, images/build, pbprobe-job, t/t7*.sh' '
		shellcheck -x "$M/validate" "$M/images/build" "$M/pbprobe/pbprobe-job.sh" "$PB_SRC"/t/t7*.sh
	'
else
	test_skip 'shellcheck: manifests/validate, images/build, pbprobe-job, t/t7*.sh' 'no shellcheck (apt-get install shellcheck)'
fi

test_done
