import type { TensorInfo } from "@tensorflow/tfjs-core";
import { WASM_BASE64 } from "./conv2d-backprop-filter-simd/kernel.gen";
import { WASM_BASE64 as RELAXED_WASM_BASE64 } from "./conv2d-backprop-filter-simd/kernel.relaxed.gen";
import { examplePieces, kernelThreads, runSplit } from "./kernel-threads";
import { type ConvShape, convArgs } from "./simd-module";
import {
  addressOf,
  lazyTfjsMemoryKernel,
  type TfjsHeapBackend,
  type TfjsMemoryBackend,
  tfjsMemory,
  withScratch,
} from "./tfjs-memory";

/** conv2d-backprop-filter-simd/kernel.c on tfjs's memory: the arrays are tensors' addresses in tfjs's heap. */
export interface FilterGradExports {
  scratch_bytes(n: number, ci: number, co: number, kh: number, kw: number, oh: number, ow: number): number;
  filter_grad(...args: number[]): void;
  /** filter_grad with the bias gradient's address after dW's. */
  filter_grad_bias(...args: number[]): void;
}

const lazy = lazyTfjsMemoryKernel<FilterGradExports>("filter-gradient", WASM_BASE64, RELAXED_WASM_BASE64);

/** Compiles the kernel once; where that fails, XNNPACK's path stays in use. */
export const loadFilterGradKernel = lazy.load;

/** The kernel on `backend`'s memory once loaded (and SIMD kernels enabled), else undefined. */
export function filterGradKernel(backend: TfjsMemoryBackend): FilterGradExports | undefined {
  return lazy.get(backend);
}

/** The build filterGradKernel() gives, for helper threads (kernel-threads.ts). */
export const filterGradSharedModule = lazy.sharedModule;

/** Which build filterGradKernel() gives: "relaxed" (FMA), "plain" or "none". */
export const filterGradKernelVariant = lazy.variant;

/**
 * dW [kh, kw, ci, co] of `x` [n, h, w, ci] and `dy` [n, oh, ow, co]: `k` run on the tensors where tfjs keeps
 * them; with `db` [co] also the bias gradient (dy summed over n, oh, ow) in the same pass over dy. Where
 * kernel threads run (kernel-threads.ts), each thread's piece of the examples writes its own partial
 * sums (the first straight into dW and db), which are then added in piece order: the same result
 * whichever thread computed which piece.
 */
export function runFilterGrad(
  k: FilterGradExports,
  backend: TfjsHeapBackend,
  x: TensorInfo,
  dy: TensorInfo,
  s: ConvShape,
  dW: TensorInfo,
  db?: TensorInfo,
): void {
  const memory = tfjsMemory(backend);
  const pieces = examplePieces(s.n, memory ? kernelThreads(memory).threads : 1);
  const bytes = (k.scratch_bytes(s.n, s.ci, s.co, s.kh, s.kw, s.oh, s.ow) + 15) & ~15;
  const filterSize = s.kh * s.kw * s.ci * s.co;
  const partialBytes = (4 * (filterSize + s.co) + 15) & ~15;
  const [xAt, dyAt, dwAt] = [addressOf(backend, x), addressOf(backend, dy), addressOf(backend, dW)];
  const dbAt = db ? addressOf(backend, db) : 0;
  const [xStep, dyStep] = [4 * s.h * s.w * s.ci, 4 * s.oh * s.ow * s.co];
  withScratch(backend, (bytes + partialBytes) * pieces.length, (scratch) => {
    const partial = (i: number) => scratch + pieces.length * bytes + (i - 1) * partialBytes;
    const args = pieces.map(([first, count], i) => {
      const into =
        i === 0 ? [dwAt, ...(db ? [dbAt] : [])] : [partial(i), ...(db ? [partial(i) + 4 * filterSize] : [])];
      return [
        xAt + first * xStep,
        dyAt + first * dyStep,
        ...into,
        scratch + i * bytes,
        ...convArgs({ ...s, n: count }),
      ];
    });
    const fn = db ? "filter_grad_bias" : "filter_grad";
    runSplit(memory, fn, k as never, args);
    if (!memory || args.length < 2) return;
    const heap = memory.buffer;
    const dwSum = new Float32Array(heap, dwAt, filterSize);
    const dbSum = db ? new Float32Array(heap, dbAt, s.co) : undefined;
    for (let i = 1; i < args.length; i++) {
      const part = new Float32Array(heap, partial(i), filterSize + s.co);
      for (let j = 0; j < filterSize; j++) dwSum[j] += part[j];
      if (dbSum) for (let j = 0; j < s.co; j++) dbSum[j] += part[filterSize + j];
    }
  });
}
