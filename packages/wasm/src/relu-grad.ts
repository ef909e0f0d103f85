import { Relu } from "@tensorflow/tfjs-core";
import { activationGradConfigs } from "./activation-simd";

/** Our kernel: Relu's gradient dx = dy * step(x) from its input x, in one pass. */
export const LnReluGrad = "LnReluGrad";

/** LnReluGrad for wasm, and Relu's gradient: LnReluGrad on wasm, tfjs's op chain elsewhere. */
export const { kernel: lnReluGradConfig, gradient: reluGradConfig } = activationGradConfigs({
  forward: Relu,
  save: { inputsToSave: ["x"] },
  fused: LnReluGrad,
  operand: "x",
  kernel: "relu_grad",
});
