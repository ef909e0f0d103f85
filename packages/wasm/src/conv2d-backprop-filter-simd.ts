import type { TensorInfo } from "@tensorflow/tfjs-core";
import { WASM_BASE64 } from "./conv2d-backprop-filter-simd/kernel.gen";
import { WASM_BASE64 as RELAXED_WASM_BASE64 } from "./conv2d-backprop-filter-simd/kernel.relaxed.gen";
import { type ConvShape, convArgs } from "./simd-module";
import {
  addressOf,
  lazyTfjsMemoryKernel,
  type TfjsHeapBackend,
  type TfjsMemoryBackend,
  withScratch,
} from "./tfjs-memory";

/** conv2d-backprop-filter-simd/kernel.c on tfjs's memory: the arrays are tensors' addresses in tfjs's heap. */
export interface FilterGradExports {
  scratch_bytes(n: number, ci: number, co: number, kh: number, kw: number, oh: number, ow: number): number;
  filter_grad(...args: number[]): void;
}

const lazy = lazyTfjsMemoryKernel<FilterGradExports>("filter-gradient", WASM_BASE64, RELAXED_WASM_BASE64);

/** Compiles the kernel once; where that fails, XNNPACK's path stays in use. */
export const loadFilterGradKernel = lazy.load;

/** The kernel on `backend`'s memory once loaded (and SIMD kernels enabled), else undefined. */
export function filterGradKernel(backend: TfjsMemoryBackend): FilterGradExports | undefined {
  return lazy.get(backend);
}

/** Which build filterGradKernel() gives: "relaxed" (FMA), "plain" or "none". */
export const filterGradKernelVariant = lazy.variant;

/** dW [kh, kw, ci, co] of `x` [n, h, w, ci] and `dy` [n, oh, ow, co]: `k` run on the tensors where tfjs keeps them. */
export function runFilterGrad(
  k: FilterGradExports,
  backend: TfjsHeapBackend,
  x: TensorInfo,
  dy: TensorInfo,
  s: ConvShape,
  dW: TensorInfo,
): void {
  const bytes = k.scratch_bytes(s.n, s.ci, s.co, s.kh, s.kw, s.oh, s.ow);
  withScratch(backend, bytes, (scratch) =>
    k.filter_grad(
      addressOf(backend, x),
      addressOf(backend, dy),
      addressOf(backend, dW),
      scratch,
      ...convArgs(s),
    ),
  );
}
