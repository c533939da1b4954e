// validate.mjs: validates Kubernetes objects offline, as `manifests/validate`
// calls it once `kubectl kustomize` has built each directory:
//   node manifests/validate.mjs LABEL=FILE...
// FILE holds YAML documents (kustomize's output, or any manifest); LABEL
// names the build in messages and selects the policy (overlays/2.8.0 must
// run pybossa:2.8.0). Every object is checked against the API schemas
// (schema.mjs: Kubernetes', Argo Rollouts', Flagger's Canary), then each
// build against the upgrades' rules and the prober's (policy.mjs).
// PyBossa's image recipe (images/pybossa/Dockerfile, beside this file) is read
// once when a build runs PyBossa: its own rules (image.mjs), and its facts
// (command, working directory, libpq) for the rules that depend on them.
// One line per problem on stderr, naming build, object and field:
//   manifests/validate: overlays/2.8.0: Deployment/pybossa-web: spec.replicas: must be integer
// one line per valid build on stdout. Exit 0 all valid, 1 a problem, 2 usage.

import { readFileSync } from "node:fs";
import { require } from "./deps.mjs";
import { schemaCheck } from "./schema.mjs";
import { policyCheck } from "./policy.mjs";
import { DOCKERFILE, parseDockerfile, imageCheck, imageFacts } from "./image.mjs";
const YAML = require("yaml");

const PROG = "manifests/validate";
let problems = 0;
const perBuild = new Map(); // label -> problems
const problem = (label, object, path, message) => {
  problems++;
  perBuild.set(label, (perBuild.get(label) ?? 0) + 1);
  const where = [label, object, path].filter((s) => s !== "" && s !== undefined).join(": ");
  console.error(`${PROG}: ${where}: ${message}`);
};

const args = process.argv.slice(2);
if (args.length === 0 || args.some((a) => !/^[^=]+=.+/.test(a))) {
  console.error(`usage: node manifests/validate.mjs LABEL=FILE...`);
  process.exit(2);
}

const builds = [];
for (const arg of args) {
  const eq = arg.indexOf("=");
  const label = arg.slice(0, eq);
  const file = arg.slice(eq + 1);
  let text;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    console.error(`${PROG}: ${label}: ${file}: ${e.message}`);
    process.exit(2);
  }
  const objects = [];
  const before = problems;
  for (const doc of YAML.parseAllDocuments(text, { uniqueKeys: true })) {
    for (const e of doc.errors) problem(label, "", `YAML line ${e.linePos?.[0]?.line ?? "?"}`, e.message.split("\n")[0]);
    if (doc.errors.length > 0) continue;
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue; // an empty document
    objects.push(obj);
  }
  if (problems === before && objects.length === 0) problem(label, "", "", "no objects");
  builds.push({ label, objects });
}

for (const { label, objects } of builds) {
  const seen = new Set();
  for (const obj of objects) {
    const name = obj?.metadata?.name;
    const object = `${obj?.kind ?? "?"}/${name ?? "?"}`;
    for (const p of await schemaCheck(obj)) problem(label, object, p.path, p.message);
    if (seen.has(object)) problem(label, object, "", "defined twice");
    seen.add(object);
  }
}
// The image recipe, when some build runs PyBossa.
let image = null;
const runsPybossa = (o) =>
  (o?.spec?.template?.spec?.containers ?? []).some((c) => typeof c.image === "string" && /(^|\/)pybossa(:|@|$)/.test(c.image));
if (builds.some(({ objects }) => objects.some(runsPybossa))) {
  let text = null;
  try {
    text = readFileSync(new URL(`./${DOCKERFILE}`, import.meta.url), "utf8");
  } catch (e) {
    problem(DOCKERFILE, "", "", `cannot read PyBossa's image recipe: ${e.code ?? e.message}`);
  }
  if (text !== null) {
    const instructions = parseDockerfile(text);
    for (const p of imageCheck(instructions)) problem(`${DOCKERFILE}:${p.line}`, "", "", p.message);
    image = imageFacts(instructions);
  }
}

for (const { label, objects } of builds) {
  // Objects the schemas refused can be any shape: a rule that trips over
  // one says so rather than hiding the other problems.
  try {
    for (const p of policyCheck(label, objects, builds, image)) problem(label, p.object, p.path, p.message);
  } catch (e) {
    problem(label, "", "", `upgrade rules not checked: ${e.message}`);
  }
  if (!perBuild.has(label)) console.log(`${label}: ${objects.length} objects valid`);
}
process.exit(problems > 0 ? 1 : 0);
