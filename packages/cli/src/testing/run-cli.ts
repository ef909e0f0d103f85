// Runs the built CLI (dist/cli.js) as a user would, for the CLI tests: a real process, real files.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "cli.js");

/** Throws unless the CLI is built (`pnpm test` builds it first). */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (pnpm --filter @ln/cli build)`);
}

export interface Result {
  code: number | null;
  /** The signal that ended the process (SIGKILL for a test's kill -9), else null. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment without the user's data and cache (HOME and the cache under `work`), so only what a test names is found. */
export function cliEnv(work: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { LN_DATA_DIR: _d, XDG_CACHE_HOME: _c, ...rest } = process.env;
  return { ...rest, HOME: work, XDG_CACHE_HOME: join(work, "cache"), ...extra };
}

/** Starts `ln <args>` in `work`. */
export function startCli(work: string, args: string[], extraEnv: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: work,
    env: cliEnv(work, extraEnv),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Waits for `child` to end; its exit code or signal, and what it printed. */
export function collect(child: ChildProcess): Promise<Result> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** stderr without Dawn's note about missing Vulkan, which GPU probing prints on machines without one. */
export function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.trim() !== "" && !/Vulkan|BackendVk/.test(l));
}
