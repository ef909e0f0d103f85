// Node's half of the wasm setup (the .wasm folder, threads), installed by index.ts; the browser
// entry never imports this file.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { setFlagsFromString } from "node:v8";
import { engine, env } from "@tensorflow/tfjs-core";
import { engineThreadsUnavailableReason, type WasmPlatform } from "./platform";
import { engineHasRelaxedSimd } from "./simd-module";

// ESM build: import.meta.url; CJS build: __filename (import.meta is empty there).
const req = createRequire(typeof __filename === "string" ? __filename : import.meta.url);

/** dist/ of the installed @tensorflow/tfjs-backend-wasm (its Node main lives there). */
function backendDist(): string {
  return dirname(req.resolve("@tensorflow/tfjs-backend-wasm"));
}

/*
 * Relaxed SIMD on Node 20. Node >= 21 has it on; Node 20's V8 (11.3, one release before V8 shipped
 * it) has the finished feature behind --experimental-wasm-relaxed-simd. Setting that flag here, at
 * run time, is safe: Node runs V8 with --no-freeze-flags-after-init (what v8.setFlagsFromString
 * relies on); V8 reads the wasm feature flags when it validates or compiles a module, so every
 * module compiled after this line may hold relaxed instructions and none compiled before changes;
 * tfjs's own modules hold none; and it runs at import, before any of our modules or tfjs's threads
 * are compiled. Checked on Node 20.20: WebAssembly.validate(RELAXED_SIMD_PROBE) turns true, and the
 * relaxed kernels match the plain ones and tfjs's cpu backend (relaxed-simd.test.ts). Only on Node
 * 20 (where this was checked), only when the engine lacks the feature, and only in the Node entry.
 */
if (process.versions.node.split(".")[0] === "20" && !engineHasRelaxedSimd()) {
  setFlagsFromString("--experimental-wasm-relaxed-simd");
}

/*
 * wasm threads in Node. tfjs turns them off there (WASM_HAS_MULTITHREAD_SUPPORT is
 * false under Node) because Emscripten is handed `blob:` URLs for its worker script
 * and for the module script the workers load, and Node's Worker cannot load those.
 * We write the worker script to a real file, make the main thread's
 * URL.createObjectURL return that file for tfjs's worker blob (only that blob,
 * recognised by type and size), and make the workers load the module from the
 * installed package file instead of the blob.
 */
let threadsReady: Promise<void> | null = null;

async function installThreads(): Promise<void> {
  const wasmOut = join(backendDist(), "..", "wasm-out");
  const moduleScript = join(wasmOut, "tfjs-backend-wasm-threaded-simd.js");
  if (!fs.existsSync(moduleScript))
    throw new Error(`@ln/wasm: wasm threads need ${moduleScript}, which is missing`);
  const { wasmWorkerContents } = req(join(wasmOut, "tfjs-backend-wasm-threaded-simd.worker.js")) as {
    wasmWorkerContents: string;
  };
  // As tfjs does for its blob: the string holds raw newlines inside JS string literals.
  const contents = wasmWorkerContents.replace(/\n/g, "\\n");
  // In the worker, the only object URL asked for is the module script's: hand it the file.
  const prelude = `URL.createObjectURL=function(){return ${JSON.stringify(moduleScript)}};URL.revokeObjectURL=function(){};`;
  const strict = '"use strict";';
  const body = contents.startsWith(strict) ? contents.slice(strict.length) : contents;
  const script = `${strict}${prelude}${body}`;
  const hash = createHash("sha256").update(script).digest("hex").slice(0, 16);
  // .cjs: the worker uses require(), whatever package.json sits above the temp dir.
  const workerFile = join(tmpdir(), `ln-wasm-tfjs-worker-${hash}.cjs`);
  if (!fs.existsSync(workerFile)) {
    const partial = `${workerFile}.${process.pid}.tmp`;
    fs.writeFileSync(partial, script);
    fs.renameSync(partial, workerFile); // atomic: concurrent processes never see half a file
  }
  // tfjs makes its worker blob from `contents`; type and size identify it.
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

export const nodePlatform: WasmPlatform = {
  wasmPaths: () => backendDist() + sep,
  threadsUnavailableReason: engineThreadsUnavailableReason,

  enableThreads() {
    threadsReady ??= installThreads();
    return threadsReady;
  },

  async startBackend(threads, start) {
    const handlers = processHandlers();
    try {
      return threads > 1 ? await withThreadCap(threads, start) : await start();
    } finally {
      removeHandlersAddedSince(handlers);
      unrefWorkers(engine().findBackend("wasm"));
    }
  },

  startThread(source, data) {
    const { Worker } = req("node:worker_threads") as typeof import("node:worker_threads");
    const script = `${source}\nconst { workerData, parentPort } = require("node:worker_threads");\nmain(workerData, (m) => parentPort.postMessage(m));`;
    const worker = new Worker(script, { eval: true, workerData: data });
    worker.unref(); // a helper never keeps the process alive
    const ready = new Promise<void>((resolve, reject) => {
      worker.once("message", (m: { type: string; message?: string }) =>
        m.type === "ready" ? resolve() : reject(new Error(m.message)),
      );
      worker.once("error", reject);
    });
    return { ready, stop: () => void worker.terminate() };
  },
};

/*
 * Emscripten's Node glue adds process handlers as the module starts: on "uncaughtException" it
 * rethrows (so every error a user's own code leaves uncaught exits with code 7, its first frame in
 * tf-backend-wasm.node.js, after pages of minified code under tsx), and on "unhandledRejection"
 * it throws. tfjs's module never calls exit(), which is all the first is for; removing both gives
 * Node's own behaviour back (exit code 1, the user's stack).
 */
const PROCESS_EVENTS = ["uncaughtException", "unhandledRejection"] as const;

// As a plain emitter: Process's overloads of listeners() take one event name type at a time.
const emitter = process as unknown as NodeJS.EventEmitter;

function processHandlers(): Map<string, Set<unknown>> {
  return new Map(PROCESS_EVENTS.map((e) => [e, new Set<unknown>(emitter.listeners(e))]));
}

function removeHandlersAddedSince(before: Map<string, Set<unknown>>): void {
  for (const event of PROCESS_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener))
        emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
}

/**
 * The threaded module caps its XNNPACK pool at half the cores `os.cpus()` reports, whatever thread
 * count it is given (1 thread on a 2-core machine), so Node reports 2·threads cores while the
 * backend initializes; the real function is restored after.
 */
async function withThreadCap<T>(threads: number, f: () => Promise<T>): Promise<T> {
  // The CommonJS module object: the one Emscripten's require("os") sees.
  const os = req("node:os") as { cpus: () => unknown[] };
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

/**
 * Emscripten refs a worker while its thread runs, and XNNPACK's pool threads run (wait) forever:
 * without this, a script that trained with threads never exits.
 */
function unrefWorkers(backend: unknown): void {
  const pthread = (backend as { wasm?: { PThread?: PThreadLike } } | undefined)?.wasm?.PThread;
  if (pthread == null) return;
  for (const w of [...pthread.unusedWorkers, ...pthread.runningWorkers]) w.unref();
}
