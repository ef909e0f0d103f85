// Stride-1 convolutions with 3x3 and 5x5 filters by Winograd's minimal filtering (conv-gemm-simd/
// kernel.c, `winograd_conv` and `winograd_filter_grad`): F(4x4, 3x3) and F(2x2, 5x5) do 4x and 2.8x
// fewer multiply-adds than im2col, in the same register tile. Used for the forward pass, for the input
// gradient (the filter read rotated and transposed) and for the filter gradient, where the channels
// are many enough (WINOGRAD_MIN_CHANNELS).
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { convGemmKernel } from "./conv-gemm";
import { addressOf, type TfjsHeapBackend, withScratch } from "./tfjs-memory";

/**
 * Both channel counts at least this: the transforms cost O(ci + co) per tile against the products'
 * O(ci·co), so with few channels (LeNet's 1-16) they would dominate. 32 is a choice, not a measured
 * crossing: the smallest case measured (bench/winograd.ts) is 64 -> 128 channels, 2.6x im2col.
 */
export const WINOGRAD_MIN_CHANNELS = 32;

/** A stride-1 convolution's geometry (padding on top and left; any, as the output size says). */
export interface WinogradGeometry {
  /** Output height and width. */
  oh: number;
  ow: number;
  padTop: number;
  padLeft: number;
}

let enabled = true;

/**
 * Turns Winograd's convolutions off (false: those convolutions run im2col or the direct kernel again,
 * whose sums round as before) or on again (true, the default). For comparing the two, and for whoever
 * wants the other rounding.
 */
export function useWinograd(on: boolean): void {
  enabled = on;
}

/** What both kernel functions take after their addresses: n, h, w, ci, co, r, oh, ow, pad top, pad left. */
function shapeArgs(x: TensorInfo, co: number, r: number, g: WinogradGeometry): number[] {
  const [n, h, w, ci] = x.shape;
  return [n, h, w, ci, co, r, g.oh, g.ow, g.padTop, g.padLeft];
}

/** Whether a stride-1, dilation-1 convolution with this square filter and these channels should take it. */
export function winogradWins(kh: number, kw: number, ci: number, co: number): boolean {
  return enabled && kh === kw && (kh === 3 || kh === 5) && Math.min(ci, co) >= WINOGRAD_MIN_CHANNELS;
}

/**
 * y [n, oh, ow, co] = act(bias + x [n, h, w, ci] ⋆ filter) at stride 1. `filter` is [r, r, ci, co];
 * with `inputGradient`, x is a convolution's dy and `filter` that convolution's [r, r, co, ci] filter,
 * read rotated 180° with its channels swapped (so y is its dx, given the padding that makes it so).
 * Undefined when the kernel is not loaded or the case is not its own (winogradWins, float32).
 */
export function winogradConv2D(
  backend: TfjsHeapBackend,
  x: TensorInfo,
  filter: TensorInfo,
  bias: TensorInfo | undefined,
  geometry: WinogradGeometry,
  relu: boolean,
  inputGradient: boolean,
): TensorInfo | undefined {
  const k = convGemmKernel(backend);
  const [n, , , ci] = x.shape;
  const [kh, kw, fi, fo] = filter.shape;
  const co = inputGradient ? fi : fo;
  if (k == null || x.dtype !== "float32" || filter.dtype !== "float32") return undefined;
  if ((inputGradient ? fo : fi) !== ci || !winogradWins(kh, kw, ci, co)) return undefined;
  if (bias && (bias.dtype !== "float32" || bias.shape.length !== 1 || bias.shape[0] !== co)) return undefined;
  const { oh, ow } = geometry;
  if (oh <= 0 || ow <= 0 || n === 0) return undefined;
  const y = backend.makeOutput([n, oh, ow, co], "float32");
  withScratch(backend, 4 * k.winograd_scratch_floats(ci, co), (scratch) =>
    k.winograd_conv(
      addressOf(backend, x),
      addressOf(backend, filter),
      bias ? addressOf(backend, bias) : 0,
      addressOf(backend, y),
      scratch,
      ...shapeArgs(x, co, kh, geometry),
      relu ? 1 : 0,
      inputGradient ? 1 : 0,
    ),
  );
  return y;
}

/**
 * dW [r, r, ci, co] of a stride-1 convolution of `x` [n, h, w, ci] whose output gradient is `dy`
 * [n, oh, ow, co], padded by `geometry`'s top and left. Undefined when the kernel is not loaded or
 * the case is not its own (winogradWins, float32).
 */
export function winogradConv2DBackpropFilter(
  backend: TfjsHeapBackend,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: readonly number[],
  geometry: WinogradGeometry,
): TensorInfo | undefined {
  const k = convGemmKernel(backend);
  const [n, , , ci] = x.shape;
  const [kh, kw, fi, co] = filterShape;
  const { oh, ow } = geometry;
  if (k == null || x.dtype !== "float32" || dy.dtype !== "float32" || fi !== ci) return undefined;
  if (!winogradWins(kh, kw, ci, co) || dy.shape.join() !== [n, oh, ow, co].join()) return undefined;
  const dW = backend.makeOutput([kh, kw, ci, co], "float32");
  withScratch(backend, 4 * k.winograd_filter_grad_scratch_floats(ci, co), (scratch) =>
    k.winograd_filter_grad(
      addressOf(backend, x),
      addressOf(backend, dy),
      addressOf(backend, dW),
      scratch,
      ...shapeArgs(x, co, kh, geometry),
    ),
  );
  return dW;
}
