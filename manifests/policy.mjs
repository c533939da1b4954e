// policy.mjs: what the upgrades need from the manifests, beyond what the API
// schemas can say: the rolling-update budget, readiness on the endpoint that
// breaks, the migration Job's shape, the prober's non-root pod, references
// that resolve. Used by validate.mjs on the objects `kubectl kustomize`
// built; each rule says why it exists, since a failure is read by someone
// about to change it.

// Secrets the manifests refer to but never contain: scripts/setup.sh (via
// scripts/platform-kubernetes.sh) creates them once, with these keys.
export const EXTERNAL_SECRETS = {
  "pybossa-db": ["password"],
  "pybossa-keys": ["secret", "secret-key", "itsdangerous-key"],
};

// A version whose code needs a schema change names the alembic revision;
// its overlay must carry the migration Job, and no other overlay may.
export const MIGRATIONS = { "2.8.0": "8fe68fbf6baa" };

const WEB = "pybossa-web";
const READINESS_PATH = "/api/helpingmaterial";
const PROGRESS_DEADLINE_S = 45;
const MIGRATION_LABEL = "app.kubernetes.io/component";
const PROBER_JOB = "pbprobe";

const id = (o) => `${o.kind}/${o.metadata?.name ?? "?"}`;
const find = (objs, kind, name) => objs.find((o) => o.kind === kind && o.metadata?.name === name);

// Pod templates with the path to their spec, for any workload kind.
function podTemplates(objs) {
  const out = [];
  for (const o of objs) {
    if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"].includes(o.kind) && o.spec?.template)
      out.push({ obj: o, tpl: o.spec.template, at: "spec.template" });
    if (o.kind === "CronJob" && o.spec?.jobTemplate?.spec?.template)
      out.push({ obj: o, tpl: o.spec.jobTemplate.spec.template, at: "spec.jobTemplate.spec.template" });
    if (o.kind === "Pod") out.push({ obj: o, tpl: o, at: "" });
  }
  return out;
}

function containers(spec, at) {
  const out = [];
  for (const list of ["initContainers", "containers"])
    (spec?.[list] ?? []).forEach((c, i) => out.push({ c, at: `${at ? at + "." : ""}spec.${list}[${i}]` }));
  return out;
}

function imageTag(image) {
  const lastSlash = image.lastIndexOf("/");
  const name = image.slice(lastSlash + 1);
  if (name.includes("@")) return { repo: image.split("@")[0], tag: null, digest: true };
  const colon = name.indexOf(":");
  return colon < 0
    ? { repo: image, tag: null }
    : { repo: image.slice(0, lastSlash + 1 + colon), tag: name.slice(colon + 1) };
}
const repoName = (repo) => repo.slice(repo.lastIndexOf("/") + 1);

// --- rules for every build -------------------------------------------------

function ruleResources(objs, report) {
  // Requests place pods where they fit; limits keep one pod from starving
  // the node it shares with the app under test (or with the prober).
  for (const { obj, tpl, at } of podTemplates(objs))
    for (const { c, at: cat } of containers(tpl.spec, at))
      for (const kind of ["requests", "limits"])
        for (const res of ["cpu", "memory"])
          if (c.resources?.[kind]?.[res] === undefined)
            report(obj, `${cat}.resources.${kind}.${res}`, `container ${c.name}: missing (every container sets requests and limits)`);
}

function ruleImages(objs, report) {
  // An image without a tag (or :latest) is whatever the registry says today:
  // an upgrade and its rollback must name exactly what they run.
  for (const { obj, tpl, at } of podTemplates(objs))
    for (const { c, at: cat } of containers(tpl.spec, at)) {
      if (typeof c.image !== "string") continue;
      const t = imageTag(c.image);
      if (!t.digest && (t.tag === null || t.tag === "latest"))
        report(obj, `${cat}.image`, `"${c.image}" is not pinned to a version tag`);
    }
}

function ruleReferences(objs, report) {
  const configMaps = new Set(objs.filter((o) => o.kind === "ConfigMap").map((o) => o.metadata.name));
  const secrets = new Map(objs.filter((o) => o.kind === "Secret").map((o) => [o.metadata.name, Object.keys({ ...o.data, ...o.stringData })]));
  for (const [name, keys] of Object.entries(EXTERNAL_SECRETS)) if (!secrets.has(name)) secrets.set(name, keys);
  const checkCM = (obj, path, name) => {
    if (!configMaps.has(name)) report(obj, path, `ConfigMap ${name} is not in this build`);
  };
  const checkSecret = (obj, path, name, key) => {
    if (!secrets.has(name)) report(obj, path, `Secret ${name} is neither in this build nor one setup creates (${Object.keys(EXTERNAL_SECRETS).join(", ")})`);
    else if (key !== undefined && !secrets.get(name).includes(key)) report(obj, path, `Secret ${name} has no key ${key}`);
  };
  for (const { obj, tpl, at } of podTemplates(objs)) {
    const p = `${at ? at + "." : ""}spec`;
    (tpl.spec?.volumes ?? []).forEach((v, i) => {
      if (v.configMap && !v.configMap.optional) checkCM(obj, `${p}.volumes[${i}].configMap.name`, v.configMap.name);
      if (v.secret && !v.secret.optional) checkSecret(obj, `${p}.volumes[${i}].secret.secretName`, v.secret.secretName);
    });
    for (const { c, at: cat } of containers(tpl.spec, at)) {
      (c.envFrom ?? []).forEach((e, i) => {
        if (e.configMapRef && !e.configMapRef.optional) checkCM(obj, `${cat}.envFrom[${i}].configMapRef.name`, e.configMapRef.name);
        if (e.secretRef && !e.secretRef.optional) checkSecret(obj, `${cat}.envFrom[${i}].secretRef.name`, e.secretRef.name);
      });
      (c.env ?? []).forEach((e, i) => {
        const cm = e.valueFrom?.configMapKeyRef;
        const s = e.valueFrom?.secretKeyRef;
        if (cm && !cm.optional) checkCM(obj, `${cat}.env[${i}].valueFrom.configMapKeyRef.name`, cm.name);
        if (s && !s.optional) checkSecret(obj, `${cat}.env[${i}].valueFrom.secretKeyRef`, s.name, s.key);
      });
      // Volume mounts name volumes of the pod.
      const vols = new Set((tpl.spec?.volumes ?? []).map((v) => v.name));
      const claims = new Set((obj.spec?.volumeClaimTemplates ?? []).map((v) => v.metadata?.name));
      (c.volumeMounts ?? []).forEach((m, i) => {
        if (!vols.has(m.name) && !claims.has(m.name)) report(obj, `${cat}.volumeMounts[${i}].name`, `no volume ${m.name} in the pod`);
      });
    }
  }
}

function ruleSelectors(objs, report) {
  const matches = (sel, labels) => Object.entries(sel ?? {}).every(([k, v]) => labels?.[k] === v);
  // A workload whose selector misses its own template is refused by the
  // API server; offline is cheaper.
  for (const { obj, tpl, at } of podTemplates(objs))
    if (obj.spec?.selector?.matchLabels && !matches(obj.spec.selector.matchLabels, tpl.metadata?.labels))
      report(obj, "spec.selector.matchLabels", `does not match the labels of ${at}`);
  // A Service that selects nothing, or forwards to a port name no selected
  // container has, gives connection refused at the first request.
  for (const svc of objs.filter((o) => o.kind === "Service" && o.spec?.selector)) {
    const selected = podTemplates(objs).filter(({ tpl }) => matches(svc.spec.selector, tpl.metadata?.labels));
    if (selected.length === 0) {
      report(svc, "spec.selector", "selects no pod template in this build");
      continue;
    }
    (svc.spec.ports ?? []).forEach((p, i) => {
      if (typeof p.targetPort !== "string") return;
      const named = selected.some(({ tpl }) => containers(tpl.spec, "").some(({ c }) => (c.ports ?? []).some((cp) => cp.name === p.targetPort)));
      if (!named) report(svc, `spec.ports[${i}].targetPort`, `no selected container has a port named ${p.targetPort}`);
    });
  }
}

// --- PyBossa's web tier and its migrations ----------------------------------

function preStopSeconds(c) {
  const h = c.lifecycle?.preStop;
  if (h?.sleep?.seconds !== undefined) return Number(h.sleep.seconds);
  const cmd = h?.exec?.command;
  if (Array.isArray(cmd) && cmd[0] === "sleep" && /^[0-9]+$/.test(cmd[1] ?? "")) return Number(cmd[1]);
  return null;
}

function ruleWeb(label, objs, report) {
  const d = find(objs, "Deployment", WEB);
  if (!d) return;
  const s = d.spec ?? {};
  // One new pod at a time and never one old pod fewer: capacity holds, and
  // a version that never gets ready halts the rollout with users on the old.
  if (s.strategy?.type !== "RollingUpdate") report(d, "spec.strategy.type", `must be RollingUpdate, is ${s.strategy?.type}`);
  const ru = s.strategy?.rollingUpdate ?? {};
  if (String(ru.maxSurge) !== "1") report(d, "spec.strategy.rollingUpdate.maxSurge", `must be 1, is ${JSON.stringify(ru.maxSurge)}`);
  if (String(ru.maxUnavailable) !== "0" && ru.maxUnavailable !== "0%")
    report(d, "spec.strategy.rollingUpdate.maxUnavailable", `must be 0, is ${JSON.stringify(ru.maxUnavailable)}`);
  // The scripts' rollout status timeout and undo are tuned to this.
  if (s.progressDeadlineSeconds !== PROGRESS_DEADLINE_S)
    report(d, "spec.progressDeadlineSeconds", `must be ${PROGRESS_DEADLINE_S}, is ${JSON.stringify(s.progressDeadlineSeconds)}`);
  if (!(s.replicas >= 2)) report(d, "spec.replicas", `must be at least 2 for a rollout without downtime, is ${JSON.stringify(s.replicas)}`);
  const podSpec = s.template?.spec ?? {};
  const cs = podSpec.containers ?? [];
  const app = cs.findIndex((c) => typeof c.image === "string" && repoName(imageTag(c.image).repo) === "pybossa");
  if (app < 0) {
    report(d, "spec.template.spec.containers", "no container runs the pybossa image");
    return;
  }
  const c = cs[app];
  const at = `spec.template.spec.containers[${app}]`;
  // Readiness on the endpoint the new code breaks without its migration.
  const path = c.readinessProbe?.httpGet?.path;
  if (path !== READINESS_PATH) report(d, `${at}.readinessProbe.httpGet.path`, `must be ${READINESS_PATH}, is ${JSON.stringify(path)}`);
  // Endpoint removal must win the race with SIGTERM, and the grace period
  // must leave time to drain after the pause.
  const pause = preStopSeconds(c);
  if (pause === null || pause < 1) report(d, `${at}.lifecycle.preStop`, "must pause (exec sleep N, or sleep) before SIGTERM");
  const grace = podSpec.terminationGracePeriodSeconds ?? 30;
  if (pause !== null && !(grace > pause))
    report(d, "spec.template.spec.terminationGracePeriodSeconds", `must exceed the preStop pause (${pause} s), is ${grace}`);
}

function ruleVersion(label, objs, report) {
  const m = /(?:^|\/)overlays\/([0-9]+\.[0-9]+\.[0-9]+)$/.exec(label);
  if (!m) return;
  const version = m[1];
  // Every PyBossa container of the overlay runs that version, the
  // migration's included: alembic's revisions come with the code.
  let seen = 0;
  for (const { obj, tpl, at } of podTemplates(objs))
    for (const { c, at: cat } of containers(tpl.spec, at)) {
      if (typeof c.image !== "string") continue;
      const t = imageTag(c.image);
      if (repoName(t.repo) !== "pybossa") continue;
      seen++;
      if (t.tag !== version) report(obj, `${cat}.image`, `overlay ${version} runs "${c.image}"`);
    }
  if (seen === 0) report(null, "", `overlay ${version} runs no pybossa image`);

  const split = objs.filter((o) => o.metadata?.labels?.[MIGRATION_LABEL] === "migration");
  const revision = MIGRATIONS[version];
  if (revision === undefined) {
    for (const o of split) report(o, `metadata.labels.${MIGRATION_LABEL}`, `overlay ${version} needs no migration`);
    return;
  }
  const name = `pybossa-migrate-${revision}`;
  const job = find(objs, "Job", name);
  if (!job) {
    report(null, "", `overlay ${version} needs Job ${name} (alembic revision ${revision}) before its rollout`);
    return;
  }
  // Only the migration is split off by the label: anything else with it
  // would be applied before the migration completed.
  for (const o of split) if (o !== job) report(o, `metadata.labels.${MIGRATION_LABEL}`, "only the migration Job is applied before the rollout");
  if (job.metadata?.labels?.[MIGRATION_LABEL] !== "migration")
    report(job, `metadata.labels.${MIGRATION_LABEL}`, `must be "migration": the scripts apply it first by this label`);
  // A failed migration is looked at, never retried against a half-changed schema.
  if (job.spec?.backoffLimit !== 0) report(job, "spec.backoffLimit", `must be 0, is ${JSON.stringify(job.spec?.backoffLimit)}`);
  const pod = job.spec?.template?.spec ?? {};
  if (pod.restartPolicy !== "Never") report(job, "spec.template.spec.restartPolicy", `must be Never, is ${JSON.stringify(pod.restartPolicy)}`);
  const argv = (pod.containers ?? []).map((c) => [...(c.command ?? []), ...(c.args ?? [])].join(" "));
  if (!argv.some((a) => /(^|\s|\/)alembic( -c \S+)? upgrade head$/.test(a)))
    report(job, "spec.template.spec.containers", `must run "alembic upgrade head", runs ${JSON.stringify(argv)}`);
}

// --- the prober Job -----------------------------------------------------------

function ruleProber(label, objs, report, builds) {
  const job = find(objs, "Job", PROBER_JOB);
  if (!job) return;
  const s = job.spec ?? {};
  const pod = s.template?.spec ?? {};
  const cs = pod.containers ?? [];
  // Non-root: the prober needs no privilege, and runs beside production.
  cs.forEach((c, i) => {
    const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
    const user = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
    if (nonRoot !== true) report(job, `spec.template.spec.containers[${i}].securityContext.runAsNonRoot`, "must be true (here or in the pod's securityContext)");
    if (user === 0) report(job, `spec.template.spec.containers[${i}].securityContext.runAsUser`, "must not be 0");
  });
  // One log per prober: an index per pod, every index running at once.
  if (s.completionMode !== "Indexed") report(job, "spec.completionMode", `must be Indexed (one log per index), is ${JSON.stringify(s.completionMode)}`);
  if ((s.completions ?? 1) !== (s.parallelism ?? 1))
    report(job, "spec.parallelism", `must equal completions (${s.completions ?? 1}): every prober runs during the upgrade`);
  // A restarted prober would start a second log mid-upgrade.
  if (s.backoffLimit !== 0) report(job, "spec.backoffLimit", `must be 0, is ${JSON.stringify(s.backoffLimit)}`);
  // The log is written to a volume.
  cs.forEach((c, i) => {
    const dir = (c.env ?? []).find((e) => e.name === "PBPROBE_LOG_DIR")?.value;
    if (dir === undefined) report(job, `spec.template.spec.containers[${i}].env`, "must set PBPROBE_LOG_DIR");
    else if (!(c.volumeMounts ?? []).some((m) => m.mountPath === dir))
      report(job, `spec.template.spec.containers[${i}].volumeMounts`, `no volume mounted at PBPROBE_LOG_DIR (${dir})`);
  });
  // It probes a Service by its DNS name, one the PyBossa builds define.
  const settings = objs.find((o) => o.kind === "ConfigMap" && o.data?.PBPROBE_URL !== undefined);
  if (!settings) {
    report(job, "", "no ConfigMap sets PBPROBE_URL");
    return;
  }
  let host = null;
  try {
    host = new URL(settings.data.PBPROBE_URL).hostname;
  } catch {
    report(settings, "data.PBPROBE_URL", `not a URL: ${JSON.stringify(settings.data.PBPROBE_URL)}`);
    return;
  }
  const services = new Set();
  for (const b of builds) for (const o of b.objects) if (o.kind === "Service") services.add(o.metadata.name);
  const svc = host.split(".")[0];
  // Alone (`validate manifests/pbprobe`), there is nothing to compare with.
  if (services.size > 0 && !services.has(svc)) report(settings, "data.PBPROBE_URL", `host ${host} is not a Service of the builds validated with it (${[...services].sort().join(", ")})`);
}

// Problems with one build, each { object, path, message }; object is
// "Kind/name", or "" for the build as a whole. builds: every build being
// validated ({ label, objects }), for the rules that cross builds.
export function policyCheck(label, objs, builds) {
  const out = [];
  const report = (obj, path, message) => out.push({ object: obj ? id(obj) : "", path, message });
  ruleResources(objs, report);
  ruleImages(objs, report);
  ruleReferences(objs, report);
  ruleSelectors(objs, report);
  ruleWeb(label, objs, report);
  ruleVersion(label, objs, report);
  ruleProber(label, objs, report, builds);
  return out;
}
