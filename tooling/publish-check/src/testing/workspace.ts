import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../../../..");

export interface PublishedPackage {
  name: string;
  version: string;
  dir: string;
  manifest: Record<string, unknown>;
}

/** Every non-private package under packages/: the ones users `pnpm add`. */
export function publishedPackages(): PublishedPackage[] {
  const base = join(root, "packages");
  return readdirSync(base)
    .map((entry) => join(base, entry))
    .filter((dir) => existsSync(join(dir, "package.json")) && existsSync(join(dir, "src", "index.ts")))
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      return { name: manifest.name, version: manifest.version, dir, manifest };
    })
    .filter((pkg) => pkg.manifest.private !== true);
}

/** Packs the package in `dir` with `pnpm pack` into `destination` and returns the tarball's path. */
export function packTarball(dir: string, destination: string): string {
  const before = new Set(readdirSync(destination));
  run("pnpm", ["pack", "--pack-destination", destination], dir);
  const made = readdirSync(destination).filter((f) => f.endsWith(".tgz") && !before.has(f));
  if (made.length !== 1)
    throw new Error(`pnpm pack in ${dir} made ${made.length} tarballs: ${made.join(", ")}`);
  return join(destination, made[0]);
}

/** Runs a command, returning its output; a failure throws with the output in the message. */
export function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: cleanEnv(),
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(" ")} failed in ${cwd}:\n${e.stdout ?? ""}\n${e.stderr ?? ""}\n${e.message}`,
    );
  }
}

// pnpm run exports npm_* variables that would make a nested pnpm think it runs inside the workspace.
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("npm_")));
}
