import { spawnSync } from "node:child_process";

/**
 * Runs one side of a bench in its own process and returns the JSON object its last stdout line holds.
 * A non-zero exit, or a last line that is not JSON, throws with `label` and the end of its stderr.
 */
export function runForJson<T>(label: string, command: string, args: string[], cwd: string): T {
  const run = spawnSync(command, args, { encoding: "utf8", cwd });
  const last = run.stdout.trim().split("\n").at(-1) ?? "";
  if (run.status !== 0 || !last.startsWith("{")) {
    throw new Error(`${label} failed (exit ${run.status}):\n${run.stderr.slice(-3000)}`);
  }
  return JSON.parse(last) as T;
}
