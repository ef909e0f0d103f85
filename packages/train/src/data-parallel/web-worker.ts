// A data-parallel Web Worker in a browser (started by web-workers.ts, built as
// dist/data-parallel-worker.browser.js): @ln/wasm's browser entry (the training kernels) and the
// browser platform, then the shared worker body over the worker's own message port.
import "@ln/wasm";
import * as tf from "@tensorflow/tfjs";
import { browserPlatform, installPlatform } from "../internal/platform";
import type { ToWorker, WorkerReply } from "./protocol";
import { serveShards } from "./serve-shards";

// The browser platform as it is, without browser-setup.ts's Web Workers: a worker starts none of its own
// (and a bundler following `new Worker(new URL(...))` from inside this script would bundle it into itself).
installPlatform(browserPlatform);
// One thread per worker, as Node's: in a cross-origin isolated page tfjs would load its threaded module,
// which starts a pool of nested workers that this worker never uses; the plain SIMD module runs the same
// kernels without them.
tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);

// A dedicated worker's global scope (the DOM library types `self` as a Window).
const scope = globalThis as unknown as {
  postMessage(message: WorkerReply): void;
  addEventListener(type: "message", listener: (event: { data: ToWorker }) => void): void;
};
serveShards({
  post: (message) => scope.postMessage(message),
  onMessage: (handler) => scope.addEventListener("message", (event) => handler(event.data)),
});
