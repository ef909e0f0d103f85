import { Sigmoid } from "@tensorflow/tfjs-core";
import { activationGradConfigs } from "./activation-simd";

/** Our kernel: Sigmoid's gradient dx = dy * (y * (1 - y)) from its output y, in one pass. */
export const LnSigmoidGrad = "LnSigmoidGrad";

/** LnSigmoidGrad for wasm, and Sigmoid's gradient: LnSigmoidGrad on wasm, tfjs's op chain elsewhere. */
export const { kernel: lnSigmoidGradConfig, gradient: sigmoidGradConfig } = activationGradConfigs({
  forward: Sigmoid,
  save: { outputsToSave: [true] },
  fused: LnSigmoidGrad,
  operand: "y",
  kernel: "sigmoid_grad",
});
