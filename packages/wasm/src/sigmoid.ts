import { type KernelConfig, type KernelFunc, Sigmoid, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { activationKernel, runOverValues } from "./activation-simd";
import { kernelThreads } from "./kernel-threads";
import { call, markOurs, type WasmBackendLike } from "./stock";
import { addressOf, type TfjsHeapBackend, tfjsMemory } from "./tfjs-memory";

/** When our sigmoid runs: only where it is split over our kernel threads (the default), always, never. */
export type SigmoidKernelUse = "split" | "always" | "never";

let use: SigmoidKernelUse = "split";

/** Chooses when Sigmoid runs in our kernel rather than XNNPACK's: the baseline a benchmark compares. Internal. */
export function useSigmoidKernel(when: SigmoidKernelUse): void {
  use = when;
}

/**
 * Sigmoid for wasm. On one thread XNNPACK's kernel (tfjs's) is as fast as ours, and its results are
 * what every other backend's tests were written against, so it stays; where our kernel threads run
 * (wasm threads > 1), tfjs's pool has one thread (init.ts) and XNNPACK's sigmoid would run on the
 * calling thread alone. There ours (activation-simd/kernel.c, within 9e-8 of the exact value, as
 * XNNPACK's) is split over the threads: a LeNet step on 2 threads 1.06x faster (bench/sigmoid.ts).
 */
function sigmoid(args: { inputs: { x: TensorInfo }; backend: WasmBackendLike }): TensorInfo {
  const { inputs, backend } = args;
  const { x } = inputs;
  const heap = backend as TfjsHeapBackend;
  const memory = tfjsMemory(heap);
  const simd = activationKernel(heap);
  const wanted = use === "always" || (use === "split" && kernelThreads(memory).threads > 1);
  if (!wanted || simd == null || x.dtype !== "float32") return call(Sigmoid, backend, inputs);
  const y = heap.makeOutput(x.shape, "float32");
  const n = util.sizeFromShape(x.shape);
  if (n > 0) runOverValues(heap, "sigmoid", simd, n, [addressOf(heap, x), addressOf(heap, y)]);
  return y;
}

export const sigmoidConfig: KernelConfig = {
  kernelName: Sigmoid,
  backendName: "wasm",
  kernelFunc: markOurs(sigmoid as unknown as KernelFunc),
};
