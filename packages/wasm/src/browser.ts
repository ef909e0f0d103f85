// The browser's half of the wasm setup (installed by index.browser.ts).
import type { HelperThread } from "./kernel-threads";
import { engineThreadsUnavailableReason, type WasmPaths, type WasmPlatform } from "./platform";

/**
 * The `.wasm` binaries of the pinned @tensorflow/tfjs-backend-wasm, which the build copies beside this
 * bundle (tsup.config.ts). Written as `new URL("./file.wasm", import.meta.url)`, the pattern
 * Vite, webpack 5, Rollup and Parcel recognise: they copy each file into the app and rewrite the URL,
 * so an app finds the binaries with no configuration. The CommonJS build has no `import.meta.url`:
 * there tfjs keeps its default (beside the page's script) and `initWasmBackend({ wasmDir })` decides.
 */
function bundledWasmPaths(): WasmPaths | undefined {
  try {
    return {
      "tfjs-backend-wasm.wasm": new URL("./tfjs-backend-wasm.wasm", import.meta.url).href,
      "tfjs-backend-wasm-simd.wasm": new URL("./tfjs-backend-wasm-simd.wasm", import.meta.url).href,
      "tfjs-backend-wasm-threaded-simd.wasm": new URL(
        "./tfjs-backend-wasm-threaded-simd.wasm",
        import.meta.url,
      ).href,
    };
  } catch {
    return undefined;
  }
}

export const browserPlatform: WasmPlatform = {
  wasmPaths: bundledWasmPaths,
  threadsUnavailableReason: engineThreadsUnavailableReason,
  // Browsers start wasm threads by themselves when the page is cross-origin isolated.
  enableThreads: () => Promise.resolve(),

  /**
   * tfjs's threaded module caps its XNNPACK pool at half of `navigator.hardwareConcurrency` (read
   * once, as the module starts), so one thread on a 2-core machine whatever count it is given. The
   * page's navigator reports 2·threads while `start` runs; the real value is back after.
   */
  async startBackend(threads, start) {
    const nav = (globalThis as { navigator?: object }).navigator;
    if (threads === 1 || nav == null) return start();
    // An own property shadows Navigator.prototype's getter; deleting it restores that getter.
    Object.defineProperty(nav, "hardwareConcurrency", { configurable: true, get: () => 2 * threads });
    try {
      return await start();
    } finally {
      delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
    }
  },

  // Our kernels' helper threads: a Web Worker each, from a blob of `source` (bundlers cannot rewrite it
  // and there is no file to serve). Shared memory and compiled modules are posted as they are, which a
  // cross-origin isolated page allows; a page that is not never gets here (no SharedArrayBuffer, so
  // wasm runs on one thread).
  startThread: typeof Worker === "function" ? startWorker : undefined,
};

function startWorker(source: string, data: unknown): HelperThread {
  const script = `${source}\nonmessage = (event) => { onmessage = null; main(event.data, (m) => postMessage(m)); };`;
  const url = URL.createObjectURL(new Blob([script], { type: "text/javascript" }));
  const worker = new Worker(url);
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<{ type: string; message?: string }>) =>
      event.data.type === "ready" ? resolve() : reject(new Error(event.data.message));
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message || "a kernel helper's Web Worker failed to start"));
    };
  }).finally(() => URL.revokeObjectURL(url));
  worker.postMessage(data);
  return { ready, stop: () => worker.terminate() };
}
