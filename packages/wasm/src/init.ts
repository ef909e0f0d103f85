import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { engine, env, getBackend, setBackend } from "@tensorflow/tfjs-core";
import { activationSharedModule, loadActivationKernel } from "./activation-simd";
import { avgPoolGradSharedModule, loadAvgPoolGradKernel } from "./avg-pool-grad-simd";
import { avgPoolSharedModule, loadAvgPoolKernel } from "./avg-pool-simd";
import { loadConvGemmKernel } from "./conv-gemm";
import { filterGradSharedModule, loadFilterGradKernel } from "./conv2d-backprop-filter-simd";
import { conv2dSharedModule, loadConv2DKernel } from "./conv2d-simd";
import { kernelThreads, startKernelThreads } from "./kernel-threads";
import { loadMatMulKernel, matMulSharedModule } from "./matmul-simd";
import { loadMaxPoolGradKernel } from "./max-pool-grad-simd";
import { platform } from "./platform";
import { registerWasmTrainingKernels } from "./register";
import { loadSumKernel } from "./sum-simd";
import { stackIn, type TfjsMemoryBackend, tfjsMemory } from "./tfjs-memory";

/** Options of {@link initWasmBackend}. */
export interface WasmInitOptions {
  /**
   * Folder (or URL prefix, ending in `/`) holding tfjs's `.wasm` binaries. In Node it
   * defaults to the installed `@tensorflow/tfjs-backend-wasm/dist/`; in a browser to the
   * copies this package ships beside its bundle, which Vite, webpack 5 and other bundlers
   * that understand `new URL("./file.wasm", import.meta.url)` copy into the app.
   */
  wasmDir?: string;
  /**
   * Threads (default 1). Above 1, in Node our kernels (convolutions, their gradients, pools,
   * activation gradients, matrix products) split each call over that many threads, while tfjs's
   * own kernels (XNNPACK) run on one; in a browser XNNPACK's kernels use them. Node gets wasm
   * threads through a worker script written to the OS temp folder; no thread keeps the process alive.
   * A browser page gets them when it is cross-origin isolated (served with
   * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
   * require-corp`). Where threads are unavailable (no SharedArrayBuffer, or a page
   * that is not isolated) it warns and runs on one thread.
   */
  threads?: number;
}

/**
 * The thread count the wasm backend runs with, once initialized; else null.
 *
 * @example
 * ```ts
 * import { initWasmBackend, wasmThreads } from "@ln/wasm";
 * await initWasmBackend({ threads: 2 });
 * console.log(wasmThreads()); // 2 where wasm threads work, else 1 (with a warning)
 * ```
 */
export function wasmThreads(): number | null {
  try {
    return Math.max(getThreadsCount(), kernelThreads().threads);
  } catch {
    return null;
  }
}

let pathsSet = false;
/** The count asked for at the first init (what later calls must agree with). */
let requested: number | null = null;

/**
 * Makes `wasm` the active tfjs backend, able to train: points it at its `.wasm`
 * binaries (robust to bundling and to ESM/CJS), registers the training kernels and
 * waits until it is ready. Returns the number of threads it runs on.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { initWasmBackend } from "@ln/wasm";
 * const threads = await initWasmBackend();
 * console.log(tf.getBackend(), threads); // "wasm" 1
 * ```
 */
export async function initWasmBackend(options: WasmInitOptions = {}): Promise<number> {
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`@ln/wasm: threads must be a whole number >= 1, got ${threads}`);
  }
  registerWasmTrainingKernels();
  // Our SIMD kernels; any that fails to compile leaves XNNPACK's path in place.
  await Promise.all([
    loadFilterGradKernel(),
    loadConv2DKernel(),
    loadSumKernel(),
    loadAvgPoolKernel(),
    loadAvgPoolGradKernel(),
    loadMaxPoolGradKernel(),
    loadActivationKernel(),
    loadMatMulKernel(),
    loadConvGemmKernel(),
  ]);
  const running = wasmThreads();
  if (running != null) {
    if (options.threads != null && threads !== (requested ?? running)) {
      throw new Error(
        `@ln/wasm: the wasm backend already runs with ${running} thread(s); threads: ${threads} must be chosen before it first initializes`,
      );
    }
    if (getBackend() !== "wasm") await setBackend("wasm");
    return running;
  }
  const runtime = platform();
  let count = threads;
  // Where our kernels get helper threads (a worker thread in Node, a Web Worker in a browser), tfjs's
  // XNNPACK pool keeps one thread: its threads spin after each of its calls, on the cores our helpers
  // need. LeNet training on 2 threads: 7,300 ex/s with both pools (below one thread's 8,000), 11,600
  // with ours alone (docs/perf.md, "Threads inside our kernels").
  const ourHelpers = threads > 1 && runtime.startThread !== undefined;
  if (!pathsSet) {
    const paths = options.wasmDir ?? runtime.wasmPaths();
    if (paths != null) setWasmPaths(paths);
    let why = threads > 1 ? runtime.threadsUnavailableReason() : null;
    if (why == null && threads > 1) {
      try {
        await runtime.enableThreads();
      } catch (error) {
        why = `wasm threads could not be set up: ${(error as Error).message}`;
      }
    }
    if (why != null) {
      console.warn(`@ln/wasm: running wasm on 1 thread instead of ${threads}: ${why}`);
      count = 1;
    }
    setThreadsCount(ourHelpers ? 1 : count);
    // On one thread, tfjs's plain SIMD module: a cross-origin isolated page would otherwise load the
    // threaded one, whose shared memory and atomics cost the one thread ~15 % (LeNet in Chromium 156,
    // 5,321 -> 6,109 examples/s; docs/perf.md, "Both cores").
    if (count === 1) env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    pathsSet = true;
    requested = threads;
  }
  const start = () => setBackend("wasm");
  const ok = await runtime.startBackend(count, start);
  if (!ok) {
    throw new Error("@ln/wasm: the wasm backend failed to initialize (see the warning tfjs printed above)");
  }
  if (count > 1 && ourHelpers) await startHelpers(count - 1);
  const actual = wasmThreads();
  if (actual != null && actual !== count) {
    console.warn(`@ln/wasm: asked for ${threads} wasm threads, the backend runs ${actual}`);
  }
  return actual ?? count;
}

/**
 * Our kernels' helper threads (kernel-threads.ts) on the threaded backend's shared memory, so that our
 * convolutions, filter gradients, sigmoids and activation gradients, average pools and matrix products are split
 * over the threads asked for.
 */
async function startHelpers(count: number): Promise<void> {
  const backend = engine().findBackend("wasm") as unknown as TfjsMemoryBackend;
  const memory = tfjsMemory(backend);
  if (!(memory?.buffer instanceof SharedArrayBuffer) || !backend.wasm) return;
  const wasm = backend.wasm;
  const modules = {
    conv: conv2dSharedModule(),
    filter: filterGradSharedModule(),
    activation: activationSharedModule(),
    avgPool: avgPoolSharedModule(),
    avgPoolGrad: avgPoolGradSharedModule(),
    matmul: matMulSharedModule(),
  };
  await startKernelThreads(count, memory, modules, () => stackIn(wasm));
}
