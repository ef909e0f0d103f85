import {
  backend_util,
  Conv2D,
  type Conv2DAttrs,
  FusedConv2D,
  type FusedConv2DAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { gemmConv2D, gemmConvWins } from "./conv-gemm";
import { conv2dKernel, runConv2D, SIMD_CONV_MAX_FILTER } from "./conv2d-simd";
import { call, markOurs } from "./stock";
import type { TfjsHeapBackend } from "./tfjs-memory";
import { winogradConv2D } from "./winograd-conv";

/**
 * Runs an NHWC convolution (plus bias and relu) by Winograd's algorithm at stride 1 for 3x3 and 5x5
 * filters with many channels (winograd-conv.ts), else in the im2col kernel where it wins (conv-gemm.ts:
 * AlexNet's big and strided filters, with FMA), else at stride 1 and dilation 1 in our direct SIMD
 * kernel (conv2d-simd/kernel.c), or returns undefined when no kernel of ours takes the case.
 */
function simdConv2D(
  backend: TfjsHeapBackend,
  x: TensorInfo,
  filter: TensorInfo,
  bias: TensorInfo | undefined,
  attrs: Conv2DAttrs,
  relu: boolean,
): TensorInfo | undefined {
  if (backend_util.convertConv2DDataFormat(attrs.dataFormat) !== "channelsLast") return undefined;
  if (x.dtype !== "float32" || filter.dtype !== "float32") return undefined;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const strideOne = info.strideHeight === 1 && info.strideWidth === 1;
  const undilated = info.dilationHeight === 1 && info.dilationWidth === 1;
  const { outHeight: oh, outWidth: ow, padInfo } = info;
  const winograd =
    strideOne && undilated
      ? winogradConv2D(
          backend,
          x,
          filter,
          bias,
          { oh, ow, padTop: padInfo.top, padLeft: padInfo.left },
          relu,
          false,
        )
      : undefined;
  if (winograd) return winograd;
  const gemm = gemmConvWins(info, "forward") ? gemmConv2D(backend, x, filter, bias, info, relu) : undefined;
  if (gemm) return gemm;
  const simd = conv2dKernel(backend);
  if (!simd || !strideOne || !undilated) return undefined;
  if (filter.shape.reduce((a, b) => a * b, 1) > SIMD_CONV_MAX_FILTER) return undefined;
  // A bias other than one value per output channel (a broadcast one) stays with the stock kernel.
  if (bias && (bias.dtype !== "float32" || bias.shape.length !== 1 || bias.shape[0] !== info.outChannels)) {
    return undefined;
  }
  const out = backend.makeOutput(info.outShape, "float32");
  runConv2D(
    simd,
    backend,
    x,
    filter,
    bias,
    {
      n: info.batchSize,
      h: info.inHeight,
      w: info.inWidth,
      ci: info.inChannels,
      co: info.outChannels,
      kh: info.filterHeight,
      kw: info.filterWidth,
      oh: info.outHeight,
      ow: info.outWidth,
      padTop: info.padInfo.top,
      padLeft: info.padInfo.left,
    },
    relu,
    out,
  );
  return out;
}

/** Conv2D for wasm: stride 1 in our SIMD kernel, anything else in the stock (XNNPACK) kernel. */
function conv2D(args: {
  inputs: { x: TensorInfo; filter: TensorInfo };
  backend: TfjsHeapBackend;
  attrs: Conv2DAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  return (
    simdConv2D(backend, inputs.x, inputs.filter, undefined, attrs, false) ??
    call(Conv2D, backend, inputs, attrs as never)
  );
}

/** FusedConv2D for wasm: stride 1 with a linear or relu activation in our SIMD kernel, else stock. */
function fusedConv2D(args: {
  inputs: { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  backend: TfjsHeapBackend;
  attrs: FusedConv2DAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const ours =
    (attrs.activation === "linear" || attrs.activation === "relu") && inputs.preluActivationWeights == null
      ? simdConv2D(backend, inputs.x, inputs.filter, inputs.bias, attrs, attrs.activation === "relu")
      : undefined;
  return ours ?? call(FusedConv2D, backend, inputs as never, attrs as never);
}

export const conv2dConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: "wasm",
  kernelFunc: markOurs(conv2D as unknown as KernelFunc),
};

export const fusedConv2dConfig: KernelConfig = {
  kernelName: FusedConv2D,
  backendName: "wasm",
  kernelFunc: markOurs(fusedConv2D as unknown as KernelFunc),
};
