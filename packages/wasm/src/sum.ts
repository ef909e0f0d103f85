import {
  type KernelConfig,
  type KernelFunc,
  Sum,
  type SumAttrs,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { call, markOurs } from "./stock";
import { runSum, sumKernel } from "./sum-simd";
import type { TfjsHeapBackend } from "./tfjs-memory";

/**
 * Sum for wasm: a reduction over leading axes (a bias gradient: dy [n, h, w, c] summed over n, h,
 * w) as column sums in our SIMD kernel (sum-simd/kernel.c); the stock kernel first transposes the
 * reduced axes last, a full copy. Every other reduction goes to the stock kernel.
 */
function sum(args: { inputs: { x: TensorInfo }; backend: TfjsHeapBackend; attrs: SumAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const rank = x.shape.length;
  const axes = (Array.isArray(attrs.axis) ? attrs.axis : [attrs.axis]).map((a) => (a < 0 ? a + rank : a));
  const k = axes.length;
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  const leading = sorted.length === k && sorted.every((a, i) => a === i);
  const simd = sumKernel(backend);
  if (!simd || x.dtype !== "float32" || rank === 0 || !leading)
    return call(Sum, backend, inputs, attrs as never);
  const m = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
  const rest = x.shape.slice(k);
  const c = rest.reduce((a, b) => a * b, 1);
  if (m === 0 || c === 0) return call(Sum, backend, inputs, attrs as never);
  const out = backend.makeOutput(attrs.keepDims ? [...Array(k).fill(1), ...rest] : rest, "float32");
  runSum(simd, backend, x, m, c, out);
  return out;
}

export const sumConfig: KernelConfig = {
  kernelName: Sum,
  backendName: "wasm",
  kernelFunc: markOurs(sum as unknown as KernelFunc),
};
