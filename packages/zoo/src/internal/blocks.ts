import * as tf from "@tensorflow/tfjs";
import type { Xavier } from "./init";

/**
 * The options every model of d2l's "modern CNNs" chapter takes here.
 *
 * @example
 * ```ts
 * import { type ModernOptions, resnet18 } from "@ln/zoo";
 * const small: ModernOptions = { inputShape: [64, 64, 1], widthDivisor: 4, numClasses: 10 };
 * const net = resnet18(small);
 * ```
 */
export interface ModernOptions {
  /** One example, NHWC without the batch axis. Each model documents its default. */
  inputShape?: readonly number[];
  /**
   * Divide every convolution's channel count by this (at least one channel stays), as d2l
   * shrinks VGG with `ratio = 4` so it trains on Fashion-MNIST in minutes. Default 1.
   */
  widthDivisor?: number;
  /** Units of the last layer (logits). Default 10 (Fashion-MNIST). */
  numClasses?: number;
  /** Seed for the Xavier initializers (and dropout masks where there are any). */
  seed?: number;
  /** Model name. Defaults to the function's name. */
  name?: string;
}

/** A conv layer with Xavier kernel and zero bias; `'same'` padding unless told. */
export function conv(
  init: Xavier,
  name: string,
  filters: number,
  kernelSize: number,
  options: { strides?: number; padding?: "same" | "valid" } = {},
) {
  return tf.layers.conv2d({
    name,
    filters,
    kernelSize,
    strides: options.strides ?? 1,
    padding: options.padding ?? "same",
    kernelInitializer: init.kernel(),
    biasInitializer: init.bias,
  });
}

/** A dense layer with Xavier kernel and zero bias. */
export function dense(init: Xavier, name: string, units: number) {
  return tf.layers.dense({ name, units, kernelInitializer: init.kernel(), biasInitializer: init.bias });
}

export function relu(name: string) {
  return tf.layers.activation({ name, activation: "relu" });
}

/** Batch norm with PyTorch's defaults (momentum 0.1 there is 0.9 here; epsilon 1e-5), as d2l. */
export function batchNorm(name: string) {
  return tf.layers.batchNormalization({ name, momentum: 0.9, epsilon: 1e-5 });
}

/** Applies layers in order to a symbolic tensor (functional models). */
export function chain(x: tf.SymbolicTensor, ...layers: tf.layers.Layer[]): tf.SymbolicTensor {
  return layers.reduce((t, layer) => layer.apply(t) as tf.SymbolicTensor, x);
}
