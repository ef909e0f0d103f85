// Run by threads.test.ts in a child process: trains a few SGD steps on wasm with the
// thread count given as argv[2] (threads-work.ts), prints the result as JSON, and then simply ends;
// the test checks that the process exits by itself (no worker keeps it alive).
import { initWasmBackend, kernelThreads, wasmThreads } from "../index";
import { threadsWork } from "./threads-work";

const threads = Number(process.argv[2] ?? 1);
await initWasmBackend({ threads });
const work = threadsWork();
const kernels = kernelThreads();
process.stdout.write(
  `${JSON.stringify({ threads: wasmThreads(), kernelThreads: kernels.threads, byHelpers: kernels.byHelpers, ...work })}\n`,
);
