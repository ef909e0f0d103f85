import * as tf from "@tensorflow/tfjs";
import { batchNorm, chain, conv, dense, type ModernOptions, relu } from "./internal/blocks";
import { type Xavier, xavier } from "./internal/init";
import { imageShape, narrow, positiveInt } from "./internal/options";

/**
 * Options of {@link resnet18}. Defaults: 96x96x1 (d2l's size for Fashion-MNIST), full width.
 *
 * @example
 * ```ts
 * import { type ResNetOptions, resnet18 } from "@ln/zoo";
 * const options: ResNetOptions = { inputShape: [224, 224, 1], numClasses: 100 };
 * const net = resnet18(options);
 * ```
 */
export type ResNetOptions = ModernOptions;

/**
 * d2l's `Residual`: 3x3 conv (stride `strides`), batch norm, ReLU, 3x3 conv, batch norm;
 * added to the input (through a strided 1x1 conv when the shape changes), then ReLU.
 */
function residual(
  init: Xavier,
  name: string,
  x: tf.SymbolicTensor,
  channels: number,
  strides: number,
  project: boolean,
) {
  const y = chain(
    x,
    conv(init, `${name}_conv1`, channels, 3, { strides }),
    batchNorm(`${name}_bn1`),
    relu(`${name}_relu1`),
    conv(init, `${name}_conv2`, channels, 3),
    batchNorm(`${name}_bn2`),
  );
  const shortcut = project ? chain(x, conv(init, `${name}_shortcut`, channels, 1, { strides })) : x;
  const sum = tf.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as tf.SymbolicTensor;
  return relu(`${name}_relu2`).apply(sum) as tf.SymbolicTensor;
}

/**
 * ResNet-18 as d2l 8.6, a functional model: a 7x7/2 conv (64), batch norm, ReLU and a
 * 3x3/2 max pool; four stages of two residual blocks (64, 128, 256, 512 channels; stages
 * 2-4 start with stride 2 and a 1x1 projection); global average pooling and a dense layer.
 * Convs keep their biases, as d2l's `nn.Conv2d`. Batch norm uses PyTorch's momentum and
 * epsilon. Blocks are named `stage2_block1_conv1` and so on.
 *
 * Parameter counts include batch norm's moving mean and variance (non-trainable), as
 * tfjs and Keras count them; PyTorch lists them as buffers instead.
 *
 * @example
 * ```ts
 * import { resnet18 } from "@ln/zoo";
 * const net = resnet18();
 * console.log(net.getLayer("stage4_block2_relu2").outputShape); // [null, 3, 3, 512]
 * ```
 */
export function resnet18(options: ResNetOptions = {}): tf.LayersModel {
  const where = "resnet18";
  const inputShape = imageShape(where, options.inputShape ?? [96, 96, 1]);
  const d = positiveInt(where, "widthDivisor", options.widthDivisor ?? 1);
  const numClasses = positiveInt(where, "numClasses", options.numClasses ?? 10);
  const init = xavier(options.seed);
  const input = tf.input({ shape: inputShape, name: "image" });
  let x = chain(
    input,
    conv(init, "stem_conv", narrow(64, d), 7, { strides: 2 }),
    batchNorm("stem_bn"),
    relu("stem_relu"),
    tf.layers.maxPooling2d({ name: "stem_pool", poolSize: 3, strides: 2, padding: "same" }),
  );
  [64, 128, 256, 512].forEach((channels, s) => {
    const first = s === 0;
    x = residual(init, `stage${s + 1}_block1`, x, narrow(channels, d), first ? 1 : 2, !first);
    x = residual(init, `stage${s + 1}_block2`, x, narrow(channels, d), 1, false);
  });
  const output = chain(
    x,
    tf.layers.globalAveragePooling2d({ name: "global_pool" }),
    dense(init, "dense", numClasses),
  );
  return init.done(tf.model({ name: options.name ?? "resnet18", inputs: input, outputs: output }));
}
