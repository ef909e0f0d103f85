import * as tf from "@tensorflow/tfjs";
import { conv, type ModernOptions, relu } from "./internal/blocks";
import { xavier } from "./internal/init";
import { imageShape, narrow, positiveInt, rate } from "./internal/options";

/**
 * Options of {@link nin}. Defaults: 224x224x1, full width.
 *
 * @example
 * ```ts
 * import { type NinOptions, nin } from "@ln/zoo";
 * const options: NinOptions = { inputShape: [96, 96, 1], widthDivisor: 2 };
 * const net = nin(options);
 * ```
 */
export interface NinOptions extends ModernOptions {
  /** Dropout rate before the last block. Default 0.5. */
  dropout?: number;
}

/**
 * Network in Network as d2l 8.3: four NiN blocks (a conv, then two 1x1 convs, each with
 * ReLU): 96 channels 11x11 stride 4 'valid', max pool 3/2, 256 channels 5x5, max pool 3/2,
 * 384 channels 3x3, max pool 3/2, dropout 0.5, then a block with one channel per class and
 * global average pooling: no dense layer at all. Blocks are named `nin1_conv`,
 * `nin1_relu`, `nin1_mlp1`, `nin1_mlp1_relu`, ...
 *
 * @example
 * ```ts
 * import { nin } from "@ln/zoo";
 * const net = nin();
 * console.log(net.outputs[0].shape); // [null, 10]
 * ```
 */
export function nin(options: NinOptions = {}): tf.Sequential {
  const where = "nin";
  const inputShape = imageShape(where, options.inputShape ?? [224, 224, 1]);
  const divisor = positiveInt(where, "widthDivisor", options.widthDivisor ?? 1);
  const numClasses = positiveInt(where, "numClasses", options.numClasses ?? 10);
  const dropout = rate(where, "dropout", options.dropout ?? 0.5);
  const init = xavier(options.seed);
  const model = tf.sequential({ name: options.name ?? "nin" });
  model.add(tf.layers.inputLayer({ inputShape, name: "image" }));
  const block = (
    n: number,
    channels: number,
    kernelSize: number,
    strides: number,
    padding: "same" | "valid",
  ) => {
    model.add(conv(init, `nin${n}_conv`, channels, kernelSize, { strides, padding }));
    model.add(relu(`nin${n}_relu`));
    for (const m of [1, 2]) {
      model.add(conv(init, `nin${n}_mlp${m}`, channels, 1));
      model.add(relu(`nin${n}_mlp${m}_relu`));
    }
  };
  const pool = (n: number) =>
    model.add(tf.layers.maxPooling2d({ name: `pool${n}`, poolSize: 3, strides: 2 }));
  block(1, narrow(96, divisor), 11, 4, "valid");
  pool(1);
  block(2, narrow(256, divisor), 5, 1, "same");
  pool(2);
  block(3, narrow(384, divisor), 3, 1, "same");
  pool(3);
  model.add(tf.layers.dropout({ name: "dropout", rate: dropout, seed: options.seed }));
  block(4, numClasses, 3, 1, "same");
  model.add(tf.layers.globalAveragePooling2d({ name: "global_pool" }));
  return init.done(model);
}
