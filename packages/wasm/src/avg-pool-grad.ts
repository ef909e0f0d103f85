import {
  AvgPoolGrad,
  type AvgPoolGradAttrs,
  backend_util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { avgPoolGradKernel } from "./avg-pool-grad-simd";
import { splitExamples } from "./kernel-threads";
import { call, free, markOurs, type WasmBackendLike } from "./stock";
import { addressOf, type TfjsHeapBackend, tfjsMemory } from "./tfjs-memory";

/**
 * AvgPoolGrad for wasm. When windows tile the input without overlap or padding
 * (stride = pool size, as in LeNet's 2x2/2 pools), every input pixel gets its one
 * window's dy / (fh·fw): a broadcast multiply of dy against an [s, s] block of that
 * constant, ~5x faster than the stock loop; our SIMD kernel (avg-pool-grad-simd/kernel.c) does the
 * same in one pass, ~5x faster again. Other cases keep the stock kernel.
 */
function avgPoolGrad(args: {
  inputs: { dy: TensorInfo; input: TensorInfo };
  backend: WasmBackendLike;
  attrs: AvgPoolGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  const { filterSize, strides, pad } = attrs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
  );
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const tiles = fh === sh && fw === sw && info.padInfo.top === 0 && info.padInfo.left === 0;
  if (!tiles || input.dtype !== "float32") return call(AvgPoolGrad, backend, inputs, attrs as never);

  const [n, oh, ow, c] = dy.shape;
  const [, h, w] = input.shape;
  const heap = backend as TfjsHeapBackend;
  const simd = avgPoolGradKernel(heap);
  if (simd && dy.dtype === "float32") {
    const dx = heap.makeOutput([n, h, w, c], "float32");
    const [dyAt, dxAt] = [addressOf(heap, dy), addressOf(heap, dx)];
    splitExamples(tfjsMemory(heap), "avg_pool_grad_tiles", simd as never, n, (first, count) => [
      dyAt + 4 * first * oh * ow * c,
      dxAt + 4 * first * h * w * c,
      count,
      oh,
      ow,
      c,
      h,
      w,
      sh,
      sw,
      1 / (fh * fw),
    ]);
    return dx;
  }
  const d6 = call("Reshape", backend, { x: dy }, { shape: [n, oh, 1, ow, 1, c] });
  const block = call(
    "Fill",
    backend,
    {},
    { shape: [1, 1, sh, 1, sw, 1], value: 1 / (fh * fw), dtype: "float32" },
  );
  const spread = call("Multiply", backend, { a: d6, b: block });
  const up = call("Reshape", backend, { x: spread }, { shape: [n, oh * sh, ow * sw, c] });
  const temps = [d6, block, spread];
  let dx: TensorInfo;
  if (oh * sh === h && ow * sw === w) {
    dx = up;
  } else {
    temps.push(up);
    // Rows/columns past the last window get no gradient; 'same' may overhang instead.
    const rows = Math.min(oh * sh, h);
    const cols = Math.min(ow * sw, w);
    const inner = call("Slice", backend, { x: up }, { begin: [0, 0, 0, 0], size: [n, rows, cols, c] });
    temps.push(inner);
    dx = call(
      "PadV2",
      backend,
      { x: inner },
      {
        paddings: [
          [0, 0],
          [0, h - rows],
          [0, w - cols],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
  }
  free(backend, ...temps);
  return dx;
}

export const avgPoolGradConfig: KernelConfig = {
  kernelName: AvgPoolGrad,
  backendName: "wasm",
  kernelFunc: markOurs(avgPoolGrad as unknown as KernelFunc),
};
