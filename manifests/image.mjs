// image.mjs: PyBossa's image recipe (manifests/images/pybossa/Dockerfile), read
// without a container engine: its instructions parsed, the facts the manifests
// depend on drawn out (base image and its libpq, working directory, command),
// and the recipe's own rules. Used by validate.mjs; policy.mjs checks the
// manifests against the facts.

// Where the recipe lives, relative to manifests/.
export const DOCKERFILE = "images/pybossa/Dockerfile";

// The build argument that names the PyBossa release: the overlays' names.
const VERSION_ARG = "PYBOSSA_VERSION";
// What the web pods run (the reference demo's command).
export const WEB_COMMAND = ["python", "run.py"];
// Files the cluster provides; a copy in the image would be a second,
// stale source (and alembic.ini's would hold a password).
const CLUSTER_FILES = ["alembic.ini", "settings_local.py"];

// libpq's major version on a base image, as its distribution packages it
// (python-psycopg2 links the system libpq). SCRAM logins need libpq 10.
export const LIBPQ_BY_BASE = {
  "ubuntu:16.04": 9.5,
  "ubuntu:18.04": 10,
  "ubuntu:20.04": 12,
  "debian:9": 9.6,
  "debian:10": 11,
  "debian:11": 13,
};
export const SCRAM_MIN_LIBPQ = 10;

// Instructions with their first line number: comments and blank lines
// dropped, continuation lines joined.
export function parseDockerfile(text) {
  const out = [];
  let cur = null;
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (cur === null) {
      if (/^\s*(#|$)/.test(line)) return;
      const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(line);
      cur = { line: i + 1, op: m[1].toUpperCase(), args: m[2] };
    } else if (/^\s*#/.test(line)) {
      return; // a comment inside a continued instruction
    } else {
      cur.args += " " + line.trim();
    }
    if (/\\$/.test(cur.args)) cur.args = cur.args.replace(/\s*\\$/, "");
    else {
      out.push(cur);
      cur = null;
    }
  });
  if (cur !== null) out.push(cur);
  return out;
}

// An exec-form argument list (["python", "run.py"]), or null for the shell form.
function execForm(args) {
  try {
    const v = JSON.parse(args);
    return Array.isArray(v) && v.every((s) => typeof s === "string") ? v : null;
  } catch {
    return null;
  }
}

// What the manifests need to know of the image: { base, libpq, workdir, cmd, entrypoint }.
// The last stage counts: it is the image.
export function imageFacts(instructions) {
  const f = { base: null, libpq: null, workdir: null, cmd: null, entrypoint: null };
  for (const { op, args } of instructions) {
    if (op === "FROM") {
      f.base = args.split(/\s+/)[0];
      f.workdir = null;
      f.cmd = null;
      f.entrypoint = null;
    } else if (op === "WORKDIR") {
      f.workdir = args.startsWith("/") ? args : `${f.workdir ?? ""}/${args}`;
    } else if (op === "CMD") {
      f.cmd = execForm(args) ?? ["/bin/sh", "-c", args];
    } else if (op === "ENTRYPOINT") {
      f.entrypoint = execForm(args) ?? ["/bin/sh", "-c", args];
    }
  }
  f.libpq = f.base !== null ? (LIBPQ_BY_BASE[f.base] ?? null) : null;
  return f;
}

// The recipe's own problems, each { line, message }.
export function imageCheck(instructions) {
  const out = [];
  const bad = (line, message) => out.push({ line, message });
  const froms = instructions.filter((i) => i.op === "FROM");
  if (froms.length === 0) {
    bad(1, "no FROM");
    return out;
  }
  const last = froms[froms.length - 1];
  const base = last.args.split(/\s+/)[0];
  // The base decides the libpq, hence what PostgreSQL must accept: pinned.
  if (!/:[^/]+$/.test(base) || base.endsWith(":latest")) bad(last.line, `FROM ${base}: not pinned to a version tag`);
  else if (LIBPQ_BY_BASE[base] === undefined)
    bad(last.line, `FROM ${base}: its libpq version is not known here (manifests/image.mjs LIBPQ_BY_BASE), so the PostgreSQL login method cannot be checked`);

  // One recipe, one release per build: the version is required.
  const arg = instructions.find((i) => i.op === "ARG" && i.args.split("=")[0].trim() === VERSION_ARG);
  if (!arg) bad(last.line, `no ARG ${VERSION_ARG}: the recipe must build the release manifests/images/build names`);
  else if (arg.args.includes("=")) bad(arg.line, `ARG ${VERSION_ARG}: must have no default (a forgotten --build-arg would build that release under another tag)`);
  const checkout = new RegExp(`git\\s+(checkout|clone)\\b[^;&|]*\\bv\\$\\{?${VERSION_ARG}\\}?`);
  if (!instructions.some((i) => i.op === "RUN" && checkout.test(i.args)))
    bad(arg?.line ?? last.line, `no RUN checks out PyBossa's tag v$${VERSION_ARG}`);

  for (const i of instructions.filter((x) => x.op === "COPY" || x.op === "ADD"))
    for (const f of CLUSTER_FILES)
      if (new RegExp(`(^|[\\s/"])${f.replace(".", "\\.")}([\\s"]|$)`).test(i.args))
        bad(i.line, `${i.op} ${f}: it comes from the cluster (a ConfigMap), never from the image`);

  const facts = imageFacts(instructions);
  const workdir = instructions.filter((i) => i.op === "WORKDIR").pop();
  if (!facts.workdir) bad(last.line, "no WORKDIR: the Jobs' commands (cli.py, alembic) and alembic.ini's mount need PyBossa's tree as the working directory");
  else if (!workdir.args.startsWith("/")) bad(workdir.line, `WORKDIR ${workdir.args}: must be absolute`);
  // Exec form: with the shell form, /bin/sh is PID 1 and no signal reaches
  // the server.
  const cmd = instructions.filter((i) => i.op === "CMD").pop();
  if (!cmd) bad(last.line, `no CMD: the web container's command (${JSON.stringify(WEB_COMMAND)})`);
  else if (execForm(cmd.args) === null) bad(cmd.line, `CMD ${cmd.args}: must be the exec form, ${JSON.stringify(WEB_COMMAND)}`);
  else if (JSON.stringify(execForm(cmd.args)) !== JSON.stringify(WEB_COMMAND))
    bad(cmd.line, `CMD: must be ${JSON.stringify(WEB_COMMAND)}, is ${cmd.args}`);
  return out;
}
