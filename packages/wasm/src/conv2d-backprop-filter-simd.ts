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

/** Which build filterGradKernel() gives: "relaxed" (FMA), "plain" or "none". */
export const filterGradKernelVariant = lazy.variant;

/**
 * dW [kh, kw, ci, co] of `x` [n, h, w, ci] and `dy` [n, oh, ow, co]: `k` run on the tensors where tfjs keeps
 * them; with `db` [co] also the bias gradient (dy summed over n, oh, ow) in the same pass over dy.
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
  const bytes = k.scratch_bytes(s.n, s.ci, s.co, s.kh, s.kw, s.oh, s.ow);
  const [xAt, dyAt, dwAt] = [addressOf(backend, x), addressOf(backend, dy), addressOf(backend, dW)];
  withScratch(backend, bytes, (scratch) =>
    db
      ? k.filter_grad_bias(xAt, dyAt, dwAt, addressOf(backend, db), scratch, ...convArgs(s))
      : k.filter_grad(xAt, dyAt, dwAt, scratch, ...convArgs(s)),
  );
}
