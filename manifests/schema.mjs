// schema.mjs: checks one Kubernetes object against the API schemas bundled in
// the npm package kubernetes-models (installed in manifests/.validate by
// `npm ci`), Argo Rollouts' kinds against @kubernetes-models/argo-rollouts,
// and Flagger's Canary against this project's own schema (schema-flagger.mjs).
// Used by validate.mjs; knows nothing of PyBossa.
//
// Two checks. The JSON schemas (ajv, compiled into kubernetes-models) catch
// wrong types, missing required fields and bad enum values. They accept
// unknown fields, as the OpenAPI documents do; an API server with strict
// field validation (kubectl's default since 1.27) rejects them, and a
// misspelt field such as "readinessprobe" would otherwise pass here and be
// silently dropped by an older server. So a second walk compares every field
// name with the model's TypeScript declarations (*.d.ts), the only place the
// package keeps the field lists. Argo's models declare a Job metric's spec as
// kubernetes-models' batch/v1 JobSpec (the 5.x their package depends on,
// installed beside it): both checks go down into the Job's pod, field by
// field. Flagger's Canary has no model package: one walk of its own schema
// does both, unknown fields included.

import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { require } from "./deps.mjs";
import { CANARY } from "./schema-flagger.mjs";

// Argo Rollouts' models: an ES module package (import(), never require()).
const ARGO = { apiVersion: "argoproj.io/v1alpha1", pkg: "@kubernetes-models/argo-rollouts" };
// Kinds checked against this project's own schemas.
const SHAPES = { "flagger.app/v1beta1": { Canary: CANARY } };

// "apps/v1" -> the folder under kubernetes-models; the core group is "v1".
function modelDir(apiVersion) {
  if (typeof apiVersion !== "string" || !/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion))
    return null;
  return apiVersion;
}

// The model class for apiVersion/kind (with its declarations), or the
// project's shape for it, or a message saying why not.
export async function schemaModel(apiVersion, kind) {
  const dir = modelDir(apiVersion);
  if (dir === null)
    return { field: "apiVersion", error: `${JSON.stringify(apiVersion)} is not a Kubernetes API version` };
  if (typeof kind !== "string" || !/^[A-Z][A-Za-z0-9]*$/.test(kind))
    return { field: "kind", error: `${JSON.stringify(kind)} is not a Kubernetes kind` };
  const unknown = { field: "kind", error: `unknown kind ${kind} in ${apiVersion} (not in the Kubernetes API schemas)` };
  if (SHAPES[apiVersion] !== undefined) {
    const shape = SHAPES[apiVersion][kind];
    if (shape === undefined)
      return { field: "kind", error: `unknown kind ${kind} in ${apiVersion} (this project's schema has ${Object.keys(SHAPES[apiVersion]).join(", ")}: manifests/schema-flagger.mjs)` };
    return { shape };
  }
  let cls;
  let dts;
  if (apiVersion === ARGO.apiVersion) {
    const file = join(dirname(require.resolve(`${ARGO.pkg}/package.json`)), apiVersion, kind);
    unknown.error = `unknown kind ${kind} in ${apiVersion} (not in Argo Rollouts' schemas, ${ARGO.pkg})`;
    if (!existsSync(`${file}.js`)) return unknown;
    cls = (await import(pathToFileURL(`${file}.js`).href))[kind];
    dts = `${file}.d.ts`;
  } else {
    let mod;
    try {
      mod = require(`kubernetes-models/${dir}/${kind}`);
    } catch {
      return unknown;
    }
    cls = mod[kind];
    dts = require.resolve(`kubernetes-models/${dir}/${kind}`).replace(/\.js$/, ".d.ts");
  }
  // Field types (v1/Container) live beside the kinds; only a kind has a static kind.
  if (typeof cls !== "function" || cls.kind !== kind || cls.apiVersion !== apiVersion) return unknown;
  return { cls, dts, iface: `I${kind}` };
}

// "/spec/template/spec/containers/0/name" -> "spec.template.spec.containers[0].name"
export function fieldPath(parts) {
  let out = "";
  for (const p of parts) {
    if (typeof p === "number" || /^[0-9]+$/.test(p)) out += `[${p}]`;
    else out += (out === "" ? "" : ".") + p;
  }
  return out;
}

function pointerParts(pointer) {
  return pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

// ajv reports a oneOf (IntOrString, Quantity) as one error per branch plus
// the oneOf itself: one message per field, the branches joined.
function ajvProblems(errors, prefix = []) {
  const byPath = new Map();
  for (const e of errors) {
    const parts = [...prefix, ...pointerParts(e.instancePath)];
    if (e.keyword === "required") parts.push(e.params.missingProperty);
    const path = fieldPath(parts);
    let msg;
    if (e.keyword === "required") msg = "required field missing";
    else if (e.keyword === "enum") msg = `must be one of ${e.params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    else if (e.keyword === "oneOf" || e.keyword === "anyOf") continue;
    else msg = e.message;
    if (!byPath.has(path)) byPath.set(path, []);
    if (!byPath.get(path).includes(msg)) byPath.get(path).push(msg);
  }
  return [...byPath].map(([path, msgs]) => ({ path, message: msgs.join(" or ") }));
}

// --- field lists from the .d.ts files -------------------------------------

const declCache = new Map(); // file -> { imports: Map(name -> module), ifaces: Map(name -> object type) }

// The .d.ts file an import names, from the importing file's place: a
// package is looked up in the node_modules above it, as node does, so that
// Argo's models find the kubernetes-models installed beside them (5.x), not
// the one manifests/.validate pins (4.x). Newer declarations name their
// modules with ".js".
function resolveImport(fromFile, spec) {
  let base;
  if (spec.startsWith(".")) {
    base = join(dirname(fromFile), spec);
  } else {
    const parts = spec.split("/");
    const pkg = spec.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1);
    const dir = packageDir(fromFile, pkg.join("/"));
    if (dir === null) return null;
    base = join(dir, ...parts.slice(pkg.length));
  }
  const file = `${base.replace(/\.js$/, "")}.d.ts`;
  return existsSync(file) ? file : null;
}

// The directory of package pkg as the file fromFile would load it, or null.
function packageDir(fromFile, pkg) {
  for (let dir = dirname(fromFile); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", pkg);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

// A type expression of the declarations, parsed just enough to walk values:
//   { kind: "object", fields: Map(name -> type), index: type | null }
//   { kind: "array", of: type }   { kind: "ref", name }   { kind: "other" }
function parseType(tokens, pos) {
  const alts = [];
  for (;;) {
    let t;
    const tok = tokens[pos.i];
    if (tok === "{") {
      t = parseObject(tokens, pos);
    } else if (tok === "Array" && tokens[pos.i + 1] === "<") {
      pos.i += 2;
      t = { kind: "array", of: parseType(tokens, pos) };
      expect(tokens, pos, ">");
    } else if (/^[A-Za-z_$][\w$]*$/.test(tok)) {
      pos.i++;
      t = { kind: "ref", name: tok };
      if (tokens[pos.i] === "[") {
        // IDeployment["apiVersion"]: an indexed access, a literal string
        pos.i += 3;
        t = { kind: "other" };
      }
    } else {
      pos.i++; // a string literal, or a keyword type
      t = { kind: "other" };
    }
    alts.push(t);
    if (tokens[pos.i] !== "|") break;
    pos.i++;
  }
  return alts.length === 1 ? alts[0] : { kind: "other" };
}

function parseObject(tokens, pos) {
  expect(tokens, pos, "{");
  const fields = new Map();
  let index = null;
  while (tokens[pos.i] !== "}") {
    if (tokens[pos.i] === "[") {
      // [key: string]: TYPE
      pos.i += 5;
      expect(tokens, pos, ":");
      index = parseType(tokens, pos);
    } else {
      const name = JSON.parse(tokens[pos.i++]);
      if (tokens[pos.i] === "?") pos.i++;
      expect(tokens, pos, ":");
      fields.set(name, parseType(tokens, pos));
    }
    expect(tokens, pos, ";");
  }
  pos.i++;
  return { kind: "object", fields, index };
}

function expect(tokens, pos, tok) {
  if (tokens[pos.i] !== tok) throw new Error(`kubernetes-models declarations: expected ${tok}, found ${tokens[pos.i]}`);
  pos.i++;
}

function readDecls(file) {
  if (declCache.has(file)) return declCache.get(file);
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const imports = new Map();
  for (const m of text.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";$/gm)) {
    if (m[2].startsWith("@kubernetes-models/base")) continue;
    for (const name of m[1].split(",").map((x) => x.trim())) imports.set(name, m[2]);
  }
  const ifaces = new Map();
  for (const m of text.matchAll(/^export interface (I[A-Za-z0-9]+)(?: extends [A-Za-z]+)? (\{\n[\s\S]*?^\})/gm)) {
    const tokens = m[2].match(/"(?:[^"\\]|\\.)*"|[A-Za-z_$][\w$]*|[{}[\]<>:;?|,]/g);
    ifaces.set(m[1], parseObject(tokens, { i: 0 }));
  }
  const decls = { imports, ifaces };
  declCache.set(file, decls);
  return decls;
}

// The object type a reference names, or null for anything that is not an
// interface (strings, numbers, IntOrString, Quantity, Time...).
function resolveRef(file, name) {
  const decls = readDecls(file);
  if (decls.ifaces.has(name)) return { file, type: decls.ifaces.get(name) };
  const spec = decls.imports.get(name);
  if (spec === undefined) return null;
  const target = resolveImport(file, spec);
  if (target === null) return null;
  // imported under its long alias (IIoK8sApiCoreV1Probe), declared as IProbe
  const first = [...readDecls(target).ifaces.values()][0];
  return first === undefined ? null : { file: target, type: first };
}

function closest(name, candidates) {
  const lower = name.toLowerCase();
  for (const c of candidates) if (c.toLowerCase() === lower) return c;
  let best = null;
  let bestD = 3;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

function editDistance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function unknownFields(value, file, type, parts, out) {
  if (type.kind === "ref") {
    const r = resolveRef(file, type.name);
    if (r !== null) unknownFields(value, r.file, r.type, parts, out);
  } else if (type.kind === "array") {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, file, type.of, [...parts, i], out));
  } else if (type.kind === "object") {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return; // ajv reports the type
    for (const [key, child] of Object.entries(value)) {
      const f = type.fields.get(key) ?? type.index;
      if (f === null || f === undefined) {
        const hint = closest(key, [...type.fields.keys()]);
        out.push({ path: fieldPath([...parts, key]), message: `unknown field${hint ? ` (did you mean ${hint}?)` : ""}` });
      } else {
        unknownFields(child, file, f, [...parts, key], out);
      }
    }
  }
}

// --- the project's own schemas (schema-flagger.mjs) -------------------------

const JSON_TYPE = (v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" && Number.isInteger(v) ? "integer" : typeof v);

// Problems with value against shape (the notation of schema-flagger.mjs),
// in the messages ajv and the declarations walk give for the other kinds.
function shapeCheck(value, shape, parts, out) {
  const at = fieldPath(parts);
  const type = JSON_TYPE(value);
  const must = (what) => out.push({ path: at, message: `must be ${what}` });
  if (shape === "ObjectMeta") {
    metaCheck(value, parts, out);
  } else if (shape === "string" || shape === "boolean" || shape === "integer") {
    if (type !== shape) must(shape);
  } else if (shape === "number") {
    if (type !== "number" && type !== "integer") must("number");
  } else if (shape === "int-or-string") {
    if (type !== "integer" && type !== "string") must("integer or string");
  } else if (shape.enum) {
    if (!shape.enum.includes(value)) out.push({ path: at, message: `must be one of ${shape.enum.map((v) => JSON.stringify(v)).join(", ")}` });
  } else if (shape.pattern) {
    if (type !== "string") must("string");
    else if (!shape.pattern.test(value)) must(`${shape.says}, is ${JSON.stringify(value)}`);
  } else if (shape.array) {
    if (type !== "array") must("array");
    else value.forEach((v, i) => shapeCheck(v, shape.array, [...parts, i], out));
  } else if (shape.map) {
    if (type !== "object") must("object");
    else for (const [k, v] of Object.entries(value)) shapeCheck(v, shape.map, [...parts, k], out);
  } else if (shape.fields) {
    if (type !== "object") return must("object");
    for (const name of shape.required ?? [])
      if (value[name] === undefined) out.push({ path: fieldPath([...parts, name]), message: "required field missing" });
    for (const [key, child] of Object.entries(value)) {
      const f = shape.fields[key];
      if (f === undefined) {
        const hint = closest(key, Object.keys(shape.fields));
        out.push({ path: fieldPath([...parts, key]), message: `unknown field${hint ? ` (did you mean ${hint}?)` : ""}` });
      } else {
        shapeCheck(child, f, [...parts, key], out);
      }
    }
  } else {
    throw new Error(`schema-flagger.mjs: no such type ${JSON.stringify(shape)} at ${at}`);
  }
}

// A custom resource's metadata is the API's ObjectMeta: kubernetes-models'.
function metaCheck(value, parts, out) {
  const mod = "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
  const { ObjectMeta } = require(mod);
  try {
    new ObjectMeta(value).validate();
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    out.push(...ajvProblems(e.errors, parts));
  }
  const dts = require.resolve(mod).replace(/\.js$/, ".d.ts");
  unknownFields(value, dts, readDecls(dts).ifaces.get("IObjectMeta"), parts, out);
}

// Problems with one object, each { path, message }; path "" is the object.
export async function schemaCheck(obj) {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj))
    return [{ path: "", message: "not a Kubernetes object (a YAML mapping with apiVersion and kind)" }];
  const model = await schemaModel(obj.apiVersion, obj.kind);
  if (model.error) return [{ path: model.field, message: model.error }];
  const problems = [];
  if (model.shape) {
    shapeCheck(obj, model.shape, [], problems);
    return problems;
  }
  try {
    new model.cls(obj).validate();
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    problems.push(...ajvProblems(e.errors));
  }
  const top = readDecls(model.dts).ifaces.get(model.iface);
  if (top === undefined) throw new Error(`${model.dts}: no interface ${model.iface}`);
  unknownFields(obj, model.dts, top, [], problems);
  return problems;
}
