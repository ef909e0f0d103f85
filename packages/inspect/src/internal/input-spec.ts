import type * as tf from "@tensorflow/tfjs";

/** A layer's declared input constraints, as tfjs stores them once the layer is built. */
interface InputSpecLike {
  ndim?: number;
  minNDim?: number;
  maxNDim?: number;
  axes?: Record<string, number>;
}

/** Why an input does not fit a layer: what kind of mismatch, and what the layer needed. */
export interface Mismatch {
  kind: "rank" | "axis";
  /** What the layer needed, in words. */
  expected: string;
  /** For `axis`: the axis (non-negative) and the size it needed. */
  axis?: number;
  size?: number;
}

const RANK_LAYOUTS: Record<number, string> = {
  2: "[batch, features]",
  3: "[batch, steps, channels]",
  4: "[batch, height, width, channels]",
  5: "[batch, depth, height, width, channels]",
};

function rankWords(ndim: number): string {
  return RANK_LAYOUTS[ndim] ? `rank ${ndim}: ${RANK_LAYOUTS[ndim]}` : `rank ${ndim}`;
}

function isChannelsLast(layer: tf.layers.Layer): boolean {
  const config = layer.getConfig() as { dataFormat?: string };
  return config.dataFormat !== "channelsFirst";
}

function axisWords(layer: tf.layers.Layer, axis: number, rank: number, size: number): string {
  const last = axis === rank - 1;
  const className = layer.getClassName();
  if (last && className === "Dense") return `${size} features in the last axis`;
  if (last && isChannelsLast(layer)) return `${size} channel${size === 1 ? "" : "s"} in the last axis (NHWC)`;
  if (axis === 1 && !isChannelsLast(layer)) return `${size} channel${size === 1 ? "" : "s"} in axis 1 (NCHW)`;
  return `size ${size} in axis ${axis}`;
}

/**
 * Checks input shapes against a built layer's `inputSpec` (rank, minimum and maximum
 * rank, fixed axis sizes) the way tfjs's own `assertInputCompatibility` does, but returns
 * what was needed in words instead of throwing. Returns null when they fit, or when the
 * layer declares nothing.
 */
export function checkInputSpec(layer: tf.layers.Layer, shapes: number[][]): Mismatch | null {
  const specs = layer.inputSpec as unknown as InputSpecLike[] | null | undefined;
  if (!specs) return null;
  for (let i = 0; i < Math.min(specs.length, shapes.length); i++) {
    const spec = specs[i];
    const shape = shapes[i];
    if (!spec || !shape) continue;
    const rank = shape.length;
    if (spec.ndim != null && rank !== spec.ndim) return { kind: "rank", expected: rankWords(spec.ndim) };
    if (spec.minNDim != null && rank < spec.minNDim) {
      return { kind: "rank", expected: `rank ${spec.minNDim} or more` };
    }
    if (spec.maxNDim != null && rank > spec.maxNDim) {
      return { kind: "rank", expected: `rank ${spec.maxNDim} or less` };
    }
    for (const [key, size] of Object.entries(spec.axes ?? {})) {
      const axis = Number(key) < 0 ? rank + Number(key) : Number(key);
      if (size != null && shape[axis] !== size) {
        return { kind: "axis", expected: axisWords(layer, axis, rank, size), axis, size };
      }
    }
  }
  return null;
}

/**
 * The smallest spatial input a conv or pooling layer takes, in words, from its window,
 * stride and padding: what an empty output from that layer means it needed.
 */
export function windowWords(layer: tf.layers.Layer): string | null {
  const config = layer.getConfig() as {
    kernelSize?: number | number[];
    poolSize?: number | number[];
    strides?: number | number[];
    padding?: string;
  };
  const window = config.kernelSize ?? config.poolSize;
  if (window == null) return null;
  const sizes = Array.isArray(window) ? window : [window];
  const strides =
    config.strides == null ? [] : Array.isArray(config.strides) ? config.strides : [config.strides];
  const what = config.kernelSize != null ? "kernel" : "pool";
  const padding = config.padding ?? "valid";
  const least = padding === "same" ? sizes.map(() => 1) : sizes;
  const dims = least.length === 2 ? "height and width" : "each spatial axis";
  return (
    `${dims} of at least ${least.join("x")} (${what} ${sizes.join("x")}` +
    `${strides.length ? `, stride ${strides.join("x")}` : ""}, padding '${padding}')`
  );
}
