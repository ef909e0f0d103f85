import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { relativeError } from "./test-support";

const child = fileURLToPath(new URL("./threads-child.ts", import.meta.url));

/** Runs the child with `threads`; resolves with its JSON, or rejects if it has not
 * exited by itself within the time limit. */
function runChild(threads: number, limitMs = 60_000): Promise<{ threads: number; weights: number[][] }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", child, String(threads)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d) => {
      out += d;
    });
    proc.stderr.on("data", (d) => {
      err += d;
    });
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`child with ${threads} threads did not exit by itself within ${limitMs} ms`));
    }, limitMs);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`child exited with ${code}: ${err.slice(-2000)}`));
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line == null)
        return reject(new Error(`child printed no result: ${out.slice(-2000)} ${err.slice(-2000)}`));
      resolve(JSON.parse(line));
    });
  });
}

describe("wasm threads in Node", () => {
  it("trains on 2 threads like on 1, and the process exits by itself", async () => {
    const [one, two] = await Promise.all([runChild(1), runChild(2)]);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    for (let i = 0; i < one.weights.length; i++) {
      expect(relativeError(two.weights[i], one.weights[i]), `weight ${i}`).toBeLessThan(1e-4);
    }
  }, 120_000);
});
