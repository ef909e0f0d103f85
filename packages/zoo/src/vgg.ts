import * as tf from "@tensorflow/tfjs";
import { conv, dense, type ModernOptions, relu } from "./internal/blocks";
import { xavier } from "./internal/init";
import { imageShape, narrow, positiveInt, rate } from "./internal/options";

/**
 * Options of {@link vgg11}. Defaults: 224x224x1, full width, 4096-unit dense layers.
 *
 * @example
 * ```ts
 * import { type VggOptions, vgg11 } from "@ln/zoo";
 * const options: VggOptions = { widthDivisor: 4, denseUnits: 1024 };
 * const net = vgg11(options);
 * ```
 */
export interface VggOptions extends ModernOptions {
  /** Units of the two hidden dense layers. Default 4096, as d2l (which keeps them when it narrows the convs). */
  denseUnits?: number;
  /** Dropout rate after each hidden dense layer. Default 0.5. */
  dropout?: number;
}

/** VGG-11's blocks: (number of 3x3 convs, output channels), each followed by a 2x2 max pool. */
const VGG11_BLOCKS: ReadonlyArray<[convs: number, channels: number]> = [
  [1, 64],
  [1, 128],
  [2, 256],
  [2, 512],
  [2, 512],
];

/**
 * VGG-11 as d2l 8.2: five blocks of 3x3 'same' convs with ReLU, each ending in a 2x2 max
 * pool (1, 1, 2, 2, 2 convs of 64, 128, 256, 512, 512 channels), then Dense(4096), ReLU,
 * Dropout(0.5), Dense(4096), ReLU, Dropout(0.5), Dense(10). d2l trains it on Fashion-MNIST
 * resized to 224 with `widthDivisor: 4`. Layers are named `block2_conv1`, `block2_relu1`,
 * `block2_pool`, ...
 *
 * @example
 * ```ts
 * import { vgg11 } from "@ln/zoo";
 * const net = vgg11({ widthDivisor: 4 }); // d2l's small_conv_arch
 * console.log(net.getLayer("block5_pool").outputShape); // [null, 7, 7, 128]
 * ```
 */
export function vgg11(options: VggOptions = {}): tf.Sequential {
  const where = "vgg11";
  const inputShape = imageShape(where, options.inputShape ?? [224, 224, 1]);
  const divisor = positiveInt(where, "widthDivisor", options.widthDivisor ?? 1);
  const numClasses = positiveInt(where, "numClasses", options.numClasses ?? 10);
  const denseUnits = positiveInt(where, "denseUnits", options.denseUnits ?? 4096);
  const dropout = rate(where, "dropout", options.dropout ?? 0.5);
  const init = xavier(options.seed);
  const model = tf.sequential({ name: options.name ?? "vgg11" });
  model.add(tf.layers.inputLayer({ inputShape, name: "image" }));
  VGG11_BLOCKS.forEach(([convs, channels], b) => {
    for (let i = 1; i <= convs; i++) {
      model.add(conv(init, `block${b + 1}_conv${i}`, narrow(channels, divisor), 3));
      model.add(relu(`block${b + 1}_relu${i}`));
    }
    model.add(tf.layers.maxPooling2d({ name: `block${b + 1}_pool`, poolSize: 2, strides: 2 }));
  });
  const seed = options.seed;
  model.add(tf.layers.flatten({ name: "flatten" }));
  for (const n of [1, 2]) {
    model.add(dense(init, `dense${n}`, denseUnits));
    model.add(relu(`relu${n}`));
    model.add(
      tf.layers.dropout({
        name: `dropout${n}`,
        rate: dropout,
        seed: seed === undefined ? undefined : seed + n,
      }),
    );
  }
  model.add(dense(init, "dense3", numClasses));
  return init.done(model);
}
