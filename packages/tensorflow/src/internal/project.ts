import { existsSync, readFileSync, realpathSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { TensorflowSetupError } from "../errors";
import { exec, tail } from "./exec";
import { which } from "./tools";

/** An installed npm package: its real folder (symlinks resolved, as Node loads it) and version. */
export interface InstalledPackage {
  dir: string;
  version: string;
}

/**
 * Finds `name` the way Node would from `projectDir`: the nearest `node_modules/<name>` going up. Done by
 * hand rather than with require.resolve, whose cache would remember a package this process removed.
 */
export function findPackage(projectDir: string, name: string): InstalledPackage | null {
  let dir = projectDir;
  for (;;) {
    const candidate = join(dir, "node_modules", name, "package.json");
    if (existsSync(candidate)) {
      try {
        const version = (JSON.parse(readFileSync(candidate, "utf8")) as { version: string }).version;
        return { dir: realpathSync(dirname(candidate)), version };
      } catch {
        return null;
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** The compiled binding's path for the running Node, exactly as tfjs-node computes it at load time. */
export function bindingPath(packageDir: string): string | null {
  try {
    const require = createRequire(join(packageDir, "package.json"));
    const binary = require("@mapbox/node-pre-gyp") as { find(packageJson: string): string };
    return binary.find(join(packageDir, "package.json"));
  } catch {
    return null;
  }
}

/** The package manager that owns a project, from its lockfile (npm when there is none). */
export interface PackageManager {
  name: "npm" | "pnpm" | "yarn";
  bin: string;
  /** The lockfile it keeps in the project folder. */
  lockfile: string;
}

export function detectPackageManager(projectDir: string, env: NodeJS.ProcessEnv): PackageManager {
  const locks = [
    ["pnpm", "pnpm-lock.yaml"],
    ["yarn", "yarn.lock"],
    ["npm", "package-lock.json"],
  ] as const;
  const found = locks.find(([, lock]) => existsSync(join(projectDir, lock)));
  const [name, lockfile] = found ?? locks[2];
  const bin = which(name, env);
  if (!bin) {
    throw new TensorflowSetupError(`${projectDir} uses ${name} (${lockfile}), which is not on PATH`, {
      hint: `Install ${name}, or install the package yourself with scripts skipped, then run the setup again.`,
    });
  }
  return { name, bin, lockfile };
}

/** What an install changed, to put back on failure. */
export interface InstallUndo {
  undo(): Promise<void>;
}

/**
 * Installs `name@version` into the project with its install scripts skipped (tfjs-node's script downloads
 * libtensorflow 2.9 from Google's storage, which is refused). Returns how to put the project back: the
 * package removed, package.json and the lockfile restored byte for byte.
 */
export async function installPackage(
  projectDir: string,
  name: string,
  version: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<InstallUndo> {
  const pm = detectPackageManager(projectDir, env);
  const saved = new Map<string, Buffer | null>();
  for (const file of ["package.json", pm.lockfile]) {
    const path = join(projectDir, file);
    saved.set(path, existsSync(path) ? await readFile(path) : null);
  }
  const hadModules = existsSync(join(projectDir, "node_modules"));
  const spec = `${name}@${version}`;
  const args =
    pm.name === "npm"
      ? ["install", "--ignore-scripts", "--save-exact", "--no-audit", "--no-fund", spec]
      : pm.name === "pnpm"
        ? [
            "add",
            "--ignore-scripts",
            "--save-exact",
            ...(existsSync(join(projectDir, "pnpm-workspace.yaml")) ? ["-w"] : []),
            spec,
          ]
        : ["add", "--ignore-scripts", "--exact", spec];
  log(`installing ${spec} with ${pm.name} (install scripts skipped)`);
  const undo = async () => {
    const args =
      pm.name === "npm"
        ? ["uninstall", "--ignore-scripts", "--no-audit", "--no-fund", name]
        : ["remove", "--ignore-scripts", name];
    await exec(pm.bin, args, { cwd: projectDir, env, timeoutMs: 10 * 60_000 }).catch(() => null);
    for (const [path, bytes] of saved) {
      if (bytes) await writeFile(path, bytes);
      else await rm(path, { force: true });
    }
    await rm(join(projectDir, "node_modules", hadModules ? name : ""), { recursive: true, force: true });
  };
  const r = await exec(pm.bin, args, { cwd: projectDir, env, timeoutMs: 20 * 60_000 });
  if (r.code !== 0) {
    await undo();
    throw new TensorflowSetupError(`${pm.name} could not install ${spec}:\n${tail(r)}`);
  }
  return { undo };
}
