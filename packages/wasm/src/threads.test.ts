import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, it } from "vitest";
import { expectTwoThreadsLikeOne, type ThreadsResult } from "./testing/threads-checks";

const child = fileURLToPath(new URL("./testing/threads-child.ts", import.meta.url));

/** Runs the child with `threads` and parses its JSON; fails if it has not exited by itself in 60 s. */
async function runChild(threads: number): Promise<ThreadsResult> {
  const run = promisify(execFile);
  const { stdout: out } = await run(process.execPath, ["--import", "tsx", child, String(threads)], {
    timeout: 60_000,
    killSignal: "SIGKILL",
    maxBuffer: 64 * 1024 * 1024, // the gradients of whole nets, as JSON
  });
  const line = out.split("\n").find((l) => l.startsWith("{"));
  if (line == null) throw new Error(`child printed no result: ${out.slice(-2000)}`);
  return JSON.parse(line);
}

describe("wasm threads in Node", () => {
  it("trains on 2 threads like on 1, our kernels split over both, and the process exits by itself", async () => {
    const [one, two] = await Promise.all([runChild(1), runChild(2)]);
    expectTwoThreadsLikeOne(one, two);
  }, 120_000);
});
