import type { TensorInfo } from "@tensorflow/tfjs-core";
import { WASM_BASE64 } from "./conv2d-simd/kernel.gen";
import { WASM_BASE64 as RELAXED_WASM_BASE64 } from "./conv2d-simd/kernel.relaxed.gen";
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

/**
 * Largest filter (kh·kw·ci·co values) our convolution kernel takes. It has no cache blocking over
 * the filter, so XNNPACK wins on big ones; measured on one thread (forward, ms, XNNPACK -> ours):
 * 64->128 3x3 (74K values) 56.6 -> 47.6, but 96->256 5x5 (614K) 473 -> 660 and 384->384 3x3 (1.3M)
 * 177 -> 282. LeNet's are 150 and 2,400.
 */
export const SIMD_CONV_MAX_FILTER = 1 << 18;

/** conv2d-simd/kernel.c on tfjs's memory: the arrays are tensors' addresses in tfjs's heap. */
export interface Conv2DExports {
  scratch_bytes(...args: number[]): number;
  conv2d(...args: number[]): void;
}

const lazy = lazyTfjsMemoryKernel<Conv2DExports>("convolution", WASM_BASE64, RELAXED_WASM_BASE64);

/** Compiles the kernel once; where that fails, XNNPACK's convolution stays in use. */
export const loadConv2DKernel = lazy.load;

/** The kernel on `backend`'s memory once loaded (and SIMD kernels enabled), else undefined. */
export function conv2dKernel(backend: TfjsMemoryBackend): Conv2DExports | undefined {
  return lazy.get(backend);
}

/** The build conv2dKernel() gives, for helper threads (kernel-threads.ts). */
export const conv2dSharedModule = lazy.sharedModule;

/** Which build conv2dKernel() gives: "relaxed" (FMA), "plain" or "none". */
export const conv2dKernelVariant = lazy.variant;

/**
 * y [n, oh, ow, co] = bias + x [n, h, w, ci] ⋆ filter [kh, kw, ci, co], then relu if asked: `k` run
 * on the tensors where tfjs keeps them, its scratch from tfjs's heap; split by examples over the kernel
 * threads where they run (kernel-threads.ts).
 */
export function runConv2D(
  k: Conv2DExports,
  backend: TfjsHeapBackend,
  x: TensorInfo,
  filter: TensorInfo,
  bias: TensorInfo | undefined,
  s: ConvShape,
  relu: boolean,
  y: TensorInfo,
): void {
  // Split by examples over the kernel threads (one piece each, with its own scratch) where there are.
  const memory = tfjsMemory(backend);
  const pieces = examplePieces(s.n, memory ? kernelThreads(memory).threads : 1);
  const bytes = (k.scratch_bytes(...convArgs(s)) + 15) & ~15;
  const [xAt, yAt, filterAt] = [addressOf(backend, x), addressOf(backend, y), addressOf(backend, filter)];
  const biasAt = bias ? addressOf(backend, bias) : 0; // address 0 means none: no tensor of tfjs's lives there
  const [xStep, yStep] = [4 * s.h * s.w * s.ci, 4 * s.oh * s.ow * s.co];
  withScratch(backend, bytes * pieces.length, (scratch) => {
    const args = pieces.map(([first, count], i) => [
      xAt + first * xStep,
      filterAt,
      biasAt,
      yAt + first * yStep,
      scratch + i * bytes,
      ...convArgs({ ...s, n: count }),
      relu ? 1 : 0,
    ]);
    runSplit(memory, "conv2d", k as never, args);
  });
}
