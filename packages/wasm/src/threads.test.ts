import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { relativeError } from "./testing/support";

const child = fileURLToPath(new URL("./testing/threads-child.ts", import.meta.url));

/** Runs the child with `threads` and parses its JSON; fails if it has not exited by itself in 60 s. */
interface ChildResult {
  threads: number;
  /** Threads our kernels split their work over, and pieces of it the helper threads computed. */
  kernelThreads: number;
  byHelpers: number;
  weights: number[][];
  /**
   * A conv, its filter gradient, a sigmoid gradient, an average pool and its gradient, and four matrix
   * products (split by rows: plain, b transposed, with bias and relu; split by k: aᵀ·b) at odd sizes.
   */
  odd: number[][];
  /** The error of a split call one of whose pieces trapped (after which another split call ran). */
  failure: string;
}

async function runChild(threads: number): Promise<ChildResult> {
  const run = promisify(execFile);
  const { stdout: out } = await run(process.execPath, ["--import", "tsx", child, String(threads)], {
    timeout: 60_000,
    killSignal: "SIGKILL",
  });
  const line = out.split("\n").find((l) => l.startsWith("{"));
  if (line == null) throw new Error(`child printed no result: ${out.slice(-2000)}`);
  return JSON.parse(line);
}

describe("wasm threads in Node", () => {
  it("trains on 2 threads like on 1, our kernels split over both, and the process exits by itself", async () => {
    const [one, two] = await Promise.all([runChild(1), runChild(2)]);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    // Our convolutions and filter gradients ran split: a helper thread computed some of the pieces.
    expect(one.kernelThreads).toBe(1);
    expect(two.kernelThreads).toBe(2);
    expect(two.byHelpers).toBeGreaterThan(0);
    // Split into uneven pieces, each kernel gives what one thread gives (the filter gradient's sums in
    // another order).
    expect(two.odd).toHaveLength(9);
    for (let i = 0; i < one.odd.length; i++) {
      expect(relativeError(two.odd[i], one.odd[i]), `odd-size output ${i}`).toBeLessThan(1e-6);
    }
    // A piece that traps fails its call (in a helper: an error naming the kernel) and wedges nothing.
    expect(one.failure).toMatch(/memory access out of bounds/);
    expect(two.failure).toMatch(/memory access out of bounds|sigmoid_grad failed in a kernel helper thread/);
    for (let i = 0; i < one.weights.length; i++) {
      expect(relativeError(two.weights[i], one.weights[i]), `weight ${i}`).toBeLessThan(1e-4);
    }
  }, 120_000);
});
