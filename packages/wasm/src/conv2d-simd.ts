import { WASM_BASE64 } from "./conv2d-simd/kernel.gen";
import { WASM_BASE64 as RELAXED_WASM_BASE64 } from "./conv2d-simd/kernel.relaxed.gen";
import { type ConvShape, convArgs, lazySimdKernel, runOnOwnMemory, type SimdExports } from "./simd-module";

/**
 * Largest filter (kh·kw·ci·co values) our convolution kernel takes. It has no cache blocking over
 * the filter, so XNNPACK wins on big ones; measured on one thread (forward, ms, XNNPACK -> ours):
 * 64->128 3x3 (74K values) 56.6 -> 47.6, but 96->256 5x5 (614K) 473 -> 660 and 384->384 3x3 (1.3M)
 * 177 -> 282. LeNet's are 150 and 2,400.
 */
export const SIMD_CONV_MAX_FILTER = 1 << 18;

interface Conv2DExports extends SimdExports {
  scratch_bytes(...args: number[]): number;
  conv2d(...args: number[]): void;
}

/** conv2d-simd/kernel.c on its own memory (x, the filter and the bias copied in, y out). */
class Conv2DKernel {
  constructor(private readonly k: Conv2DExports) {}

  /** y [n, oh, ow, co] = bias + x [n, h, w, ci] ⋆ filter [kh, kw, ci, co], then relu if asked. */
  run(
    x: Float32Array,
    filter: Float32Array,
    bias: Float32Array | undefined,
    s: ConvShape,
    relu: boolean,
    out: Float32Array,
  ): void {
    const scratch = this.k.scratch_bytes(...convArgs(s));
    const inputs = bias ? [x, filter, bias] : [x, filter];
    runOnOwnMemory(this.k, inputs, [out], scratch, ([xAt, fAt, biasAt], [yAt], scratchAt) =>
      // Bias address 0 means none: our arrays always start after __heap_base.
      this.k.conv2d(xAt, fAt, biasAt ?? 0, yAt, scratchAt, ...convArgs(s), relu ? 1 : 0),
    );
  }
}

const lazy = lazySimdKernel<Conv2DExports, Conv2DKernel>(
  "convolution",
  WASM_BASE64,
  (k) => new Conv2DKernel(k),
  RELAXED_WASM_BASE64,
);

/** Compiles the kernel once; where that fails, XNNPACK's convolution stays in use. */
export const loadConv2DKernel = lazy.load;

/** The kernel once loaded (and SIMD kernels enabled), else undefined. */
export const conv2dKernel = lazy.get;

/** Which build conv2dKernel() gives: "relaxed" (FMA), "plain" or "none". */
export const conv2dKernelVariant = lazy.variant;
