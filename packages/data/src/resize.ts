/**
 * Per-axis sampling plan for bilinear resizing with half-pixel centers (align_corners=false): output
 * index `o` samples source coordinate `s = (o + 0.5) * in / out - 0.5`, clamped below at 0, between
 * source pixels `floor(s)` and `min(floor(s) + 1, in - 1)` with weight `s - floor(s)` on the second.
 * This is PyTorch's `interpolate(mode="bilinear", align_corners=False)` and TensorFlow's
 * `resizeBilinear(..., alignCorners=false, halfPixelCenters=true)`.
 * @internal
 */
export interface AxisPlan {
  lo: Int32Array;
  hi: Int32Array;
  weight: Float32Array;
}

/** @internal */
export function axisPlan(inSize: number, outSize: number): AxisPlan {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const weight = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const s = Math.max((o + 0.5) * scale - 0.5, 0);
    const i0 = Math.min(Math.floor(s), inSize - 1);
    lo[o] = i0;
    hi[o] = Math.min(i0 + 1, inSize - 1);
    weight[o] = s - i0;
  }
  return { lo, hi, weight };
}

/**
 * Resizes one single-channel float image `src` (h x w, row-major) into `dst` at `dstOffset`
 * (outH x outW) with the plans from {@link axisPlan}. Separable: each source row is interpolated along x
 * once into `rowsScratch` (h x outW, float64 so that nothing is rounded before the last step), then
 * output rows interpolate between two of those. Per output pixel: `top + (bottom - top) * wy` with
 * `top`/`bottom` = `a + (b - a) * wx`, the same sums as the direct 4-neighbour formula.
 * @internal
 */
export function resizeBilinearInto(
  src: Float32Array,
  w: number,
  rows: AxisPlan,
  cols: AxisPlan,
  dst: Float32Array,
  dstOffset: number,
  rowsScratch: Float64Array = new Float64Array((src.length / w) * cols.lo.length),
): void {
  const h = src.length / w;
  const outH = rows.lo.length;
  const outW = cols.lo.length;
  const { lo: c0, hi: c1, weight: cw } = cols;
  for (let y = 0; y < h; y++) {
    const r = y * w;
    const o = y * outW;
    for (let ox = 0; ox < outW; ox++) {
      const a = src[r + c0[ox]];
      rowsScratch[o + ox] = a + (src[r + c1[ox]] - a) * cw[ox];
    }
  }
  let p = dstOffset;
  for (let oy = 0; oy < outH; oy++) {
    const t = rows.lo[oy] * outW;
    const b = rows.hi[oy] * outW;
    const wy = rows.weight[oy];
    for (let ox = 0; ox < outW; ox++) {
      const top = rowsScratch[t + ox];
      dst[p++] = top + (rowsScratch[b + ox] - top) * wy;
    }
  }
}
