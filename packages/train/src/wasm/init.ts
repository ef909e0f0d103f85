import { getBackend, setBackend } from "@tensorflow/tfjs";
import { setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { registerWasmTrainingKernels } from "./register";

/** Options of {@link initWasmBackend}. */
export interface WasmInitOptions {
  /**
   * Folder (or URL prefix, ending in `/`) holding tfjs's `.wasm` binaries. In Node it
   * defaults to the installed `@tensorflow/tfjs-backend-wasm/dist/`; in a browser to
   * wherever the backend looks by itself (next to the bundled script).
   */
  wasmDir?: string;
}

let pathsSet = false;

/** Where Node finds the installed backend's `.wasm` files; null outside Node. */
async function nodeWasmDir(): Promise<string | null> {
  if (typeof process === "undefined" || process.versions?.node == null) return null;
  const { createRequire } = await import("node:module");
  const { dirname, sep } = await import("node:path");
  // ESM build: import.meta.url; CJS build: __filename (import.meta is empty there).
  const base = typeof __filename === "string" ? __filename : import.meta.url;
  const main = createRequire(base).resolve("@tensorflow/tfjs-backend-wasm");
  return dirname(main) + sep;
}

/**
 * Makes `wasm` the active tfjs backend, able to train: points it at its `.wasm`
 * binaries (robust to bundling and to ESM/CJS), registers the training kernels and
 * waits until it is ready. Returns the backend name.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { initWasmBackend } from "@ln/train";
 * await initWasmBackend();
 * console.log(tf.getBackend()); // "wasm"
 * ```
 */
export async function initWasmBackend(options: WasmInitOptions = {}): Promise<string> {
  registerWasmTrainingKernels();
  if (getBackend() === "wasm") return "wasm";
  if (!pathsSet) {
    const dir = options.wasmDir ?? (await nodeWasmDir());
    if (dir != null) setWasmPaths(dir);
    // One thread: the stock backend cannot start workers in Node.
    setThreadsCount(1);
    pathsSet = true;
  }
  const ok = await setBackend("wasm");
  if (!ok) {
    throw new Error("@ln/train: the wasm backend failed to initialize (see the warning tfjs printed above)");
  }
  return "wasm";
}
