import {
  BatchMatMul,
  type BatchMatMulAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { call, free, markOurs, type WasmBackendLike } from "./stock";

/**
 * BatchMatMul for wasm that transposes explicitly: with a transpose flag the stock
 * kernel leaves XNNPACK for a slow loop (~10x on the dense layers' weight gradients),
 * while a Transpose plus a plain product stays fast.
 */
function batchMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: WasmBackendLike;
  attrs: BatchMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { transposeA, transposeB } = attrs;
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
  const a = transposeA ? swapLast(inputs.a) : inputs.a;
  const b = transposeB ? swapLast(inputs.b) : inputs.b;
  const out = call(BatchMatMul, backend, { a, b }, { transposeA: false, transposeB: false });
  free(backend, ...temps);
  return out;
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: "wasm",
  kernelFunc: markOurs(batchMatMul as unknown as KernelFunc),
};
