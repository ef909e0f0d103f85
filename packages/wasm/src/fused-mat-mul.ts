import {
  _FusedMatMul,
  type _FusedMatMulAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import { ourMatMul, runMatMul } from "./matmul-simd";
import { call, markOurs } from "./stock";
import type { TfjsHeapBackend } from "./tfjs-memory";

/**
 * _FusedMatMul for wasm (a dense layer's forward: x · W + bias, then a linear or relu activation) in
 * our SIMD kernel (matmul-simd/kernel.c), bias and relu applied as each tile is stored. Other
 * activations, a prelu weight, a bias other than one value per column, or shapes where XNNPACK
 * measured faster go to the stock kernel.
 */
function fusedMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  backend: TfjsHeapBackend;
  attrs: _FusedMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b, bias, preluActivationWeights } = inputs;
  const { transposeA, transposeB, activation } = attrs;
  const stock = () => call(_FusedMatMul, backend, inputs as Record<string, TensorInfo>, attrs as never);
  const ours = ourMatMul(backend, a, b, transposeA, transposeB);
  if (ours == null) return stock();
  if (preluActivationWeights != null || (activation !== "linear" && activation !== "relu")) return stock();
  const s = ours.shape;
  // One bias value per output column ([n], or [1, .., n]); a broadcast scalar or a per-row bias is tfjs's.
  const perColumn = (t: TensorInfo) =>
    t.dtype === "float32" &&
    t.shape.length <= s.outShape.length &&
    t.shape.at(-1) === s.n &&
    util.sizeFromShape(t.shape) === s.n;
  if (bias && !perColumn(bias)) return stock();
  const out = backend.makeOutput(s.outShape, "float32");
  runMatMul(ours.kernel, backend, a, b, bias, s, transposeA, transposeB, activation === "relu", out);
  return out;
}

export const fusedMatMulConfig: KernelConfig = {
  kernelName: _FusedMatMul,
  backendName: "wasm",
  kernelFunc: markOurs(fusedMatMul as unknown as KernelFunc),
};
