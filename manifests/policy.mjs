// policy.mjs: what the upgrades need from the manifests, beyond what the API
// schemas can say: the rolling-update budget, readiness on the endpoint that
// breaks, the migration Job's shape, the prober's non-root pod, references
// that resolve; and that PyBossa would really start and upgrade: the image's
// command, a PostgreSQL login its libpq can make, alembic's configuration
// where the Jobs read it, what a rollout applies, a deadline that covers a
// pod's start, a migration that cannot block the app, the background tier
// upgraded with the web; and wherever the prober runs (its Job, an Argo
// Rollouts analysis, a Flagger webhook), a pod without privilege, CPU for
// its rate, a verdict that is not retried away. Used by validate.mjs on the
// objects `kubectl kustomize` built; each rule says why it exists, since a
// failure is read by someone about to change it. The PyBossa rules find
// their objects by name, label and image, which the integrations' builds
// (manifests/integrations) do not have.

import { WEB_COMMAND, SCRAM_MIN_LIBPQ } from "./image.mjs";

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
const MIGRATION_LABEL = "app.kubernetes.io/component";
// What a rollout applies (scripts/platform-kubernetes.sh): this label, on
// PyBossa's Deployments and the ConfigMaps they use, and nothing else.
export const ROLLOUT_LABEL = "pbprobe/rollout";
const ROLLOUT_VALUE = "pybossa";
// PyBossa's workloads, by component: the reference demo's web servers,
// worker and scheduler. One image, one code: one rollout upgrades them all.
const PYBOSSA_WORKLOADS = ["web", "worker", "scheduler"];
// The component of the ConfigMaps the database Jobs read: the scripts apply
// them with the Job.
const DB_CONFIG_COMPONENT = "database-config";
// What progressDeadlineSeconds must cover, declared on each Deployment.
const PULL_ANNOTATION = "pbprobe/pull-seconds";
const START_ANNOTATION = "pbprobe/start-seconds";
// A migration waits at most this long for a lock held by the running app;
// longer, and the app's own queries queue behind it for as long.
const LOCK_TIMEOUT_MAX_MS = 60000;
const PROBER_JOB = "pbprobe";
// The prober's CPU for its rate (scripts/platform-kubernetes.sh
// k8s_prober_cpu_m, the same formula): 1 m for every 10 requests a second,
// twice what make bench-prober measured, and at least 250 m, since small
// quotas starve in CFS's 100 ms periods.
const PROBER_REQS_PER_MCPU = 10;
const PROBER_MIN_MCPU = 250;
// A series on new connections opens one per request, and each leaves a local
// port in TIME_WAIT for 60 s: to one Service, the kernel's 28232 ports give
// about 470 a second; above that pbprobe cannot send (skipped ticks, an
// inconclusive run). A margin below it.
const PROBER_NEW_CONN_MAX = 400;
// What the prober Job's arguments probe, said in annotations for
// scripts/platform-kubernetes.sh, which sizes the pod and checks the rate
// from them without parsing the arguments a second way: proberSeries() is the
// one reader, and ruleProber checks that the annotations say what it reads.
const PROBER_SERIES_ANNOTATION = "pbprobe.io/series";
const PROBER_NEW_SERIES_ANNOTATION = "pbprobe.io/new-connection-series";
// The image that holds pbprobe and pbprobe-report (the Dockerfile at the root).
const PROBER_IMAGE = "pbprobe";
// Argo Rollouts' kinds that hold metrics, and the time a probe Job needs
// beyond probing: pulling the image on a new node, starting, the report.
const ANALYSIS_KINDS = ["AnalysisTemplate", "ClusterAnalysisTemplate"];
const PROBE_JOB_MARGIN_S = 60;
// The builds of manifests/integrations: examples for other tools.
const INTEGRATION = /(?:^|\/)integrations\//;
// What a Flagger webhook must wait beyond probing (and the last requests'
// timeout): bash, the report, the loadtester's answer.
const WEBHOOK_MARGIN_S = 10;

const id = (o) => `${o.kind}/${o.metadata?.name ?? "?"}`;
const find = (objs, kind, name) => objs.find((o) => o.kind === kind && o.metadata?.name === name);

// Pod templates with the path to their spec, for any workload kind, Argo's
// Rollout and the Jobs of an analysis's metrics included.
function podTemplates(objs) {
  const out = [];
  for (const o of objs) {
    if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Rollout"].includes(o.kind) && o.spec?.template)
      out.push({ obj: o, tpl: o.spec.template, at: "spec.template" });
    if (ANALYSIS_KINDS.includes(o.kind) && Array.isArray(o.spec?.metrics))
      o.spec.metrics.forEach((m, i) => {
        const tpl = m?.provider?.job?.spec?.template;
        if (tpl) out.push({ obj: o, tpl, at: `spec.metrics[${i}].provider.job.spec.template` });
      });
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

// --- that PyBossa starts and upgrades (issue 11) ----------------------------

const runsPybossa = (c) => typeof c.image === "string" && repoName(imageTag(c.image).repo) === "pybossa";
const pybossaDeployments = (objs) =>
  objs.filter((o) => o.kind === "Deployment" && (o.spec?.template?.spec?.containers ?? []).some(runsPybossa));
const isOverlay = (label) => /(?:^|\/)overlays\/[^/]+$/.test(label);
const envOf = (c) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// What a container runs, as the kubelet decides it: command replaces the
// image's ENTRYPOINT (and then its CMD is dropped), args replace its CMD.
function effectiveArgv(c, image) {
  if (c.command) return [...c.command, ...(c.args ?? [])];
  if (!image) return null;
  return [...(image.entrypoint ?? []), ...(c.args ?? image.cmd ?? [])];
}

// 1. The web container runs the server; the other PyBossa containers say what
// they run, since the image's CMD is the web server.
function ruleCommands(objs, report, image) {
  for (const d of pybossaDeployments(objs)) {
    const cs = d.spec.template.spec.containers;
    const i = cs.findIndex(runsPybossa);
    const c = cs[i];
    const at = `spec.template.spec.containers[${i}].command`;
    const argv = effectiveArgv(c, image);
    if (d.metadata?.name === WEB) {
      if (argv === null) report(d, at, `missing, and no image recipe says what the image runs: must be ${JSON.stringify(WEB_COMMAND)}`);
      else if (!same(argv, WEB_COMMAND))
        report(d, at, `the web container must run ${JSON.stringify(WEB_COMMAND)} (its command, or the image's CMD), runs ${JSON.stringify(argv)}`);
    } else if (!c.command) {
      report(d, at, "missing: the image's CMD is the web server, which a worker or scheduler must not run");
    }
  }
}

// 2. A PostgreSQL login PyBossa's libpq can make. libpq before 10 has no
// SCRAM; PostgreSQL 14 and later hash new passwords with it and ask for it.
function rulePostgresAuth(objs, report, image) {
  if (!image || image.libpq === null || image.libpq >= SCRAM_MIN_LIBPQ) return;
  const why = `PyBossa's libpq ${image.libpq} (${image.base}) cannot do scram-sha-256`;
  for (const { obj, tpl, at } of podTemplates(objs))
    for (const { c, at: cat } of containers(tpl.spec, at)) {
      if (typeof c.image !== "string" || repoName(imageTag(c.image).repo) !== "postgres") continue;
      const tag = imageTag(c.image).tag ?? "";
      const major = Number.parseInt(tag, 10);
      if (Number.isNaN(major)) {
        report(obj, `${cat}.image`, `cannot tell PostgreSQL's version from "${c.image}": ${why}, so it matters`);
        continue;
      }
      const method = envOf(c).POSTGRES_HOST_AUTH_METHOD?.value;
      if (method !== "md5" && !(major < 14 && method === undefined))
        report(obj, `${cat}.env`, `POSTGRES_HOST_AUTH_METHOD must be md5: ${why}; is ${JSON.stringify(method)}`);
      if (major < 14) continue;
      const argv = [...(c.command ?? []), ...(c.args ?? [])].join(" ");
      if (!/(^|\s)(-c\s*)?password_encryption=md5(\s|$)/.test(argv))
        report(obj, `${cat}.args`, `PostgreSQL ${major} stores new passwords as SCRAM: must run with -c password_encryption=md5 (${why})`);
      // initdb stored the first password before any setting of ours applied.
      const m = (c.volumeMounts ?? []).find((v) => v.mountPath?.replace(/\/$/, "") === "/docker-entrypoint-initdb.d");
      const vol = m && (tpl.spec?.volumes ?? []).find((v) => v.name === m.name);
      const cm = vol?.configMap && find(objs, "ConfigMap", vol.configMap.name);
      // SQL outside comments: SET password_encryption to md5, then a
      // password set again.
      const fixes = cm && Object.values(cm.data ?? {}).some((t) => {
        const code = t.split("\n").filter((l) => !/^\s*(#|--)/.test(l)).join("\n");
        return /\bSET\s+password_encryption\s*(=|TO)\s*'?md5'?[\s\S]*\bALTER\s+(ROLE|USER)\b[^;]*\bPASSWORD\b/i.test(code);
      });
      if (!fixes)
        report(obj, `${cat}.volumeMounts`, `PostgreSQL ${major}'s initdb stores POSTGRES_USER's password as SCRAM: mount at /docker-entrypoint-initdb.d a ConfigMap whose script sets it again under password_encryption = 'md5'`);
    }
}

// sqlalchemy.url of an alembic.ini's [alembic] section, or null.
function iniUrl(text) {
  let section = null;
  for (const line of text.split("\n")) {
    const h = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (h) section = h[1];
    const kv = /^\s*sqlalchemy\.url\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (kv && section === "alembic") return kv[1];
  }
  return null;
}

// 3. The Jobs that run alembic or cli.py read sqlalchemy.url from
// alembic.ini (PyBossa's env.py and cli.py read nothing else): the file must
// be mounted where each reads it, from a ConfigMap applied with the Job,
// pointing at a Service of the build, its password given to libpq.
function ruleAlembicConfig(objs, report, image) {
  const services = new Set(objs.filter((o) => o.kind === "Service").map((o) => o.metadata.name));
  for (const job of objs.filter((o) => o.kind === "Job")) {
    const pod = job.spec?.template?.spec ?? {};
    (pod.containers ?? []).forEach((c, i) => {
      if (!runsPybossa(c)) return;
      const cat = `spec.template.spec.containers[${i}]`;
      const text = (effectiveArgv(c, image) ?? [...(c.command ?? []), ...(c.args ?? [])]).join(" ");
      const cwd = c.workingDir ?? image?.workdir ?? null;
      // The files read: alembic's -c, else ./alembic.ini; cli.py's ./alembic.ini.
      const paths = new Set();
      for (const m of text.matchAll(/(?:^|[\s;&|(])alembic(?=\s|$)(?:\s+(?:-c|--config)[\s=]+(\S+))?/g))
        paths.add(m[1] ?? "alembic.ini");
      if (/(^|[\s/])cli\.py(\s|$)/.test(text)) paths.add("alembic.ini");
      if (paths.size === 0) return;
      if (envOf(c).DATABASE_URL)
        report(job, `${cat}.env`, "DATABASE_URL: PyBossa's alembic and cli.py take the database from alembic.ini's sqlalchemy.url; a second address here is one to drift");
      for (const p of paths) {
        if (!p.startsWith("/") && cwd === null) {
          report(job, `${cat}.workingDir`, `${p} is relative, and neither workingDir nor the image's WORKDIR is known`);
          continue;
        }
        const file = p.startsWith("/") ? p : `${cwd.replace(/\/$/, "")}/${p}`;
        const dir = file.slice(0, file.lastIndexOf("/"));
        const base = file.slice(file.lastIndexOf("/") + 1);
        const m = (c.volumeMounts ?? []).find((v) => (v.mountPath === file && v.subPath) || (!v.subPath && v.mountPath?.replace(/\/$/, "") === dir));
        if (!m) {
          report(job, `${cat}.volumeMounts`, `nothing mounted at ${file}, which ${text.includes("cli.py") && p === "alembic.ini" ? "cli.py and alembic read" : "alembic reads"} (alembic.ini from a ConfigMap, applied with the Job)`);
          continue;
        }
        const vol = (pod.volumes ?? []).find((v) => v.name === m.name);
        const src = vol?.configMap;
        if (!src) {
          report(job, `${cat}.volumeMounts`, `${file} must come from a ConfigMap of this build (volume ${m.name} is not one)`);
          continue;
        }
        let key = m.subPath ?? base;
        if (src.items) key = src.items.find((it) => it.path === key)?.key ?? null;
        const cm = find(objs, "ConfigMap", src.name);
        const ini = cm?.data?.[key];
        if (!cm || ini === undefined) {
          report(job, `${cat}.volumeMounts`, `${file}: ConfigMap ${src.name} has no key ${key}`);
          continue;
        }
        if (cm.metadata?.labels?.[MIGRATION_LABEL] !== DB_CONFIG_COMPONENT)
          report(cm, `metadata.labels.${MIGRATION_LABEL}`, `must be "${DB_CONFIG_COMPONENT}": the scripts apply it with the Job ${job.metadata.name} by this label`);
        const url = iniUrl(ini);
        const u = url && /^postgres(?:ql)?(?:\+\w+)?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^:/?]+)(?::(\d+))?\/([^?\s]+)/.exec(url);
        if (!u) {
          report(cm, `data.${key}`, `no postgresql:// sqlalchemy.url in its [alembic] section (is ${JSON.stringify(url)})`);
          continue;
        }
        if (!services.has(u[3].split(".")[0])) report(cm, `data.${key}`, `sqlalchemy.url: host ${u[3]} is not a Service of this build`);
        if (u[2] !== undefined) report(cm, `data.${key}`, "sqlalchemy.url: a password in a ConfigMap, which anyone in the namespace can read; give it to libpq as PGPASSWORD from a Secret");
        else if (!envOf(c).PGPASSWORD?.valueFrom?.secretKeyRef)
          report(job, `${cat}.env`, "must set PGPASSWORD from a Secret: alembic.ini's sqlalchemy.url has no password, and libpq takes it from there");
      }
    });
  }
}

// 4a. A rollout applies PyBossa's Deployments and their ConfigMaps, nothing
// else: PostgreSQL, Redis and the Services are setup's, and a rollout that
// re-applied them would undo what was changed since (a NodePort, a resize).
function ruleRolloutSet(label, objs, report) {
  const deps = pybossaDeployments(objs);
  const inSet = (o) => o.metadata?.labels?.[ROLLOUT_LABEL] !== undefined;
  for (const o of objs.filter(inSet)) {
    if (o.metadata.labels[ROLLOUT_LABEL] !== ROLLOUT_VALUE)
      report(o, `metadata.labels.${ROLLOUT_LABEL}`, `must be ${ROLLOUT_VALUE}, is ${JSON.stringify(o.metadata.labels[ROLLOUT_LABEL])}`);
    if (o.kind !== "Deployment" && o.kind !== "ConfigMap")
      report(o, `metadata.labels.${ROLLOUT_LABEL}`, `a rollout applies only PyBossa's Deployments and their ConfigMaps; a ${o.kind} is applied at setup`);
    if (o.kind === "Deployment" && !deps.includes(o))
      report(o, `metadata.labels.${ROLLOUT_LABEL}`, "a rollout applies only Deployments that run PyBossa");
  }
  const used = new Set();
  for (const d of deps) {
    if (!inSet(d)) report(d, `metadata.labels.${ROLLOUT_LABEL}`, `must be ${ROLLOUT_VALUE}: every Deployment running PyBossa is upgraded, and undone, by the rollout`);
    const spec = d.spec.template.spec;
    const refs = [];
    (spec.volumes ?? []).forEach((v, i) => v.configMap && refs.push([v.configMap.name, `spec.template.spec.volumes[${i}].configMap.name`]));
    for (const { c, at } of containers(spec, "spec.template"))
      (c.envFrom ?? []).forEach((e, i) => e.configMapRef && refs.push([e.configMapRef.name, `${at}.envFrom[${i}].configMapRef.name`]));
    for (const [name, path] of refs) {
      used.add(name);
      const cm = find(objs, "ConfigMap", name);
      if (cm && !inSet(cm))
        report(d, path, `ConfigMap ${name} must carry ${ROLLOUT_LABEL}=${ROLLOUT_VALUE}: a rollout applies it with the Deployment that uses it`);
    }
  }
  for (const cm of objs.filter((o) => o.kind === "ConfigMap" && inSet(o) && !used.has(o.metadata.name)))
    report(cm, `metadata.labels.${ROLLOUT_LABEL}`, "no PyBossa Deployment uses it: a rollout must not apply it");
}

// 4b. progressDeadlineSeconds is what makes the scripts undo: it must cover
// one new pod's way to available, or a good release on a node without the
// image is undone. The Deployment declares its pull and start times.
function ruleDeadline(objs, report) {
  for (const d of pybossaDeployments(objs)) {
    const ann = d.metadata?.annotations ?? {};
    const secs = (k) => (/^[0-9]+$/.test(ann[k] ?? "") ? Number(ann[k]) : null);
    const pull = secs(PULL_ANNOTATION);
    const start = secs(START_ANNOTATION);
    if (pull === null) report(d, `metadata.annotations.${PULL_ANNOTATION}`, "must say, in seconds, how long pulling the image on a new node may take: progressDeadlineSeconds must cover it");
    if (start === null) report(d, `metadata.annotations.${START_ANNOTATION}`, "must say, in seconds, how long the container takes to start serving: progressDeadlineSeconds must cover it");
    if (pull === null || start === null) continue;
    const s = d.spec;
    const c = s.template.spec.containers.find(runsPybossa);
    const r = c.readinessProbe;
    // The first success: after the initial delay, successThreshold periods.
    const ready = r ? (r.initialDelaySeconds ?? 0) + (r.periodSeconds ?? 10) * (r.successThreshold ?? 1) : 0;
    const minReady = s.minReadySeconds ?? 0;
    const need = pull + start + ready + minReady;
    const deadline = s.progressDeadlineSeconds ?? 600;
    if (deadline < need)
      report(d, "spec.progressDeadlineSeconds", `must cover image pull (${pull} s) + start (${start} s) + first readiness success (${ready} s) + minReadySeconds (${minReady} s) = ${need} s, is ${deadline}`);
  }
}

// 5a. The migration cannot block the app: behind a lock the running version
// holds, it fails (nothing rolled out) instead of queueing every query.
function ruleLockTimeout(label, objs, report) {
  for (const job of objs.filter((o) => o.kind === "Job" && o.metadata?.labels?.[MIGRATION_LABEL] === "migration"))
    (job.spec?.template?.spec?.containers ?? []).forEach((c, i) => {
      if (!runsPybossa(c)) return;
      const at = `spec.template.spec.containers[${i}].env`;
      const opts = envOf(c).PGOPTIONS?.value ?? "";
      const m = /(?:^|\s)-c\s*lock_timeout=([0-9]+)(ms|s|min)?(?=\s|$)/.exec(opts);
      if (!m) {
        report(job, at, `must set PGOPTIONS to "-c lock_timeout=..." (at most ${LOCK_TIMEOUT_MAX_MS / 1000} s): a migration waiting on a lock of the running app blocks every query behind it; is ${JSON.stringify(opts)}`);
        return;
      }
      const ms = Number(m[1]) * ({ ms: 1, s: 1000, min: 60000 }[m[2] ?? "ms"]);
      if (ms <= 0 || ms > LOCK_TIMEOUT_MAX_MS)
        report(job, at, `PGOPTIONS lock_timeout: must be between 1 ms and ${LOCK_TIMEOUT_MAX_MS / 1000} s (0 waits forever), is ${m[1]}${m[2] ?? ""}`);
    });
}

// 5b. The reference demo's worker and scheduler run PyBossa's code: each
// overlay has them, so the rollout upgrades them with the web.
function ruleBackgroundTier(label, objs, report) {
  if (!isOverlay(label)) return;
  for (const comp of PYBOSSA_WORKLOADS) {
    const d = pybossaDeployments(objs).find((o) => o.spec.template.metadata?.labels?.[MIGRATION_LABEL] === comp);
    if (!d) report(null, "", `no Deployment runs PyBossa's ${comp} (pod label ${MIGRATION_LABEL}=${comp}): the rollout must upgrade it with the rest`);
  }
}

// --- the prober Job -----------------------------------------------------------

// A CPU quantity in millicores ("250m", "1", "0.5"), or null.
function milliCpu(q) {
  const t = String(q ?? "");
  const m = /^([0-9]+(?:\.[0-9]+)?)(m?)$/.exec(t);
  if (!m) return null;
  return m[2] ? Number(m[1]) : Math.round(Number(m[1]) * 1000);
}

// The series one prober container probes, from its arguments as pbprobe
// reads them: NAME=URL targets, each kept alive unless --connections (or --new-connection)
// says new, or both (two series: NAME and NAME~new).
function proberSeries(c) {
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  const names = argv.filter((a) => /^[a-z][a-z0-9_-]*=/.test(a)).map((a) => a.slice(0, a.indexOf("=")));
  let all = "keepalive";
  const own = new Map();
  argv.forEach((a, i) => {
    let v = null;
    if (a === "--new-connection") v = "new";
    else if (a.startsWith("--connections=")) v = a.slice("--connections=".length);
    else if (a === "--connections") v = argv[i + 1] ?? "";
    if (v === null) return;
    const colon = v.indexOf(":");
    if (colon < 0) all = v;
    else own.set(v.slice(0, colon), v.slice(colon + 1));
  });
  const kinds = names.map((n) => own.get(n) ?? all);
  return {
    targets: names.length,
    all: kinds.reduce((n, k) => n + (k === "both" ? 2 : 1), 0),
    fresh: kinds.filter((k) => k === "new" || k === "both").length,
  };
}

function ruleProber(label, objs, report, builds) {
  // manifests/pbprobe's Job, or the scripts' rendering of it for a run
  // (nameSuffix -RUN).
  const job = objs.find((o) => o.kind === "Job" && (o.metadata?.name === PROBER_JOB || o.metadata?.name?.startsWith(`${PROBER_JOB}-`)));
  if (!job) return;
  const s = job.spec ?? {};
  const pod = s.template?.spec ?? {};
  const cs = pod.containers ?? [];
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
  const said = job.metadata?.annotations ?? {};
  const read = cs.map(proberSeries);
  const counts = [
    [PROBER_SERIES_ANNOTATION, read.reduce((n, x) => n + x.all, 0)],
    [PROBER_NEW_SERIES_ANNOTATION, read.reduce((n, x) => n + x.fresh, 0)],
  ];
  for (const [key, n] of counts)
    if (said[key] !== String(n))
      report(job, `metadata.annotations["${key}"]`, `must be "${n}", what the prober's arguments probe (scripts/platform-kubernetes.sh sizes the pod by it), is ${JSON.stringify(said[key])}`);
  // It probes a Service by its DNS name, one the PyBossa builds define.
  const settings = objs.find((o) => o.kind === "ConfigMap" && o.data?.PBPROBE_URL !== undefined);
  if (!settings) {
    report(job, "", "no ConfigMap sets PBPROBE_URL");
    return;
  }
  // Its CPU: what it is promised is what it may use (request = limit), and
  // enough for every target at the rate.
  const rateText = String(settings.data.PBPROBE_RATE ?? "");
  const m = /^([1-9][0-9]*)(k?)$/.exec(rateText);
  cs.forEach((c, i) => {
    const at = `spec.template.spec.containers[${i}].resources`;
    const req = milliCpu(c.resources?.requests?.cpu);
    const lim = milliCpu(c.resources?.limits?.cpu);
    if (req === null || lim === null) return; // ruleResources reports it
    if (!m) {
      report(settings, "data.PBPROBE_RATE", `not a rate (a whole number, or Nk): ${JSON.stringify(rateText)}`);
      return;
    }
    const series = proberSeries(c);
    const rate = Number(m[1]) * (m[2] ? 1000 : 1);
    const total = rate * Math.max(series.all, 1);
    const need = Math.max(PROBER_MIN_MCPU, Math.ceil(total / PROBER_REQS_PER_MCPU));
    if (lim < need) report(job, `${at}.limits.cpu`, `must be at least ${need}m for ${total} requests a second (${series.all} series at PBPROBE_RATE ${rateText}), is ${lim}m`);
    if (series.fresh > 0 && rate > PROBER_NEW_CONN_MAX)
      report(settings, "data.PBPROBE_RATE", `at most ${PROBER_NEW_CONN_MAX} with a target on new connections (--connections new or both): each leaves a local port in TIME_WAIT for 60 s, and a pod runs out of ports near 470 a second; is ${rateText}`);
  });
  let host = null;
  try {
    host = new URL(settings.data.PBPROBE_URL).hostname;
  } catch {
    report(settings, "data.PBPROBE_URL", `not a URL: ${JSON.stringify(settings.data.PBPROBE_URL)}`);
    return;
  }
  // The integrations' examples have Services of their own, which stand for
  // someone else's app.
  const services = new Set();
  for (const b of builds)
    if (!INTEGRATION.test(b.label)) for (const o of b.objects) if (o.kind === "Service") services.add(o.metadata.name);
  const svc = host.split(".")[0];
  // Alone (`validate manifests/pbprobe`), there is nothing to compare with.
  if (services.size > 0 && !services.has(svc)) report(settings, "data.PBPROBE_URL", `host ${host} is not a Service of the builds validated with it (${[...services].sort().join(", ")})`);
}

// --- the prober wherever it runs ---------------------------------------------

const runsProber = (c) => typeof c.image === "string" && repoName(imageTag(c.image).repo) === PROBER_IMAGE;
// What a container of the pbprobe image runs: its command, else the image's
// ENTRYPOINT, pbprobe (the Dockerfile at the root).
const proberArgv = (c) => [...(c.command ?? ["pbprobe"]), ...(c.args ?? [])];

// The pod of a prober: manifests/pbprobe's Job, an Argo Rollouts analysis.
// Non-root and without privilege: it needs none, and runs beside
// production. Its CPU: what it is promised is what it may use.
function ruleProberPod(obj, pod, at, report) {
  const spec = pod?.spec ?? {};
  for (const { c, at: cat } of containers(spec, at)) {
    if (!runsProber(c)) continue;
    const sc = c.securityContext ?? {};
    const nonRoot = sc.runAsNonRoot ?? spec.securityContext?.runAsNonRoot;
    const user = sc.runAsUser ?? spec.securityContext?.runAsUser;
    if (nonRoot !== true) report(obj, `${cat}.securityContext.runAsNonRoot`, "must be true (here or in the pod's securityContext)");
    if (user === 0) report(obj, `${cat}.securityContext.runAsUser`, "must not be 0");
    if (sc.allowPrivilegeEscalation !== false) report(obj, `${cat}.securityContext.allowPrivilegeEscalation`, `must be false, is ${JSON.stringify(sc.allowPrivilegeEscalation)}`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) report(obj, `${cat}.securityContext.capabilities.drop`, `must include ALL: pbprobe needs no capability`);
    if (sc.readOnlyRootFilesystem !== true) report(obj, `${cat}.securityContext.readOnlyRootFilesystem`, `must be true, is ${JSON.stringify(sc.readOnlyRootFilesystem)}`);
    // pbprobe's marker FIFO, pbprobe-job's state and an analysis's log.
    else if (!(c.volumeMounts ?? []).some((m) => m.mountPath?.replace(/\/$/, "") === "/tmp"))
      report(obj, `${cat}.volumeMounts`, "nothing mounted at /tmp, which a read-only root leaves unwritable (an emptyDir)");
    const req = milliCpu(c.resources?.requests?.cpu);
    const lim = milliCpu(c.resources?.limits?.cpu);
    if (req !== null && lim !== null && req !== lim)
      report(obj, `${cat}.resources.requests.cpu`, `must equal limits.cpu (${lim}m): a prober throttled below its promise sends late, and its run is inconclusive; is ${req}m`);
  }
}

// "2m", "1m30s", "250ms" (pbprobe's durations, and Go's) in seconds, or null.
function seconds(text) {
  const t = String(text ?? "");
  if (!/^([0-9]+(\.[0-9]+)?(h|ms|us|m|s))+$/.test(t)) return null;
  let sum = 0;
  for (const [, n, , u] of t.matchAll(/([0-9]+(\.[0-9]+)?)(h|ms|us|m|s)/g)) sum += Number(n) * { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6 }[u];
  return sum;
}

// pbprobe's --rate: "50", "5k", "600/m", "NAME:RATE", in requests a second.
function rate(text) {
  const m = /^(?:[a-z][a-z0-9_~-]*:)?([0-9]+(?:\.[0-9]+)?)(k?)(?:\/(s|m))?$/.exec(String(text ?? ""));
  return m ? (Number(m[1]) * (m[2] ? 1000 : 1)) / (m[3] === "m" ? 60 : 1) : null;
}

// The value of pbprobe's option NAME in argv (--name=V, --name V, -x V),
// the last one given, or its default.
function option(argv, long, short, dflt) {
  let v = dflt;
  argv.forEach((a, i) => {
    if (a.startsWith(`${long}=`)) v = a.slice(long.length + 1);
    else if ((a === long || (short && a === short)) && i + 1 < argv.length) v = argv[i + 1];
  });
  return v;
}

// What one pbprobe run needs, from its arguments: the seconds it probes
// (with its timeout), its requests a second, its series. Problems go to
// say(message); what says where the values come from.
function proberNeeds(argv, say, what) {
  const r = rate(option(argv, "--rate", "-r", "50"));
  const d = seconds(option(argv, "--duration", "-d", null));
  const t = seconds(option(argv, "--timeout", "-t", "2s"));
  const series = proberSeries({ args: argv });
  if (r === null) say(`--rate: not a rate: ${JSON.stringify(option(argv, "--rate", "-r"))}${what}`);
  if (d === null) say(`--duration: not a duration: ${JSON.stringify(option(argv, "--duration", "-d", ""))}${what} (without one, pbprobe probes until stopped)`);
  if (r !== null && series.fresh > 0 && r > PROBER_NEW_CONN_MAX)
    say(`--rate: at most ${PROBER_NEW_CONN_MAX} with a target on new connections (--connections new or both): each leaves a local port in TIME_WAIT for 60 s, and a pod runs out of ports near 470 a second; is ${r}${what}`);
  return { rate: r, seconds: d === null || t === null ? null : d + t, series };
}

// Argo's arguments: {{args.NAME}} replaced by its value, <NAME> when it has
// none (the service's URL: no default, given by each Rollout); one not
// declared is left as it is.
const ARG_REF = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g;
const substitute = (list, args) => (list ?? []).map((a) => String(a).replace(ARG_REF, (all, n) => (args.has(n) ? args.get(n) ?? `<${n}>` : all)));

// The checks of one pbprobe analysis metric with the arguments it would
// run with (the template's defaults, or a Rollout's): CPU for the rate, a
// deadline that covers the probe. Reported on obj, the template or the
// Rollout (at path, naming the template's field); what says where the
// values come from.
function analysisSizing(tpl, i, args, obj, path, what, report) {
  const job = tpl.spec.metrics[i].provider.job;
  const spec = job.spec?.template?.spec ?? {};
  const own = obj === tpl;
  const field = (f) => (own ? "" : `AnalysisTemplate ${tpl.metadata?.name}: ${f}: `);
  for (const { c, at } of containers(spec, `spec.metrics[${i}].provider.job.spec.template`)) {
    if (!runsProber(c)) continue;
    const argv = substitute(proberArgv(c), args);
    // An argument not declared is reported where it is used.
    if (argv[0] !== "pbprobe" || argv.some((a) => a.includes("{{"))) continue;
    const needs = proberNeeds(argv, (m) => report(obj, own ? `${at}.args` : path, m), what);
    const lim = milliCpu(c.resources?.limits?.cpu);
    if (needs.rate !== null && lim !== null) {
      const total = needs.rate * Math.max(needs.series.all, 1);
      const need = Math.max(PROBER_MIN_MCPU, Math.ceil(total / PROBER_REQS_PER_MCPU));
      if (lim < need)
        report(obj, own ? `${at}.resources.limits.cpu` : path, `${field(`${at}.resources.limits.cpu`)}must be at least ${need}m for ${total} requests a second (${needs.series.all} series at rate ${needs.rate}${what}), is ${lim}m`);
    }
    const deadline = job.spec?.activeDeadlineSeconds;
    const jat = `spec.metrics[${i}].provider.job.spec.activeDeadlineSeconds`;
    if (needs.seconds !== null && !(deadline >= needs.seconds + PROBE_JOB_MARGIN_S))
      report(obj, own ? jat : path, `${field(jat)}must be at least ${Math.ceil(needs.seconds + PROBE_JOB_MARGIN_S)}: the probe (${needs.seconds} s with its timeout${what}) and ${PROBE_JOB_MARGIN_S} s to pull, start and report; is ${JSON.stringify(deadline)}`);
  }
}

// The metrics of an analysis that run the prober, by index.
const proberMetrics = (tpl) =>
  (tpl.spec?.metrics ?? []).flatMap((m, i) => {
    const spec = m?.provider?.job?.spec?.template?.spec;
    return spec && containers(spec, "").some(({ c }) => runsProber(c)) ? [i] : [];
  });

// Argo Rollouts: an AnalysisTemplate whose Job runs pbprobe, then
// pbprobe-report. The Job's end is the measurement, so what decides is the
// verdict of one run, never a retry, never several runs.
function ruleAnalysis(objs, report) {
  for (const tpl of objs.filter((o) => ANALYSIS_KINDS.includes(o.kind))) {
    const declared = new Map((tpl.spec?.args ?? []).map((a) => [a?.name, a?.value]));
    for (const i of proberMetrics(tpl)) {
      const m = tpl.spec.metrics[i];
      const at = `spec.metrics[${i}]`;
      const job = m.provider.job.spec ?? {};
      for (const [, name] of JSON.stringify(m).matchAll(ARG_REF))
        if (!declared.has(name)) report(tpl, at, `uses {{args.${name}}}, which spec.args does not declare: Argo cannot start the analysis`);
      // Kubernetes' default is 6 retries.
      if (job.backoffLimit !== 0)
        report(tpl, `${at}.provider.job.spec.backoffLimit`, `must be 0: a failed probe retried would hide the outage it saw (the second run's PASS replaces the first's FAIL); is ${JSON.stringify(job.backoffLimit ?? "unset, 6")}`);
      const pod = job.template?.spec ?? {};
      if (pod.restartPolicy !== "Never")
        report(tpl, `${at}.provider.job.spec.template.spec.restartPolicy`, `must be Never: a prober restarted in place is a retry too; is ${JSON.stringify(pod.restartPolicy)}`);
      if (m.failureLimit !== undefined && String(m.failureLimit) !== "0")
        report(tpl, `${at}.failureLimit`, `must be 0: one failed run is users who saw errors; is ${JSON.stringify(m.failureLimit)}`);
      if ((m.count !== undefined && String(m.count) !== "1") || (m.count === undefined && m.interval !== undefined))
        report(tpl, `${at}.count`, `must be 1: one measurement is one probe run (with an interval and no count, the metric never ends); is ${JSON.stringify(m.count)}`);
      // pbprobe-report reads the log pbprobe wrote, on a volume both mount.
      const cs = containers(pod, `${at}.provider.job.spec.template`).filter(({ c }) => runsProber(c));
      const prober = cs.find(({ c }) => proberArgv(c)[0] === "pbprobe");
      const judge = cs.find(({ c }) => proberArgv(c)[0] === "pbprobe-report");
      if (!prober || !judge) {
        report(tpl, `${at}.provider.job.spec.template.spec`, "must run pbprobe (an init container) and then pbprobe-report on its log (a container): pbprobe's own exit status is 0 whatever it saw");
      } else {
        const out = option(proberArgv(prober.c), "--output", "-o", null);
        const dir = out?.slice(0, out.lastIndexOf("/"));
        const mount = (c) => (c.volumeMounts ?? []).find((v) => v.mountPath?.replace(/\/$/, "") === dir)?.name;
        if (!prober.at.includes(".initContainers["))
          report(tpl, prober.at, "pbprobe must run as an init container: pbprobe-report starts once it has exited");
        if (out === null || !out.startsWith("/") || mount(prober.c) === undefined)
          report(tpl, `${prober.at}.args`, `--output must be a file on a volume the pod mounts, is ${JSON.stringify(out)}`);
        else if (mount(judge.c) !== mount(prober.c) || !(judge.c.args ?? []).includes(out))
          report(tpl, `${judge.at}.args`, `must read ${out}, pbprobe's log, from volume ${mount(prober.c)} mounted at ${dir}`);
      }
      analysisSizing(tpl, i, declared, tpl, "", ", by default", report);
    }
  }
}

// A Rollout's analyses (its steps', its background one, blue/green's before
// and after the switch) that name pbprobe's template: every argument the
// template lacks a value for is given, and the values fit the template's
// pod and deadline. Templates are looked up in every build validated with
// it; alone, there is nothing to compare with.
function ruleRolloutAnalysis(objs, report, builds) {
  const templates = new Map();
  for (const b of builds) for (const o of b.objects) if (ANALYSIS_KINDS.includes(o.kind)) templates.set(`${o.kind}/${o.metadata?.name}`, o);
  if (templates.size === 0) return;
  for (const ro of objs.filter((o) => o.kind === "Rollout")) {
    const st = ro.spec?.strategy ?? {};
    const refs = [];
    (st.canary?.steps ?? []).forEach((s, j) => s?.analysis && refs.push([s.analysis, `spec.strategy.canary.steps[${j}].analysis`]));
    if (st.canary?.analysis) refs.push([st.canary.analysis, "spec.strategy.canary.analysis"]);
    for (const k of ["prePromotionAnalysis", "postPromotionAnalysis"]) if (st.blueGreen?.[k]) refs.push([st.blueGreen[k], `spec.strategy.blueGreen.${k}`]);
    for (const [a, at] of refs) {
      const given = new Map((a.args ?? []).map((x) => [x?.name, x?.value]));
      (a.templates ?? []).forEach((t, k) => {
        const kind = t?.clusterScope ? "ClusterAnalysisTemplate" : "AnalysisTemplate";
        const tpl = templates.get(`${kind}/${t?.templateName}`);
        if (!tpl) {
          report(ro, `${at}.templates[${k}].templateName`, `${kind} ${t?.templateName} is not in the builds validated with it`);
          return;
        }
        const metrics = proberMetrics(tpl);
        if (metrics.length === 0) return;
        const args = new Map((tpl.spec?.args ?? []).map((x) => [x?.name, x?.value]));
        for (const [n, v] of given) if (args.has(n)) args.set(n, v);
        for (const [n, v] of args)
          if (v === undefined && !given.has(n)) report(ro, `${at}.args`, `must give ${n}: ${kind} ${tpl.metadata.name} has no value for it, and Argo cannot start the analysis without one`);
        for (const i of metrics) analysisSizing(tpl, i, args, ro, `${at}.args`, `, given by ${at}`, report);
      });
    }
  }
}

// A shell command line cut at && || ; | and braces into simple commands,
// each a list of words, quotes removed: enough to find the programs a
// webhook's cmd runs and their arguments.
function shellCommands(cmd) {
  const out = [];
  let words = [];
  for (const m of cmd.matchAll(/&&|\|\||[;|{}()]|"(?:[^"\\]|\\.)*"|'[^']*'|[^\s;&|{}()"']+(?:(?:"(?:[^"\\]|\\.)*"|'[^']*')[^\s;&|{}()"']*)*/g)) {
    const w = m[0];
    if (/^(&&|\|\||[;|{}()])$/.test(w)) {
      if (words.length) out.push(words);
      words = [];
    } else {
      words.push(w.replace(/^"(.*)"$|^'(.*)'$/s, (all, a, b) => a ?? b));
    }
  }
  if (words.length) out.push(words);
  return out;
}

// Flagger: a Canary's webhook that runs pbprobe through the loadtester. The
// webhook's HTTP answer is the verdict: it must wait for it, and only once.
function ruleCanaryWebhooks(objs, report) {
  for (const canary of objs.filter((o) => o.kind === "Canary")) {
    (canary.spec?.analysis?.webhooks ?? []).forEach((w, i) => {
      const cmd = w?.metadata?.cmd;
      if (typeof cmd !== "string") return;
      const cmds = shellCommands(cmd);
      const probe = cmds.findIndex((c) => c[0] === "pbprobe");
      if (probe < 0) return;
      const at = `spec.analysis.webhooks[${i}]`;
      if (w.metadata.type !== "bash")
        report(canary, `${at}.metadata.type`, `must be bash: the loadtester runs other commands in the background and answers at once, so pbprobe-report's verdict never reaches Flagger; is ${JSON.stringify(w.metadata.type)}`);
      if (!["", "pre-rollout", "rollout", undefined].includes(w.type))
        report(canary, `${at}.type`, `must be pre-rollout or rollout, whose failure halts the canary and counts towards the threshold; is ${JSON.stringify(w.type)}`);
      if (w.retries !== undefined && w.retries !== 0)
        report(canary, `${at}.retries`, `must be 0: Flagger calls again after the loadtester's 500 for a failed command, and a retried probe would hide the outage it saw; is ${JSON.stringify(w.retries)}`);
      if (!cmds.slice(probe + 1).some((c) => c[0] === "pbprobe-report"))
        report(canary, `${at}.metadata.cmd`, "must run pbprobe-report on pbprobe's log after it: pbprobe's own exit status is 0 whatever it saw");
      const needs = proberNeeds(cmds[probe].slice(1), (m) => report(canary, `${at}.metadata.cmd`, m), "");
      const timeout = seconds(w.timeout ?? "10s");
      if (needs.seconds !== null && timeout !== null && timeout < needs.seconds + WEBHOOK_MARGIN_S)
        report(canary, `${at}.timeout`, `must be at least ${Math.ceil(needs.seconds + WEBHOOK_MARGIN_S)}s: the probe (${needs.seconds} s with its timeout) and ${WEBHOOK_MARGIN_S} s for the report and the answer; Flagger stops waiting after it and counts a failed check; is ${JSON.stringify(w.timeout ?? "unset, 10s")}`);
    });
  }
}

// Problems with one build, each { object, path, message }; object is
// "Kind/name", or "" for the build as a whole. builds: every build being
// validated ({ label, objects }), for the rules that cross builds. image:
// the facts of PyBossa's image recipe (image.mjs imageFacts), or null.
export function policyCheck(label, objs, builds, image = null) {
  const out = [];
  const report = (obj, path, message) => out.push({ object: obj ? id(obj) : "", path, message });
  ruleResources(objs, report);
  ruleImages(objs, report);
  ruleReferences(objs, report);
  ruleSelectors(objs, report);
  ruleWeb(label, objs, report);
  ruleVersion(label, objs, report);
  ruleProber(label, objs, report, builds);
  ruleCommands(objs, report, image);
  rulePostgresAuth(objs, report, image);
  ruleAlembicConfig(objs, report, image);
  ruleRolloutSet(label, objs, report);
  ruleDeadline(objs, report);
  ruleLockTimeout(label, objs, report);
  ruleBackgroundTier(label, objs, report);
  for (const { obj, tpl, at } of podTemplates(objs)) ruleProberPod(obj, tpl, at, report);
  ruleAnalysis(objs, report);
  ruleRolloutAnalysis(objs, report, builds);
  ruleCanaryWebhooks(objs, report);
  return out;
}
