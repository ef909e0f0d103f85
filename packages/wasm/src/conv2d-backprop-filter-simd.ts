import { WASM_BASE64 } from "./conv2d-backprop-filter-simd/kernel.gen";
import { WASM_BASE64 as RELAXED_WASM_BASE64 } from "./conv2d-backprop-filter-simd/kernel.relaxed.gen";
import { type ConvShape, convArgs, lazySimdKernel, runOnOwnMemory, type SimdExports } from "./simd-module";

interface FilterGradExports extends SimdExports {
  scratch_bytes(n: number, ci: number, co: number, kh: number, kw: number, oh: number, ow: number): number;
  filter_grad(...args: number[]): void;
}

/** conv2d-backprop-filter-simd/kernel.c on its own memory (copying LeNet's x and dy in takes under 0.5 ms). */
class FilterGradKernel {
  constructor(private readonly k: FilterGradExports) {}

  /** dW [kh, kw, ci, co] of `x` [n, h, w, ci] and `dy` [n, oh, ow, co], written into `out`. */
  run(x: Float32Array, dy: Float32Array, s: ConvShape, out: Float32Array): void {
    const scratch = this.k.scratch_bytes(s.n, s.ci, s.co, s.kh, s.kw, s.oh, s.ow);
    runOnOwnMemory(this.k, [x, dy], [out], scratch, ([xAt, dyAt], [dwAt], scratchAt) =>
      this.k.filter_grad(xAt, dyAt, dwAt, scratchAt, ...convArgs(s)),
    );
  }
}

const lazy = lazySimdKernel<FilterGradExports, FilterGradKernel>(
  "filter-gradient",
  WASM_BASE64,
  (k) => new FilterGradKernel(k),
  RELAXED_WASM_BASE64,
);

/** Compiles the kernel once; where that fails, XNNPACK's path stays in use. */
export const loadFilterGradKernel = lazy.load;

/** The kernel once loaded (and SIMD kernels enabled), else undefined. */
export const filterGradKernel = lazy.get;

/** Which build filterGradKernel() gives: "relaxed" (FMA), "plain" or "none". */
export const filterGradKernelVariant = lazy.variant;
