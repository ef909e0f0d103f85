/**
 * What the wasm setup needs from Node, kept behind an interface so that browser
 * bundles reach no Node module: `./node.ts` installs the implementation (the Node
 * entry imports it); in a browser nothing does, and tfjs's own defaults apply.
 */
export interface WasmNodeSupport {
  /** Folder holding the installed backend's `.wasm` binaries, ending in a separator. */
  wasmDir(): string;
  /** Makes the next backend init start wasm threads (idempotent). */
  enableThreads(): Promise<void>;
  /** Runs the backend's init so that its pool is not capped below `threads`. */
  withThreadCap<T>(threads: number, f: () => Promise<T>): Promise<T>;
  /** Lets the process exit while the backend's worker threads idle. */
  unrefWorkers(backend: unknown): void;
}

let support: WasmNodeSupport | undefined;

/** Installs the Node implementation (called by `./node.ts`). */
export function setWasmNodeSupport(value: WasmNodeSupport): void {
  support = value;
}

/** The Node implementation, or undefined (browser, or Node without the Node entry). */
export function wasmNodeSupport(): WasmNodeSupport | undefined {
  return support;
}

/** Same bytes as tfjs's own threads check: a module using shared memory and atomics. */
const THREADS_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254,
  16, 2, 0, 26, 11,
]);

/** Why this runtime cannot run wasm threads, or null when it can. */
export function threadsUnavailableReason(): string | null {
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

/**
 * Browser twin of the Node support's `withThreadCap`: tfjs's threaded module caps its
 * XNNPACK pool at half of `navigator.hardwareConcurrency` (read once, as the module
 * starts), so one thread on a 2-core machine whatever count it is given. The page's
 * navigator reports 2·threads while `f` starts the backend; the real value is back after.
 */
export async function withBrowserThreadCap<T>(threads: number, f: () => Promise<T>): Promise<T> {
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav == null) return f();
  // An own property shadows Navigator.prototype's getter; deleting it restores that getter.
  Object.defineProperty(nav, "hardwareConcurrency", { configurable: true, get: () => 2 * threads });
  try {
    return await f();
  } finally {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

/** True under Node.js. */
export function isNode(): boolean {
  return typeof process !== "undefined" && process.versions?.node != null;
}
