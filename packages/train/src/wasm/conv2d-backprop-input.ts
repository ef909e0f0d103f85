import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { call, free, markOurs, type WasmBackendLike } from "./stock";

/**
 * Conv2DBackpropInput for wasm as a forward convolution, so it runs in XNNPACK: the
 * stock kernel is a scalar loop, ~5-10x slower. The input gradient is the "full"
 * correlation of dy (dilated by the stride: s−1 zeros between rows and columns) with
 * the filter rotated by 180° and its in/out channels swapped.
 */
function conv2dBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: WasmBackendLike;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  if (backend_util.convertConv2DDataFormat(dataFormat) !== "channelsLast") {
    throw new Error(`@ln/train: wasm Conv2DBackpropInput supports NHWC only, got dataFormat '${dataFormat}'`);
  }
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inHeight, inWidth } = info;
  const [n, oh, ow, co] = dy.shape;
  const temps: TensorInfo[] = [];

  // dy with s−1 zeros after each row/column: [n, oh·sh, ow·sw, co]; the trailing zeros
  // only act as extra bottom/right padding.
  let src = dy;
  if (sh > 1 || sw > 1) {
    const r6 = call("Reshape", backend, { x: dy }, { shape: [n, oh, 1, ow, 1, co] });
    const p6 = call(
      "PadV2",
      backend,
      { x: r6 },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, sh - 1],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    src = call("Reshape", backend, { x: p6 }, { shape: [n, oh * sh, ow * sw, co] });
    temps.push(r6, p6, src);
  }
  // Padding of the full correlation; a negative amount means rows the forward conv
  // never reached, which we crop instead.
  let top = kh - 1 - info.padInfo.top;
  let left = kw - 1 - info.padInfo.left;
  let rows = src.shape[1];
  let cols = src.shape[2];
  if (top < 0 || left < 0) {
    const cropTop = Math.max(-top, 0);
    const cropLeft = Math.max(-left, 0);
    rows -= cropTop;
    cols -= cropLeft;
    src = call("Slice", backend, { x: src }, { begin: [0, cropTop, cropLeft, 0], size: [n, rows, cols, co] });
    temps.push(src);
    top = Math.max(top, 0);
    left = Math.max(left, 0);
  }
  const bottom = inHeight + kh - 1 - top - rows;
  const right = inWidth + kw - 1 - left - cols;
  if (bottom < 0 || right < 0) {
    rows += Math.min(bottom, 0);
    cols += Math.min(right, 0);
    src = call("Slice", backend, { x: src }, { begin: [0, 0, 0, 0], size: [n, rows, cols, co] });
    temps.push(src);
  }

  const explicitPad = [
    [0, 0],
    [top, Math.max(bottom, 0)],
    [left, Math.max(right, 0)],
    [0, 0],
  ] as [[number, number], [number, number], [number, number], [number, number]];
  const rotated = call("Reverse", backend, { x: filter }, { dims: [0, 1] });
  temps.push(rotated);
  const ci = filter.shape[2];
  let dx: TensorInfo;
  if (ci === 1) {
    // One input channel (a network's first conv): a conv with one output channel
    // wastes most of XNNPACK's 8-wide tiles; a depthwise conv per dy channel and a
    // sum over channels is ~2x faster.
    const perChannel = call("Reshape", backend, { x: rotated }, { shape: [kh, kw, co, 1] });
    const parts = call(
      "DepthwiseConv2dNative",
      backend,
      { x: src, filter: perChannel },
      { strides: [1, 1], dilations: [1, 1], pad: explicitPad, dataFormat: "NHWC" },
    );
    const summed = call("Sum", backend, { x: parts }, { axis: [3], keepDims: true });
    temps.push(perChannel, parts);
    dx = summed;
  } else {
    const swapped = call("Transpose", backend, { x: rotated }, { perm: [0, 1, 3, 2] });
    temps.push(swapped);
    dx = call(
      "Conv2D",
      backend,
      { x: src, filter: swapped },
      { strides: [1, 1], dilations: [1, 1], pad: explicitPad, dataFormat: "NHWC" },
    );
  }
  free(backend, ...temps);
  return dx;
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc: markOurs(conv2dBackpropInput as unknown as KernelFunc),
};
