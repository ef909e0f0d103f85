// jax-js's wasm backend goes multi-threaded only where `Worker` (the Web Worker) and SharedArrayBuffer
// exist; it then starts `navigator.hardwareConcurrency` workers (4 if there is no navigator) from a
// blob: URL and runs each kernel's range split over them, the main thread only dispatching. Node has
// SharedArrayBuffer but no global `Worker`, so there jax-js computes on the main thread alone. This file
// gives it one: a Web Worker made of a worker_threads Worker, enough for what jax-js's pool does
// (a classic-script source from a blob: URL; onmessage, onerror, postMessage). Install it before jax-js
// is first imported: its backend and pool are made as the module loads.
import { resolveObjectURL } from "node:buffer";
import { Worker as NodeWorker } from "node:worker_threads";

// Inside the thread: the Web Worker globals the source uses, then the source itself (the first message).
const BOOTSTRAP = `
const { parentPort } = require("node:worker_threads");
globalThis.self = globalThis;
globalThis.postMessage = (data) => parentPort.postMessage(data);
parentPort.once("message", (source) => {
  (0, eval)(source);
  parentPort.on("message", (data) => globalThis.onmessage?.({ data }));
});
`;

class WebWorkerOnNode {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: { message: string }) => void) | null = null;
  readonly #thread: NodeWorker;
  /** Messages posted before the source was read (the Blob is read asynchronously); then null. */
  #queued: unknown[] | null = [];

  constructor(url: string | URL) {
    const blob = resolveObjectURL(String(url));
    if (blob === undefined) throw new Error(`node-worker: ${url} is no blob: URL of this process`);
    this.#thread = new NodeWorker(BOOTSTRAP, { eval: true });
    this.#thread.on("message", (data) => this.onmessage?.({ data }));
    this.#thread.on("error", (error) => this.onerror?.({ message: error.message }));
    void blob.text().then((source) => {
      this.#thread.postMessage(source);
      for (const message of this.#queued ?? []) this.#thread.postMessage(message);
      this.#queued = null;
    });
  }

  postMessage(message: unknown): void {
    if (this.#queued) this.#queued.push(message);
    else this.#thread.postMessage(message);
  }

  terminate(): void {
    void this.#thread.terminate();
  }
}

/**
 * Makes jax-js (imported after this call) run its wasm kernels on `threads` worker threads. The
 * workers stay referenced, as jax-js never ends them: the caller exits the process when done.
 */
export function installWebWorkers(threads: number): void {
  Object.defineProperty(globalThis, "Worker", { value: WebWorkerOnNode, configurable: true, writable: true });
  // Node 21+ has a navigator (hardwareConcurrency: every core); Node 20 has none. jax-js reads it once.
  Object.defineProperty(globalThis, "navigator", {
    value: { hardwareConcurrency: threads },
    configurable: true,
    writable: true,
  });
}
