import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { conv2dBackpropFilter } from "./conv2d-backprop-filter";
import { markOurs, type WasmBackendLike } from "./stock";
import { sumConfig } from "./sum";

/**
 * Our kernel: a convolution's filter and bias gradients at once. Inputs x and dy, attrs as
 * Conv2DBackpropFilter's; outputs [dW, db], db being dy summed over n, oh, ow. Why: where our SIMD filter
 * gradient runs, it sums dy as it streams it, which a separate Sum had to read from memory again
 * (LeNet's first conv on wasm: 0.5 ms of its step). @ln/train calls it where the backend has it.
 */
export const LnConv2DBackpropFilterBias = "LnConv2DBackpropFilterBias";

/** LnConv2DBackpropFilterBias for wasm: one pass where our SIMD kernel runs, else Conv2DBackpropFilter and Sum. */
function conv2dBackpropFilterBias(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WasmBackendLike;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo[] {
  const { dW, db } = conv2dBackpropFilter(args, true);
  if (db) return [dW, db];
  const sum = sumConfig.kernelFunc({
    inputs: { x: args.inputs.dy },
    backend: args.backend as never,
    attrs: { axis: [0, 1, 2], keepDims: false },
  }) as TensorInfo;
  return [dW, sum];
}

export const conv2dBackpropFilterBiasConfig: KernelConfig = {
  kernelName: LnConv2DBackpropFilterBias,
  backendName: "wasm",
  kernelFunc: markOurs(conv2dBackpropFilterBias as unknown as KernelFunc),
};
