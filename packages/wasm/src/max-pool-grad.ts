import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  MaxPoolGrad,
  type MaxPoolGradAttrs,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import { maxPoolGradKernel } from "./max-pool-grad-simd";
import { call, markOurs, type WasmBackendLike } from "./stock";
import { addressOf, type TfjsHeapBackend } from "./tfjs-memory";

/**
 * MaxPoolGrad for wasm: our SIMD kernel (max-pool-grad-simd/kernel.c), 4 channels a vector, where
 * tfjs's stock kernel is a scalar loop (~207 ms of AlexNet's step at batch 16). It gives what tfjs's
 * cpu kernel gives, ties included. Anything it does not take (not float32, not 4-D, empty, the SIMD
 * kernels off) keeps the stock kernel.
 */
function maxPoolGrad(args: {
  inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  backend: WasmBackendLike;
  attrs: MaxPoolGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  const heap = backend as TfjsHeapBackend;
  const simd = maxPoolGradKernel(heap);
  const fits =
    input.dtype === "float32" && dy.dtype === "float32" && input.shape.length === 4 && dy.shape.length === 4;
  if (simd == null || !fits || util.sizeFromShape(input.shape) === 0 || util.sizeFromShape(dy.shape) === 0) {
    return call(MaxPoolGrad, backend, inputs, attrs as never);
  }
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [n, h, w, c] = input.shape;
  const { outHeight: oh, outWidth: ow } = info;
  if (dy.shape.join() !== [n, oh, ow, c].join()) return call(MaxPoolGrad, backend, inputs, attrs as never);
  const dx = heap.makeOutput([n, h, w, c], "float32");
  const [xAt, dyAt, dxAt] = [addressOf(heap, input), addressOf(heap, dy), addressOf(heap, dx)];
  simd.max_pool_grad(
    xAt,
    dyAt,
    dxAt,
    n,
    h,
    w,
    c,
    oh,
    ow,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
  return dx;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: "wasm",
  kernelFunc: markOurs(maxPoolGrad as unknown as KernelFunc),
};
