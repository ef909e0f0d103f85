import * as tf from "@tensorflow/tfjs";
import { FlexibleSequential } from "./flexible-sequential";
import { batchNorm, conv, dense } from "./internal/blocks";
import { xavier } from "./internal/init";
import { imageShape, positiveInt } from "./internal/options";

/**
 * Options of {@link lenetBN}.
 *
 * @example
 * ```ts
 * import { type LeNetBNOptions, lenetBN } from "@ln/zoo";
 * const options: LeNetBNOptions = { numClasses: 26, seed: 3 };
 * const net = lenetBN(options);
 * ```
 */
export interface LeNetBNOptions {
  /** Units of the last dense layer (logits). Default 10. */
  numClasses?: number;
  /** One example, NHWC without the batch axis. Default `[28, 28, 1]`. */
  inputShape?: readonly number[];
  /** Width divisor for the convs (6 and 16 channels) and hidden dense layers (120, 84). Default 1. */
  widthDivisor?: number;
  /** Seed for the Xavier initializers. */
  seed?: number;
  /** Model name. Default `'lenet_bn'`. */
  name?: string;
}

/**
 * LeNet with batch normalization as d2l 8.5: Reshape, Conv2D(6, 5x5 'valid'), BatchNorm,
 * Sigmoid, AvgPool(2, 2), Conv2D(16, 5x5), BatchNorm, Sigmoid, AvgPool(2, 2), Flatten
 * (256), Dense(120), BatchNorm, Sigmoid, Dense(84), BatchNorm, Sigmoid, Dense(10). Takes
 * `[n, 784]`, `[n, 28, 28]` and `[n, 28, 28, 1]` as {@link lenet} does. Batch norm uses
 * PyTorch's momentum and epsilon; its moving statistics count as non-trainable parameters.
 *
 * @example
 * ```ts
 * import { lenetBN } from "@ln/zoo";
 * const net = lenetBN();
 * console.log(net.getLayer("flatten").outputShape); // [null, 256]
 * ```
 */
export function lenetBN(options: LeNetBNOptions = {}): FlexibleSequential {
  const where = "lenetBN";
  const inputShape = imageShape(where, options.inputShape ?? [28, 28, 1]);
  const numClasses = positiveInt(where, "numClasses", options.numClasses ?? 10);
  const d = positiveInt(where, "widthDivisor", options.widthDivisor ?? 1);
  const w = (c: number) => Math.max(1, Math.floor(c / d));
  const init = xavier(options.seed);
  const sigmoid = (n: number) => tf.layers.activation({ name: `sigmoid${n}`, activation: "sigmoid" });
  const pool = (n: number) => tf.layers.averagePooling2d({ name: `pool${n}`, poolSize: 2, strides: 2 });
  return init.done(
    new FlexibleSequential({
      name: options.name ?? "lenet_bn",
      layers: [
        tf.layers.reshape({ name: "reshape", targetShape: inputShape, inputShape }),
        conv(init, "conv1", w(6), 5, { padding: "valid" }),
        batchNorm("bn1"),
        sigmoid(1),
        pool(1),
        conv(init, "conv2", w(16), 5, { padding: "valid" }),
        batchNorm("bn2"),
        sigmoid(2),
        pool(2),
        tf.layers.flatten({ name: "flatten" }),
        dense(init, "dense1", w(120)),
        batchNorm("bn3"),
        sigmoid(3),
        dense(init, "dense2", w(84)),
        batchNorm("bn4"),
        sigmoid(4),
        dense(init, "dense3", numClasses),
      ],
    }),
  );
}
