import { broadcast_util, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { WASM_BASE64 } from "./matmul-simd/kernel.gen";
import { WASM_BASE64 as RELAXED_WASM_BASE64 } from "./matmul-simd/kernel.relaxed.gen";
import {
  addressOf,
  lazyTfjsMemoryKernel,
  type TfjsHeapBackend,
  type TfjsMemoryBackend,
  withScratch,
} from "./tfjs-memory";

/** matmul-simd/kernel.c on tfjs's memory: the arrays are tensors' addresses in tfjs's heap. */
export interface MatMulExports {
  /** Floats of scratch `matmul` needs for op(A) m x k times op(B) k x n (transposeB 0 or 1). */
  scratch_floats(m: number, n: number, k: number, transposeB: number): number;
  /** c [m, n] = act(bias + op(a) · op(b)); bias 0 for none; flags 0 or 1. */
  matmul(
    a: number,
    b: number,
    bias: number,
    c: number,
    scratch: number,
    m: number,
    n: number,
    k: number,
    transposeA: number,
    transposeB: number,
    relu: number,
  ): void;
}

const lazy = lazyTfjsMemoryKernel<MatMulExports>("matrix product", WASM_BASE64, RELAXED_WASM_BASE64);

let enabled = true;

/**
 * Turns our matrix product off (tfjs's XNNPACK path runs instead) or back on, leaving the other SIMD
 * kernels as they are: the baseline a benchmark compares it against. Internal.
 */
export function useMatMulKernel(on: boolean): void {
  enabled = on;
}

/** Compiles the module once; where that fails, tfjs's kernels stay in use. */
export const loadMatMulKernel = lazy.load;

/** The kernel on `backend`'s memory once loaded (and turned on), else undefined. */
export function matMulKernel(backend: TfjsMemoryBackend): MatMulExports | undefined {
  return enabled ? lazy.get(backend) : undefined;
}

/** Which build matMulKernel() gives: "relaxed" (FMA), "plain" or "none". */
export const matMulKernelVariant = lazy.variant;

/** A batched product as tfjs's BatchMatMul states it, reduced to what the kernel runs. */
export interface MatMulShape {
  /** Output shape: broadcast batch dimensions, then m, n. */
  outShape: number[];
  batch: number;
  /** Batches of a and b (each equal to `batch`, or 1: broadcast). */
  batchA: number;
  batchB: number;
  m: number;
  n: number;
  k: number;
}

/**
 * The shape of op(a) · op(b) (batch dimensions broadcast), or undefined where the kernel cannot run
 * it: not float32, rank < 2, inner sizes that differ, or batches that are neither equal nor 1.
 */
export function matMulShape(
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): MatMulShape | undefined {
  if (a.dtype !== "float32" || b.dtype !== "float32") return undefined;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return undefined;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) return undefined;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = util.sizeFromShape(outerA);
  const batchB = util.sizeFromShape(outerB);
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  let outer: number[];
  try {
    outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return undefined;
  }
  const batch = Math.max(batchA, batchB);
  if (util.sizeFromShape(outer) !== batch) return undefined;
  return { outShape: [...outer, m, n], batch, batchA, batchB, m, n, k };
}

/**
 * out = act(bias + op(a) · op(b)), batch by batch: `k` run on the tensors where tfjs keeps them,
 * its scratch (op(a) and a block of op(b) packed) from tfjs's heap. `bias` holds s.n values, one per column.
 */
export function runMatMul(
  k: MatMulExports,
  backend: TfjsHeapBackend,
  a: TensorInfo,
  b: TensorInfo,
  bias: TensorInfo | undefined,
  s: MatMulShape,
  transposeA: boolean,
  transposeB: boolean,
  relu: boolean,
  out: TensorInfo,
): void {
  const aBytes = 4 * s.m * s.k;
  const bBytes = 4 * s.k * s.n;
  const cBytes = 4 * s.m * s.n;
  withScratch(backend, 4 * k.scratch_floats(s.m, s.n, s.k, transposeB ? 1 : 0), (scratch) => {
    // Addresses after the scratch is taken: they survive a grown heap.
    const aAt = addressOf(backend, a);
    const bAt = addressOf(backend, b);
    const cAt = addressOf(backend, out);
    // Bias address 0 means none: no tensor of tfjs's lives at address 0.
    const biasAt = bias ? addressOf(backend, bias) : 0;
    for (let i = 0; i < s.batch; i++) {
      k.matmul(
        aAt + (s.batchA === 1 ? 0 : i * aBytes),
        bAt + (s.batchB === 1 ? 0 : i * bBytes),
        biasAt,
        cAt + i * cBytes,
        scratch,
        s.m,
        s.n,
        s.k,
        transposeA ? 1 : 0,
        transposeB ? 1 : 0,
        relu ? 1 : 0,
      );
    }
  });
}

/**
 * Whether our kernel runs `s` rather than tfjs's XNNPACK path. Measured on one thread
 * (bench/matmul.ts, Node 24, docs/perf.md): the relaxed build beats XNNPACK on every product of
 * LeNet's dense layers at batch 256 (1.5-4.2x) and of AlexNet's two big ones at batch 16 and 128
 * (4.3-6.5x on the forward, where tfjs's _FusedMatMul repacks the weights; 1.6-1.7x on the
 * gradients at batch 128, 1.0-1.2x at batch 16, where both stream the weights once). The plain build
 * is 10-13% slower than XNNPACK on dy·Wᵀ with m <= 16 rows against a transposed operand of >= 2^24
 * values (XNNPACK computes Cᵀ = W·dyᵀ, batch-mat-mul.ts), so that case stays with XNNPACK. An empty
 * product stays with tfjs (no tensor to address).
 */
export function simdMatMulWins(s: MatMulShape, transposeB: boolean): boolean {
  if (s.batch * s.m * s.n * s.k === 0) return false;
  const streamsWeights = transposeB && s.m <= 16 && s.n * s.k >= 2 ** 24;
  return !(streamsWeights && matMulKernelVariant() === "plain");
}

/**
 * Our kernel and the product's shape where the kernel is loaded, can run op(a) · op(b) and was
 * measured faster there ({@link simdMatMulWins}); undefined where tfjs's path should run it.
 */
export function ourMatMul(
  backend: TfjsMemoryBackend,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): { kernel: MatMulExports; shape: MatMulShape } | undefined {
  const kernel = matMulKernel(backend);
  const shape = kernel && matMulShape(a, b, transposeA, transposeB);
  return kernel && shape && simdMatMulWins(shape, transposeB) ? { kernel, shape } : undefined;
}
