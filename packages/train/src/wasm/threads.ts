import { env } from "@tensorflow/tfjs";

/**
 * wasm threads in Node. tfjs turns them off there (WASM_HAS_MULTITHREAD_SUPPORT is
 * false under Node) because Emscripten is handed `blob:` URLs for its worker script
 * and for the module script the workers load, and Node's Worker cannot load those.
 * We write the worker script to a real file, make the main thread's
 * URL.createObjectURL return that file for tfjs's worker blob (only that blob,
 * recognised by type and size), and make the workers load the module from the
 * installed package file instead of the blob.
 */

/** Same bytes as tfjs's own threads check: a module using shared memory and atomics. */
const THREADS_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254,
  16, 2, 0, 26, 11,
]);

/** Why this runtime cannot run wasm threads, or null when it can. */
export function threadsUnavailableReason(): string | null {
  if (typeof SharedArrayBuffer !== "function") return "SharedArrayBuffer is not available";
  try {
    if (!WebAssembly.validate(THREADS_PROBE)) return "this WebAssembly engine has no threads (atomics)";
  } catch {
    return "WebAssembly is not available";
  }
  return null;
}

let installed: Promise<void> | null = null;

/**
 * Prepares Node so that the next wasm backend init starts with threads. Idempotent.
 * Call before the backend initializes.
 */
export function enableNodeThreads(): Promise<void> {
  installed ??= install();
  return installed;
}

async function install(): Promise<void> {
  const { createRequire } = await import("node:module");
  const { dirname, join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const { createHash } = await import("node:crypto");
  const fs = await import("node:fs");
  // ESM build: import.meta.url; CJS build: __filename (import.meta is empty there).
  const base = typeof __filename === "string" ? __filename : import.meta.url;
  const req = createRequire(base);
  const main = req.resolve("@tensorflow/tfjs-backend-wasm");
  const moduleScript = join(dirname(main), "..", "wasm-out", "tfjs-backend-wasm-threaded-simd.js");
  const { wasmWorkerContents } = req(
    join(dirname(main), "..", "wasm-out", "tfjs-backend-wasm-threaded-simd.worker.js"),
  ) as {
    wasmWorkerContents: string;
  };
  if (!fs.existsSync(moduleScript))
    throw new Error(`@ln/train: wasm threads need ${moduleScript}, which is missing`);

  // In the worker, the only object URL asked for is the module script's: hand it the file.
  const prelude = `URL.createObjectURL=function(){return ${JSON.stringify(moduleScript)}};URL.revokeObjectURL=function(){};`;
  // As tfjs does for its blob: the string holds raw newlines inside JS string literals.
  const contents = wasmWorkerContents.replace(/\n/g, "\\n");
  const strict = '"use strict";';
  const body = contents.startsWith(strict) ? contents.slice(strict.length) : contents;
  const script = `${strict}${prelude}${body}`;
  const hash = createHash("sha256").update(script).digest("hex").slice(0, 16);
  // .cjs: the worker uses require(), whatever package.json sits above the temp dir.
  const workerFile = join(tmpdir(), `ln-train-tfjs-wasm-worker-${hash}.cjs`);
  if (!fs.existsSync(workerFile)) {
    const partial = `${workerFile}.${process.pid}.tmp`;
    fs.writeFileSync(partial, script);
    fs.renameSync(partial, workerFile); // atomic: concurrent processes never see half a file
  }

  // tfjs escapes newlines before making its worker blob; that length identifies it.
  const blobSize = Buffer.byteLength(contents);
  const original = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (obj: Blob | MediaSource): string => {
    if (obj instanceof Blob && obj.type === "application/javascript" && obj.size === blobSize)
      return workerFile;
    return original(obj as Blob);
  };
  env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
}

/** Minimal view of Emscripten's thread registry on the wasm module. */
interface PThreadLike {
  unusedWorkers: { unref(): void }[];
  runningWorkers: { unref(): void }[];
}

/**
 * Lets the process exit while the backend's worker threads idle: Emscripten refs a
 * worker while its thread runs, and XNNPACK's pool threads run (wait) forever.
 */
export function unrefWorkers(backend: unknown): void {
  const pthread = (backend as { wasm?: { PThread?: PThreadLike } }).wasm?.PThread;
  if (pthread == null) return;
  for (const w of [...pthread.unusedWorkers, ...pthread.runningWorkers]) w.unref();
}

/**
 * Runs `f` (the backend's init) while Node reports `2 · threads` logical cores. The
 * threaded tfjs module caps its XNNPACK pool at half the cores `os.cpus()` reports,
 * whatever thread count it is given, so on a 2-core machine it would run 1 thread.
 * The real value is restored as soon as the backend is up.
 */
export async function withThreadCap<T>(threads: number, f: () => Promise<T>): Promise<T> {
  const { createRequire } = await import("node:module");
  const base = typeof __filename === "string" ? __filename : import.meta.url;
  // The CommonJS module object: the one Emscripten's require("os") sees.
  const os = createRequire(base)("node:os") as { cpus: () => unknown[] };
  const real = os.cpus;
  os.cpus = () => {
    const cpus = real.call(os);
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % Math.max(cpus.length, 1)]);
  };
  try {
    return await f();
  } finally {
    os.cpus = real;
  }
}
