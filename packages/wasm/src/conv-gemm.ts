// Convolutions as im2col matrix products (conv-gemm-simd/kernel.c) on tfjs's memory: the forward
// convolution and its filter gradient at any stride and padding (dilation 1, NHWC, float32). It keeps
// a block of patches in L2 and a panel of the filter (or of dy) in L1, so unlike our direct kernel
// (conv2d-simd) it holds up on AlexNet's big filters. Which shapes should take it: bench/conv-gemm.ts.
import type { backend_util, TensorInfo } from "@tensorflow/tfjs-core";
import { WASM_BASE64 } from "./conv-gemm-simd/kernel.gen";
import { WASM_BASE64 as RELAXED_WASM_BASE64 } from "./conv-gemm-simd/kernel.relaxed.gen";
import { addressOf, lazyTfjsMemoryKernel, type TfjsHeapBackend, withScratch } from "./tfjs-memory";

/** conv-gemm-simd/kernel.c on tfjs's memory: the arrays are tensors' addresses in tfjs's heap. */
export interface ConvGemmExports {
  conv_scratch_floats(k: number, co: number): number;
  filter_grad_scratch_floats(k: number, co: number): number;
  /** (x, w, bias or 0, y, scratch, ...geometry, relu) */
  conv(...args: number[]): void;
  /** (x, dy, dw, scratch, ...geometry) */
  filter_grad(...args: number[]): void;
  winograd_scratch_floats(ci: number, co: number): number;
  /** (x, w, bias or 0, y, scratch, n, h, w, ci, co, r, oh, ow, pad top, pad left, relu, flip) */
  winograd_conv(...args: number[]): void;
  winograd_filter_grad_scratch_floats(ci: number, co: number): number;
  /** (x, dy, dw, scratch, n, h, w, ci, co, r, oh, ow, pad top, pad left) */
  winograd_filter_grad(...args: number[]): void;
}

const lazy = lazyTfjsMemoryKernel<ConvGemmExports>("im2col convolution", WASM_BASE64, RELAXED_WASM_BASE64);

/** Compiles the kernel once; where that fails, the other convolution paths stay in use. */
export const loadConvGemmKernel = lazy.load;

/** The kernel on `backend`'s memory once loaded (and SIMD kernels enabled), else undefined. */
export const convGemmKernel = lazy.get;

/** Which build convGemmKernel() gives: "relaxed" (FMA), "plain" or "none". */
export const convGemmKernelVariant = lazy.variant;

/** The geometry the kernel's functions take after their addresses: n, h, w, ci, co, kh, kw, oh, ow,
 * stride h, stride w, pad top, pad left. */
function geometry(info: backend_util.Conv2DInfo): number[] {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

/** Filters of at least this many values (kh·kw·ci·co) take this kernel at stride 1 (see gemmConvWins). */
export const GEMM_CONV_MIN_FILTER = 1 << 16;

/**
 * Whether this kernel should take `info`'s forward pass (which input gradients become too) or its
 * filter gradient, rather than our direct kernels or XNNPACK. Measured on one thread
 * (bench/conv-gemm.ts, 2026-12-02, Node 24): with FMA (the relaxed build) it takes 0.61-0.67x the
 * time on AlexNet's convolutions and wins at any stride > 1 and on filters of 2^16 values or more,
 * but loses 1.8-7.4x on LeNet's small filters, where the direct kernel is better. Without FMA it is
 * 0.98-1.28x XNNPACK's time, so it takes only filter gradients at stride > 1 (0.37-0.57x, against
 * XNNPACK on a transposed problem).
 */
export function gemmConvWins(info: backend_util.Conv2DInfo, pass: "forward" | "filter"): boolean {
  const strided = info.strideHeight > 1 || info.strideWidth > 1;
  return gemmConvWinsFor(
    strided,
    info.filterHeight * info.filterWidth * info.inChannels * info.outChannels,
    pass,
  );
}

/** {@link gemmConvWins} by its two inputs: whether the convolution is strided, and its filter's size. */
export function gemmConvWinsFor(strided: boolean, filterValues: number, pass: "forward" | "filter"): boolean {
  const variant = convGemmKernelVariant();
  if (variant === "plain") return pass === "filter" && strided;
  return variant === "relaxed" && (strided || filterValues >= GEMM_CONV_MIN_FILTER);
}

/** Whether `info` is a convolution the kernel computes: NHWC, dilation 1, no depthwise. */
function ours(info: backend_util.Conv2DInfo): boolean {
  return (
    info.dataFormat === "channelsLast" &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.outHeight > 0 &&
    info.outWidth > 0
  );
}

/**
 * y [n, oh, ow, co] = act(bias + x [n, h, w, ci] ⋆ filter [kh, kw, ci, co]) as `convInfo` describes
 * it (backend_util.computeConv2DInfo), act being relu or none. Undefined when the kernel is not
 * loaded or the case is not its own (not float32, not NHWC, dilated, a bias other than one value per
 * output channel); the caller then runs another kernel.
 */
export function gemmConv2D(
  backend: TfjsHeapBackend,
  x: TensorInfo,
  filter: TensorInfo,
  bias: TensorInfo | undefined,
  convInfo: backend_util.Conv2DInfo,
  relu: boolean,
): TensorInfo | undefined {
  const k = convGemmKernel(backend);
  if (k == null || !ours(convInfo) || x.dtype !== "float32" || filter.dtype !== "float32") return undefined;
  if (
    bias &&
    (bias.dtype !== "float32" || bias.shape.length !== 1 || bias.shape[0] !== convInfo.outChannels)
  ) {
    return undefined;
  }
  const { filterHeight, filterWidth, inChannels, outChannels } = convInfo;
  const y = backend.makeOutput(convInfo.outShape, "float32");
  const floats = k.conv_scratch_floats(filterHeight * filterWidth * inChannels, outChannels);
  withScratch(backend, 4 * floats, (scratch) =>
    // Bias address 0 means none: no tensor of tfjs's lives at address 0.
    k.conv(
      addressOf(backend, x),
      addressOf(backend, filter),
      bias ? addressOf(backend, bias) : 0,
      addressOf(backend, y),
      scratch,
      ...geometry(convInfo),
      relu ? 1 : 0,
    ),
  );
  return y;
}

/**
 * dW [kh, kw, ci, co] of the convolution `convInfo` describes, from its input `x` [n, h, w, ci] and
 * output gradient `dy` [n, oh, ow, co]. Undefined when the kernel is not loaded or the case is not
 * its own (not float32, not NHWC, dilated).
 */
export function gemmConv2DBackpropFilter(
  backend: TfjsHeapBackend,
  x: TensorInfo,
  dy: TensorInfo,
  convInfo: backend_util.Conv2DInfo,
): TensorInfo | undefined {
  const k = convGemmKernel(backend);
  if (k == null || !ours(convInfo) || x.dtype !== "float32" || dy.dtype !== "float32") return undefined;
  const { filterHeight, filterWidth, inChannels, outChannels } = convInfo;
  const dW = backend.makeOutput([filterHeight, filterWidth, inChannels, outChannels], "float32");
  const floats = k.filter_grad_scratch_floats(filterHeight * filterWidth * inChannels, outChannels);
  withScratch(backend, 4 * floats, (scratch) =>
    k.filter_grad(
      addressOf(backend, x),
      addressOf(backend, dy),
      addressOf(backend, dW),
      scratch,
      ...geometry(convInfo),
    ),
  );
  return dW;
}
