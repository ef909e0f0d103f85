import * as tf from "@tensorflow/tfjs";
import { chain, conv, dense, type ModernOptions, relu } from "./internal/blocks";
import { type Xavier, xavier } from "./internal/init";
import { imageShape, narrow, positiveInt } from "./internal/options";

/**
 * Options of {@link googlenet}. Defaults: 96x96x1 (d2l's size for Fashion-MNIST), full width.
 *
 * @example
 * ```ts
 * import { type GoogLeNetOptions, googlenet } from "@ln/zoo";
 * const options: GoogLeNetOptions = { widthDivisor: 4, seed: 1 };
 * const net = googlenet(options);
 * ```
 */
export type GoogLeNetOptions = ModernOptions;

/** Channels of an Inception block: 1x1; 1x1 then 3x3; 1x1 then 5x5; 3x3 max pool then 1x1. */
type InceptionChannels = [c1: number, c2: [number, number], c3: [number, number], c4: number];

/** d2l 8.4's Inception blocks, in order, grouped by stage (a 3x3/2 max pool after stages 3 and 4). */
const STAGES: ReadonlyArray<ReadonlyArray<InceptionChannels>> = [
  [
    [64, [96, 128], [16, 32], 32],
    [128, [128, 192], [32, 96], 64],
  ],
  [
    [192, [96, 208], [16, 48], 64],
    [160, [112, 224], [24, 64], 64],
    [128, [128, 256], [24, 64], 64],
    [112, [144, 288], [32, 64], 64],
    [256, [160, 320], [32, 128], 128],
  ],
  [
    [256, [160, 320], [32, 128], 128],
    [384, [192, 384], [48, 128], 128],
  ],
];

function inception(init: Xavier, name: string, x: tf.SymbolicTensor, channels: InceptionChannels, d: number) {
  const [c1, c2, c3, c4] = channels;
  const w = (c: number) => narrow(c, d);
  const b1 = chain(x, conv(init, `${name}_b1_1x1`, w(c1), 1), relu(`${name}_b1_relu`));
  const b2 = chain(
    x,
    conv(init, `${name}_b2_1x1`, w(c2[0]), 1),
    relu(`${name}_b2_relu1`),
    conv(init, `${name}_b2_3x3`, w(c2[1]), 3),
    relu(`${name}_b2_relu2`),
  );
  const b3 = chain(
    x,
    conv(init, `${name}_b3_1x1`, w(c3[0]), 1),
    relu(`${name}_b3_relu1`),
    conv(init, `${name}_b3_5x5`, w(c3[1]), 5),
    relu(`${name}_b3_relu2`),
  );
  const b4 = chain(
    x,
    tf.layers.maxPooling2d({ name: `${name}_b4_pool`, poolSize: 3, strides: 1, padding: "same" }),
    conv(init, `${name}_b4_1x1`, w(c4), 1),
    relu(`${name}_b4_relu`),
  );
  return tf.layers.concatenate({ name: `${name}_concat` }).apply([b1, b2, b3, b4]) as tf.SymbolicTensor;
}

/**
 * GoogLeNet as d2l 8.4, a functional model: a 7x7/2 conv (64) and 3x3/2 max pool; 1x1 (64)
 * and 3x3 (192) convs and a 3x3/2 max pool; two Inception blocks and a max pool; five
 * Inception blocks and a max pool; two Inception blocks, global average pooling and a
 * dense layer. All paddings are 'same', which is PyTorch's padding for these kernels and
 * strides. Layers are named `inception3a_b2_3x3` and so on.
 *
 * @example
 * ```ts
 * import { googlenet } from "@ln/zoo";
 * const net = googlenet({ widthDivisor: 4 });
 * console.log(net.getLayer("inception5b_concat").outputShape); // [null, 3, 3, 256]
 * ```
 */
export function googlenet(options: GoogLeNetOptions = {}): tf.LayersModel {
  const where = "googlenet";
  const inputShape = imageShape(where, options.inputShape ?? [96, 96, 1]);
  const d = positiveInt(where, "widthDivisor", options.widthDivisor ?? 1);
  const numClasses = positiveInt(where, "numClasses", options.numClasses ?? 10);
  const init = xavier(options.seed);
  const input = tf.input({ shape: inputShape, name: "image" });
  const pool = (name: string) => tf.layers.maxPooling2d({ name, poolSize: 3, strides: 2, padding: "same" });
  let x = chain(
    input,
    conv(init, "stem_conv7x7", narrow(64, d), 7, { strides: 2 }),
    relu("stem_relu1"),
    pool("stem_pool1"),
    conv(init, "stem_conv1x1", narrow(64, d), 1),
    relu("stem_relu2"),
    conv(init, "stem_conv3x3", narrow(192, d), 3),
    relu("stem_relu3"),
    pool("stem_pool2"),
  );
  STAGES.forEach((blocks, s) => {
    blocks.forEach((channels, b) => {
      x = inception(init, `inception${s + 3}${"abcde"[b]}`, x, channels, d);
    });
    if (s < 2) x = pool(`stage${s + 3}_pool`).apply(x) as tf.SymbolicTensor;
  });
  const output = chain(
    x,
    tf.layers.globalAveragePooling2d({ name: "global_pool" }),
    dense(init, "dense", numClasses),
  );
  return init.done(tf.model({ name: options.name ?? "googlenet", inputs: input, outputs: output }));
}
