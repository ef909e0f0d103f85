import { lazySimdKernel, runOnOwnMemory, type SimdExports } from "./simd-module";
import { WASM_BASE64 } from "./sum-simd/kernel.gen";

interface SumExports extends SimdExports {
  scratch_bytes(c: number): number;
  sum_columns(x: number, out: number, scratch: number, m: number, c: number): void;
}

/** sum-simd/kernel.c on its own memory: column sums of a row-major [m, c] array. */
class SumKernel {
  constructor(private readonly k: SumExports) {}

  /** out[j] = Σ_i x[i·c + j], for x of m rows of c values. */
  run(x: Float32Array, m: number, c: number, out: Float32Array): void {
    runOnOwnMemory(this.k, [x], [out], this.k.scratch_bytes(c), ([xAt], [outAt], scratchAt) =>
      this.k.sum_columns(xAt, outAt, scratchAt, m, c),
    );
  }
}

const lazy = lazySimdKernel<SumExports, SumKernel>("sum", WASM_BASE64, (k) => new SumKernel(k));

/** Compiles the kernel once; where that fails, the stock Sum stays in use. */
export const loadSumKernel = lazy.load;

/** The kernel once loaded (and SIMD kernels enabled), else undefined. */
export const sumKernel = lazy.get;
