import {
  AvgPool,
  type AvgPoolAttrs,
  backend_util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import { avgPoolKernel } from "./avg-pool-simd";
import { splitExamples } from "./kernel-threads";
import { call, markOurs, type WasmBackendLike } from "./stock";
import { addressOf, type TfjsHeapBackend, tfjsMemory } from "./tfjs-memory";

/**
 * AvgPool for wasm: 2x2 windows with stride 2 and no padding (LeNet's pools) in our SIMD kernel
 * (avg-pool-simd/kernel.c), one pass, where tfjs's stock kernel runs XNNPACK's general average
 * pooling (0.83 ms of LeNet's first pool at batch 256). Anything else (other windows, strides or
 * padding, not float32, the SIMD kernels off) keeps the stock kernel.
 */
function avgPool(args: {
  inputs: { x: TensorInfo };
  backend: WasmBackendLike;
  attrs: AvgPoolAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const heap = backend as TfjsHeapBackend;
  const simd = avgPoolKernel(heap);
  if (simd == null || x.dtype !== "float32" || x.shape.length !== 4 || util.sizeFromShape(x.shape) === 0) {
    return call(AvgPool, backend, inputs, attrs as never);
  }
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  const info = backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const [n, h, w, c] = x.shape;
  const { outHeight: oh, outWidth: ow } = info;
  // 'same' on an even size, or a pad of 0, adds no padding; a window past the input (ceil rounding)
  // would average fewer pixels.
  const unpadded = padInfo.top === 0 && padInfo.left === 0 && padInfo.bottom === 0 && padInfo.right === 0;
  const fits = fh === 2 && fw === 2 && sh === 2 && sw === 2 && unpadded && 2 * oh <= h && 2 * ow <= w;
  if (!fits || info.dataFormat !== "channelsLast") return call(AvgPool, backend, inputs, attrs as never);
  const y = heap.makeOutput([n, oh, ow, c], "float32");
  if (oh > 0 && ow > 0) {
    const [xAt, yAt] = [addressOf(heap, x), addressOf(heap, y)];
    splitExamples(tfjsMemory(heap), "avg_pool_2x2", simd as never, n, (first, count) => [
      xAt + 4 * first * h * w * c,
      yAt + 4 * first * oh * ow * c,
      count,
      h,
      w,
      c,
      oh,
      ow,
    ]);
  }
  return y;
}

export const avgPoolConfig: KernelConfig = {
  kernelName: AvgPool,
  backendName: "wasm",
  kernelFunc: markOurs(avgPool as unknown as KernelFunc),
};
