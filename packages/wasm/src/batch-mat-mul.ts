import {
  BatchMatMul,
  type BatchMatMulAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { ourMatMul, runMatMul } from "./matmul-simd";
import { call, free, markOurs, type WasmBackendLike } from "./stock";
import type { TfjsHeapBackend } from "./tfjs-memory";

const size = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

/**
 * BatchMatMul for wasm: our SIMD kernel (matmul-simd/kernel.c, transposes handled inside) where it
 * is loaded and measured faster ({@link simdMatMulWins}), else {@link xnnpackBatchMatMul}.
 */
function batchMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: TfjsHeapBackend;
  attrs: BatchMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs;
  const ours = ourMatMul(backend, a, b, transposeA, transposeB);
  if (ours == null) return xnnpackBatchMatMul(args);
  const out = backend.makeOutput(ours.shape.outShape, "float32");
  runMatMul(ours.kernel, backend, a, b, undefined, ours.shape, transposeA, transposeB, false, out);
  return out;
}

/**
 * BatchMatMul through tfjs's kernel. The stock kernel reaches XNNPACK only without transpose flags
 * (with one it runs a scalar loop, ~1.3 GMAC/s), and XNNPACK repacks its right-hand
 * operand on every call (fresh weights after each update, so no cache helps). So we
 * materialize transposes ourselves and, when the right-hand operand is a big
 * transposed weight matrix (a dense layer's input gradient dy·Wᵀ), compute
 * Cᵀ = W·dyᵀ instead: W is read as it lies and only the small dyᵀ gets packed
 * (AlexNet's 6400x4096 layer: 330 ms -> 25 ms; bench/micro-matmul.ts).
 */
function xnnpackBatchMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: WasmBackendLike;
  attrs: BatchMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { transposeA, transposeB } = attrs;
  const { a, b } = inputs;
  if (!transposeA && !transposeB) return call(BatchMatMul, backend, inputs, attrs as never);
  const temps: TensorInfo[] = [];
  const swapLast = (t: TensorInfo): TensorInfo => {
    const perm = t.shape.map((_, i) => i);
    const r = perm.length;
    [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
    const out = call("Transpose", backend, { x: t }, { perm });
    temps.push(out);
    return out;
  };
  const plain = { transposeA: false, transposeB: false };
  const rows = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
  const cols = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  let out: TensorInfo;
  if (transposeB && size(b) > size(a) + rows * cols) {
    // Cᵀ = op(b)ᵀ · op(a)ᵀ = b · op(a)ᵀ, then one small transpose back.
    const aT = transposeA ? a : swapLast(a);
    const cT = call(BatchMatMul, backend, { a: b, b: aT }, plain);
    temps.push(cT);
    out = swapLast(cT);
    temps.pop();
  } else {
    const a2 = transposeA ? swapLast(a) : a;
    const b2 = transposeB ? swapLast(b) : b;
    out = call(BatchMatMul, backend, { a: a2, b: b2 }, plain);
  }
  free(backend, ...temps);
  return out;
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: "wasm",
  kernelFunc: markOurs(batchMatMul as unknown as KernelFunc),
};
