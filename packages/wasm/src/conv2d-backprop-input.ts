import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { gemmConv2D, gemmConvWins, gemmConvWinsFor } from "./conv-gemm";
import { conv2dKernel, runConv2D, SIMD_CONV_MAX_FILTER } from "./conv2d-simd";
import { call, free, markOurs, type WasmBackendLike } from "./stock";
import type { TfjsHeapBackend } from "./tfjs-memory";
import { winogradConv2D } from "./winograd-conv";

/**
 * Conv2DBackpropInput for wasm as forward convolutions, so it runs in XNNPACK: the
 * stock kernel is a scalar loop, ~5-10x slower. With stride 1 the input gradient is
 * the "full" correlation of dy with the filter rotated by 180° and its in/out channels
 * swapped. With stride s it splits into s_h·s_w phases (the dx rows/columns ≡ r mod s):
 * each phase is a stride-1 correlation of dy with the taps of the filter that reach
 * it, and the phases are interleaved. That does exactly the forward conv's work,
 * where dilating dy with zeros would do s_h·s_w times more. At stride 1 with 3x3 and 5x5
 * filters and many channels, Winograd's algorithm (winograd-conv.ts) takes it instead.
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
    throw new Error(`@ln/wasm: wasm Conv2DBackpropInput supports NHWC only, got dataFormat '${dataFormat}'`);
  }
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const {
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    inHeight: h,
    inWidth: w,
  } = info;
  const { top: padTop, left: padLeft } = info.padInfo;
  if (sh === 1 && sw === 1) {
    // Winograd reads the filter rotated and transposed itself, and pads by the same amounts.
    const winograd = winogradConv2D(
      backend as TfjsHeapBackend,
      dy,
      filter,
      undefined,
      { oh: h, ow: w, padTop: kh - 1 - padTop, padLeft: kw - 1 - padLeft },
      false,
      true,
    );
    if (winograd) return winograd;
    const simd = simdFullCorrelation(
      backend as TfjsHeapBackend,
      dy,
      filter,
      kh - 1 - padTop,
      kw - 1 - padLeft,
      h,
      w,
    );
    if (simd) return simd;
    const rotated = call("Reverse", backend, { x: filter }, { dims: [0, 1] });
    const dx = correlate(backend, dy, rotated, kh - 1 - padTop, kw - 1 - padLeft, h, w);
    free(backend, rotated);
    return dx;
  }

  const [n] = dy.shape;
  const ci = filter.shape[2];
  const rowsPerPhase = Math.ceil(h / sh);
  const colsPerPhase = Math.ceil(w / sw);
  const temps: TensorInfo[] = [];
  const phaseRows: TensorInfo[] = [];
  for (let rh = 0; rh < sh; rh++) {
    const phaseCols: TensorInfo[] = [];
    for (let rw = 0; rw < sw; rw++) {
      // Rows ih = rh + sh·i get the taps kh ≡ (rh + padTop) mod sh: kh = ch + sh·j.
      const ch = (rh + padTop) % sh;
      const cw = (rw + padLeft) % sw;
      const tapsH = Math.max(0, Math.ceil((kh - ch) / sh));
      const tapsW = Math.max(0, Math.ceil((kw - cw) / sw));
      const outH = Math.max(0, Math.ceil((h - rh) / sh));
      const outW = Math.max(0, Math.ceil((w - rw) / sw));
      let phase: TensorInfo;
      if (tapsH === 0 || tapsW === 0 || outH === 0 || outW === 0) {
        phase = call("Fill", backend, {}, { shape: [n, outH, outW, ci], value: 0, dtype: "float32" });
      } else {
        // dx[rh + sh·i] = Σ_j dy[i + baseH − j] · W[ch + sh·j]
        const baseH = (rh + padTop - ch) / sh;
        const baseW = (rw + padLeft - cw) / sw;
        const taps = call(
          "StridedSlice",
          backend,
          { x: filter },
          {
            begin: [ch, cw, 0, 0],
            end: [kh, kw, filter.shape[2], filter.shape[3]],
            strides: [sh, sw, 1, 1],
            beginMask: 0,
            endMask: 0,
            ellipsisMask: 0,
            newAxisMask: 0,
            shrinkAxisMask: 0,
          },
        );
        const rotated = call("Reverse", backend, { x: taps }, { dims: [0, 1] });
        phase = correlate(backend, dy, rotated, tapsH - 1 - baseH, tapsW - 1 - baseW, outH, outW);
        free(backend, taps, rotated);
      }
      // Pad every phase to the same size, with a unit axis for the interleave.
      const padded = call(
        "PadV2",
        backend,
        { x: phase },
        {
          paddings: [
            [0, 0],
            [0, rowsPerPhase - outH],
            [0, colsPerPhase - outW],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      const unit = call(
        "Reshape",
        backend,
        { x: padded },
        { shape: [n, rowsPerPhase, 1, colsPerPhase, 1, ci] },
      );
      temps.push(phase, padded);
      phaseCols.push(unit);
    }
    const row = call("Concat", backend, phaseCols as never, { axis: 4 });
    temps.push(...phaseCols);
    phaseRows.push(row);
  }
  const woven = call("Concat", backend, phaseRows as never, { axis: 2 });
  temps.push(...phaseRows, woven);
  const full = call(
    "Reshape",
    backend,
    { x: woven },
    { shape: [n, rowsPerPhase * sh, colsPerPhase * sw, ci] },
  );
  temps.push(full);
  const dx = call("Slice", backend, { x: full }, { begin: [0, 0, 0, 0], size: [n, h, w, ci] });
  free(backend, ...temps);
  return dx;
}

/**
 * out[i, j] = Σ_{a,b} x[i + a − top, j + b − left] · f[a, b]ᵀ (zero outside x), for
 * i < outH, j < outW, with f laid out [fh, fw, ci, co] (a forward conv2d filter) and
 * the sum over co: a stride-1 conv with explicit padding; negative padding crops.
 */
/**
 * The stride-1 input gradient in our SIMD convolution kernel: dy correlated with the filter
 * rotated 180° and its in/out channels swapped, padded by (kh - 1 - top, kw - 1 - left). Returns
 * undefined where the XNNPACK path is better or needed: kernel not loaded, a negative padding (a
 * crop), a big filter (see SIMD_CONV_MAX_FILTER), or one input channel (the depthwise path in
 * `correlate` measured 7.7 ms against our 9.9 for LeNet's first conv).
 */
function simdFullCorrelation(
  backend: TfjsHeapBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  top: number,
  left: number,
  h: number,
  w: number,
): TensorInfo | undefined {
  const simd = conv2dKernel(backend);
  const [n, oh, ow, co] = dy.shape;
  const [kh, kw, ci] = filter.shape;
  if (!simd || top < 0 || left < 0 || dy.dtype !== "float32" || ci === 1) return undefined;
  // Big filters: the direct kernel loses to XNNPACK, and with FMA the im2col kernel wins (correlate).
  if (kh * kw * ci * co > SIMD_CONV_MAX_FILTER || gemmConvWinsFor(false, kh * kw * ci * co, "forward")) {
    return undefined;
  }
  const rotated = call("Reverse", backend, { x: filter }, { dims: [0, 1] });
  const swapped = call("Transpose", backend, { x: rotated }, { perm: [0, 1, 3, 2] });
  const dx = backend.makeOutput([n, h, w, ci], "float32");
  runConv2D(
    simd,
    backend,
    dy,
    swapped,
    undefined,
    { n, h: oh, w: ow, ci: co, co: ci, kh, kw, oh: h, ow: w, padTop: top, padLeft: left },
    false,
    dx,
  );
  free(backend, rotated, swapped);
  return dx;
}

function correlate(
  backend: WasmBackendLike,
  x: TensorInfo,
  f: TensorInfo,
  top: number,
  left: number,
  outH: number,
  outW: number,
): TensorInfo {
  const [fh, fw, ci, co] = f.shape;
  const [n] = x.shape;
  const temps: TensorInfo[] = [];
  let src = x;
  let rows = x.shape[1];
  let cols = x.shape[2];
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
  const bottom = outH + fh - 1 - top - rows;
  const right = outW + fw - 1 - left - cols;
  if (bottom < 0 || right < 0) {
    // Rows past the last output's reach: the forward conv never read them.
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
  let out: TensorInfo;
  if (ci === 1) {
    // One output channel (a network's first conv): a conv wastes most of XNNPACK's
    // 8-wide tiles; a depthwise conv per dy channel plus a channel sum is ~2x faster.
    const perChannel = call("Reshape", backend, { x: f }, { shape: [fh, fw, co, 1] });
    const parts = call(
      "DepthwiseConv2dNative",
      backend,
      { x: src, filter: perChannel },
      { strides: [1, 1], dilations: [1, 1], pad: explicitPad, dataFormat: "NHWC" },
    );
    out = call("Sum", backend, { x: parts }, { axis: [3], keepDims: true });
    temps.push(perChannel, parts);
  } else {
    const swapped = call("Transpose", backend, { x: f }, { perm: [0, 1, 3, 2] });
    const attrs = { strides: [1, 1], dilations: [1, 1], pad: explicitPad, dataFormat: "NHWC" } as const;
    const info = backend_util.computeConv2DInfo(
      src.shape as [number, number, number, number],
      swapped.shape as [number, number, number, number],
      1,
      1,
      explicitPad,
    );
    const gemm = gemmConvWins(info, "forward")
      ? gemmConv2D(backend as TfjsHeapBackend, src, swapped, undefined, info, false)
      : undefined;
    out = gemm ?? call("Conv2D", backend, { x: src, filter: swapped }, attrs as never);
    temps.push(swapped);
  }
  free(backend, ...temps);
  return out;
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc: markOurs(conv2dBackpropInput as unknown as KernelFunc),
};
