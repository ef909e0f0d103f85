/**
 * What setting up the wasm backend needs from the runtime, behind one interface so that browser
 * bundles reach no Node module. Each entry point installs its implementation on import: index.ts
 * the Node one (node.ts), index.browser.ts the browser one (browser.ts).
 */
import type { HelperThread } from "./kernel-threads";

/** A folder or URL prefix of tfjs's `.wasm` binaries, or a URL for each of them by file name. */
export type WasmPaths = string | Record<string, string>;

export interface WasmPlatform {
  /**
   * Where tfjs's `.wasm` binaries are, as `setWasmPaths` takes it: a folder or URL prefix (ending in a
   * separator), or a URL for each binary; undefined leaves tfjs's default (beside the page's script).
   */
  wasmPaths(): WasmPaths | undefined;
  /** Why this runtime cannot run wasm threads, or null when it can. */
  threadsUnavailableReason(): string | null;
  /** Makes the next backend init start wasm threads (idempotent). */
  enableThreads(): Promise<void>;
  /**
   * Runs `start` (the backend's init) so that its thread pool is not capped below `threads`, and
   * undoes what the backend's start leaves on the runtime that is not the backend's business.
   */
  startBackend(threads: number, start: () => Promise<boolean>): Promise<boolean>;
  /**
   * Starts a thread running `source`, JavaScript that defines `main(data, reply)`, with `data` (shared
   * memory and compiled modules travel as they are) and `reply` posting back to `ready`; it must not
   * keep a Node process alive. A worker thread in Node, a Web Worker in a browser; where absent, our
   * kernels run on the calling thread alone (kernel-threads.ts).
   */
  startThread?(source: string, data: unknown): HelperThread;
}

let installed: WasmPlatform | undefined;

/** Installs the runtime's implementation (each entry point calls it once, on import). */
export function installPlatform(value: WasmPlatform): void {
  installed = value;
}

/** The installed implementation; throws if no entry point of @ln/wasm was imported. */
export function platform(): WasmPlatform {
  if (installed === undefined) {
    throw new Error(`@ln/wasm: no platform is installed; import "@ln/wasm" (not a file inside it) first`);
  }
  return installed;
}

/** Same bytes as tfjs's own threads check: a module using shared memory and atomics. */
const THREADS_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254,
  16, 2, 0, 26, 11,
]);

/** Why this engine cannot run wasm threads (no shared memory or atomics), or null when it can. */
export function engineThreadsUnavailableReason(): string | null {
  if (typeof SharedArrayBuffer !== "function") {
    return "SharedArrayBuffer is not available (in a browser, the page must be cross-origin isolated)";
  }
  try {
    if (!WebAssembly.validate(THREADS_PROBE)) return "this WebAssembly engine has no threads (atomics)";
  } catch {
    return "WebAssembly is not available";
  }
  return null;
}
