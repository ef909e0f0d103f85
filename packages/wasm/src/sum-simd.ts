import type { TensorInfo } from "@tensorflow/tfjs-core";
import { WASM_BASE64 } from "./sum-simd/kernel.gen";
import {
  addressOf,
  lazyTfjsMemoryKernel,
  type TfjsHeapBackend,
  type TfjsMemoryBackend,
  withScratch,
} from "./tfjs-memory";

/** sum-simd/kernel.c on tfjs's memory: x and out are tensors' addresses in tfjs's heap. */
export interface SumExports {
  scratch_bytes(c: number): number;
  sum_columns(x: number, out: number, scratch: number, m: number, c: number): void;
}

const lazy = lazyTfjsMemoryKernel<SumExports>("sum", WASM_BASE64);

/** Compiles the kernel once; where that fails, the stock Sum stays in use. */
export const loadSumKernel = lazy.load;

/** The kernel on `backend`'s memory once loaded (and SIMD kernels enabled), else undefined. */
export function sumKernel(backend: TfjsMemoryBackend): SumExports | undefined {
  return lazy.get(backend);
}

/** out[j] = Σ_i x[i·c + j], for `x` of m rows of c values: `k` run on the tensors where tfjs keeps them. */
export function runSum(
  k: SumExports,
  backend: TfjsHeapBackend,
  x: TensorInfo,
  m: number,
  c: number,
  out: TensorInfo,
): void {
  withScratch(backend, k.scratch_bytes(c), (scratch) =>
    k.sum_columns(addressOf(backend, x), addressOf(backend, out), scratch, m, c),
  );
}
