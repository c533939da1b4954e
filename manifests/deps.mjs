// deps.mjs: where the npm packages (kubernetes-models, yaml) are loaded from:
// the directory manifests/validate installed them in ($PBPROBE_VALIDATE_DEPS),
// else manifests/.validate.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.env.PBPROBE_VALIDATE_DEPS;
export const require = createRequire(
  dir ? pathToFileURL(join(dir, "package.json")) : new URL("./.validate/package.json", import.meta.url),
);
