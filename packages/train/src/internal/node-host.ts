import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import * as fsPromises from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join, sep } from "node:path";
import { startShardWorkerThreads } from "../data-parallel/node-threads";
import type { NodeHost } from "./host";
import type { TrainPlatform } from "./platform";

// ESM build: import.meta.url; CJS build: __filename (import.meta is empty there).
const require_ = createRequire(typeof __filename === "string" ? __filename : import.meta.url);
let ldconfig: string | undefined;

/** The Node implementation of {@link NodeHost}: plain wrappers, no decisions. */
export const nodeHostImpl: NodeHost = {
  fs: fsPromises,
  join,
  dirname,
  basename,
  platform: process.platform,
  env: (name) => process.env[name],
  cwd: () => process.cwd(),
  exists: (path) => existsSync(path),
  ldconfigCache() {
    if (ldconfig === undefined) {
      ldconfig = "";
      for (const bin of ["ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"]) {
        try {
          ldconfig = execFileSync(bin, ["-p"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
          break;
        } catch {
          // try the next location
        }
      }
    }
    return ldconfig;
  },
  canResolve(name, from) {
    try {
      (from === undefined ? require_ : createRequire(join(from, "package.json"))).resolve(name);
      return true;
    } catch (error) {
      // Installed, but with an `exports` map that offers no `require` condition.
      return (error as { code?: string }).code === "ERR_PACKAGE_PATH_NOT_EXPORTED";
    }
  },
  packageDir(name) {
    try {
      return dirname(require_.resolve(name)) + sep;
    } catch {
      return undefined;
    }
  },
  importModule: (name) => import(name),
  randomSuffix: () => randomBytes(6).toString("hex"),
};

/** Node.js: files and probes through {@link nodeHostImpl}, data-parallel training on worker threads. */
export const nodePlatform: TrainPlatform = {
  name: "node",
  host: nodeHostImpl,
  startShardWorkers: startShardWorkerThreads,
  // Read when a bar starts, not at import: worker threads and tests may never touch stdout.
  get output() {
    return process.stdout;
  },
};
