import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runScriptToExit } from "../internal/testing";
import { relativeError } from "./test-support";

const child = fileURLToPath(new URL("./threads-child.ts", import.meta.url));

/** Runs the child with `threads` and parses its JSON; rejects if it has not exited by itself. */
async function runChild(threads: number): Promise<{ threads: number; weights: number[][] }> {
  const out = await runScriptToExit(child, [String(threads)]);
  const line = out.split("\n").find((l) => l.startsWith("{"));
  if (line == null) throw new Error(`child printed no result: ${out.slice(-2000)}`);
  return JSON.parse(line);
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
