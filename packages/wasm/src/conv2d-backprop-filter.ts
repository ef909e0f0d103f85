import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { gemmConv2DBackpropFilter, gemmConvWins } from "./conv-gemm";
import { filterGradKernel, runFilterGrad } from "./conv2d-backprop-filter-simd";
import { call, free, markOurs, type WasmBackendLike } from "./stock";
import type { TfjsHeapBackend } from "./tfjs-memory";
import { winogradConv2DBackpropFilter } from "./winograd-conv";

/**
 * Conv2DBackpropFilter for wasm, which has none. At stride 1 with 3x3 and 5x5 filters and many
 * channels it runs Winograd's algorithm (winograd-conv.ts); where the im2col kernel wins (conv-gemm.ts:
 * strided convolutions, and with FMA big filters) it runs there; else at stride 1 in our SIMD kernel
 * (conv2d-backprop-filter-simd/kernel.c), and at other strides on the XNNPACK path below. The filter gradient
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s+kh−top, ow·s+kw−left, ci] · dy[n,oh,ow,co]
 * is itself a convolution: take x transposed to [ci, H, W, n] as a batch of `ci`
 * images with `n` channels and dy transposed to [OH, OW, n, co] as the filter; a
 * stride-1 conv dilated by the forward stride yields [ci, KH, KW, co]. That runs in
 * XNNPACK, far faster than any loop in JS.
 * With `bias`, where our SIMD kernel runs it also gives `db`, the bias gradient (dy summed over n, oh, ow),
 * from the same pass over dy (conv2d-backprop-filter-bias.ts); elsewhere `db` is undefined.
 */
export function conv2dBackpropFilter(
  args: {
    inputs: { x: TensorInfo; dy: TensorInfo };
    backend: WasmBackendLike;
    attrs: Conv2DBackpropFilterAttrs;
  },
  bias = false,
): { dW: TensorInfo; db?: TensorInfo } {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (backend_util.convertConv2DDataFormat(dataFormat) !== "channelsLast") {
    throw new Error(`@ln/wasm: wasm Conv2DBackpropFilter supports NHWC only, got dataFormat '${dataFormat}'`);
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const [n, inH, inW, ci] = x.shape;
  const heap = backend as TfjsHeapBackend;
  const geometry = { oh: info.outHeight, ow: info.outWidth, padTop: top, padLeft: left };
  const winograd =
    sh === 1 && sw === 1 ? winogradConv2DBackpropFilter(heap, x, dy, filterShape, geometry) : undefined;
  if (winograd) return { dW: winograd };
  const gemm = gemmConvWins(info, "filter") ? gemmConv2DBackpropFilter(heap, x, dy, info) : undefined;
  if (gemm) return { dW: gemm };
  const simd = filterGradKernel(heap);
  if (simd && sh === 1 && sw === 1) {
    const out = heap.makeOutput([...filterShape], "float32");
    const db = bias ? heap.makeOutput([info.outChannels], "float32") : undefined;
    runFilterGrad(
      simd,
      heap,
      x,
      dy,
      {
        n,
        h: inH,
        w: inW,
        ci,
        co: info.outChannels,
        kh,
        kw,
        oh: info.outHeight,
        ow: info.outWidth,
        padTop: top,
        padLeft: left,
      },
      out,
      db,
    );
    return { dW: out, db };
  }
  // Pad after so the trick conv's output is exactly KH x KW; a negative amount means
  // the forward conv never read those trailing rows/columns, so we crop them instead.
  const bottom = kh + (info.outHeight - 1) * sh - inH - top;
  const right = kw + (info.outWidth - 1) * sw - inW - left;

  const temps: TensorInfo[] = [];
  let xT = call("Transpose", backend, { x }, { perm: [3, 1, 2, 0] });
  temps.push(xT);
  if (bottom < 0 || right < 0) {
    const [c, h, w, n] = xT.shape;
    xT = call(
      "Slice",
      backend,
      { x: xT },
      { begin: [0, 0, 0, 0], size: [c, h + Math.min(bottom, 0), w + Math.min(right, 0), n] },
    );
    temps.push(xT);
  }
  const dyT = call("Transpose", backend, { x: dy }, { perm: [1, 2, 0, 3] });
  temps.push(dyT);
  const conv = call(
    "Conv2D",
    backend,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      dilations: [sh, sw],
      pad: [
        [0, 0],
        [top, Math.max(bottom, 0)],
        [left, Math.max(right, 0)],
        [0, 0],
      ],
      dataFormat: "NHWC",
    },
  );
  temps.push(conv);
  const dW = call("Transpose", backend, { x: conv }, { perm: [1, 2, 0, 3] });
  free(backend, ...temps);
  return { dW };
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: markOurs(
    ((args: Parameters<typeof conv2dBackpropFilter>[0]) =>
      conv2dBackpropFilter(args).dW) as unknown as KernelFunc,
  ),
};
