import { broadcast_util, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { examplePieces, kernelThreads, runSplit } from "./kernel-threads";
import { WASM_BASE64 } from "./matmul-simd/kernel.gen";
import { WASM_BASE64 as RELAXED_WASM_BASE64 } from "./matmul-simd/kernel.relaxed.gen";
import {
  addressOf,
  lazyTfjsMemoryKernel,
  type TfjsHeapBackend,
  type TfjsMemoryBackend,
  tfjsMemory,
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

/** The module in use, for kernel threads (kernel-threads.ts) to instantiate on shared memory. */
export const matMulSharedModule = lazy.sharedModule;

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
 * Where kernel threads run (kernel-threads.ts), a single product is split ({@link matMulPieces}).
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
  const memory = tfjsMemory(backend);
  const threads = memory ? kernelThreads(memory).threads : 1;
  if (s.batch === 1 && threads > 1) {
    const split = matMulPieces(s, threads, transposeA, transposeB, bias !== undefined || relu);
    if (split) {
      runSplitMatMul(k, backend, memory!, split, a, b, bias, s, transposeA, transposeB, relu, out);
      return;
    }
  }
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

/** Products smaller than this (multiply-adds) run on the calling thread: a few microseconds of work. */
const SPLIT_MIN_MULTIPLY_ADDS = 2 ** 16;

/**
 * How a product is split over `threads`, or undefined where it is not: by rows of C where op(a)'s rows
 * are rows of `a` (not transposed: each piece's rows of a and of C are contiguous); by k where a is
 * transposed and b is not (dW = xᵀ·dy, summed over the batch: each piece takes its examples' rows of
 * both, writes partial sums, added in piece order), which needs no bias or activation on the way.
 */
export function matMulPieces(
  s: MatMulShape,
  threads: number,
  transposeA: boolean,
  transposeB: boolean,
  biasOrActivation: boolean,
): { by: "rows" | "k"; pieces: [number, number][] } | undefined {
  if (s.m * s.n * s.k < SPLIT_MIN_MULTIPLY_ADDS) return undefined;
  // Rows in whole register tiles (6 or 4 rows, by build) except the last piece's.
  if (!transposeA) return { by: "rows", pieces: examplePieces(s.m, threads, 12) };
  if (!transposeB && !biasOrActivation) return { by: "k", pieces: examplePieces(s.k, threads) };
  return undefined;
}

function runSplitMatMul(
  k: MatMulExports,
  backend: TfjsHeapBackend,
  memory: WebAssembly.Memory,
  split: { by: "rows" | "k"; pieces: [number, number][] },
  a: TensorInfo,
  b: TensorInfo,
  bias: TensorInfo | undefined,
  s: MatMulShape,
  transposeA: boolean,
  transposeB: boolean,
  relu: boolean,
  out: TensorInfo,
): void {
  const byRows = split.by === "rows";
  const [tA, tB] = [transposeA ? 1 : 0, transposeB ? 1 : 0];
  const align = (bytes: number) => (bytes + 15) & ~15;
  const scratchBytes = split.pieces.map(([, count]) =>
    align(4 * (byRows ? k.scratch_floats(count, s.n, s.k, tB) : k.scratch_floats(s.m, s.n, count, 0))),
  );
  const partialBytes = byRows ? 0 : align(4 * s.m * s.n);
  const piecesBytes = scratchBytes.reduce((sum, x) => sum + x, 0);
  withScratch(backend, piecesBytes + partialBytes * (split.pieces.length - 1), (scratch) => {
    const [aAt, bAt, cAt] = [addressOf(backend, a), addressOf(backend, b), addressOf(backend, out)];
    const biasAt = bias ? addressOf(backend, bias) : 0;
    const partial = (i: number) => scratch + piecesBytes + (i - 1) * partialBytes;
    let scratchAt = scratch;
    const args = split.pieces.map(([first, count], i) => {
      const own = scratchAt;
      scratchAt += scratchBytes[i];
      return byRows
        ? [
            aAt + 4 * first * s.k,
            bAt,
            biasAt,
            cAt + 4 * first * s.n,
            own,
            count,
            s.n,
            s.k,
            tA,
            tB,
            relu ? 1 : 0,
          ]
        : [
            aAt + 4 * first * s.m,
            bAt + 4 * first * s.n,
            0,
            i === 0 ? cAt : partial(i),
            own,
            s.m,
            s.n,
            count,
            1,
            0,
            0,
          ];
    });
    runSplit(memory, "matmul", k as never, args);
    if (byRows) return;
    const c = new Float32Array(memory.buffer, cAt, s.m * s.n);
    for (let i = 1; i < args.length; i++) {
      const part = new Float32Array(memory.buffer, partial(i), s.m * s.n);
      for (let j = 0; j < c.length; j++) c[j] += part[j];
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
