import * as tf from "@tensorflow/tfjs";
import { xavier } from "./internal/init";
import { type ImageShape, imageShape, positiveInt, rate } from "./internal/options";

/**
 * Options of {@link alexnet}. The defaults build the seed's AlexNet for 224x224x1.
 *
 * @example
 * ```ts
 * import { type AlexNetOptions, alexnet } from "@ln/zoo";
 * const options: AlexNetOptions = { inputShape: [227, 227, 3], numClasses: 100 };
 * const net = alexnet(options);
 * ```
 */
export interface AlexNetOptions {
  /** Units of the last dense layer (logits). Default 10 (Fashion-MNIST). */
  numClasses?: number;
  /** One example, NHWC without the batch axis. Default `[224, 224, 1]`. */
  inputShape?: readonly number[];
  /** Dropout rate after each hidden dense layer. Default 0.5, as the seed. */
  dropout?: number;
  /** Seed for the Xavier initializers and the dropout masks. */
  seed?: number;
  /** Model name. Default `'alexnet'`. */
  name?: string;
}

/**
 * AlexNet exactly as the seed (d2l 8.1) for 1-channel 224x224 images: Conv2D(96, 11x11,
 * stride 4), ReLU, MaxPool(3, 2), Conv2D(256, 5x5, 'same'), ReLU, MaxPool(3, 2), three
 * 3x3 'same' convs (384, 384, 256) each with ReLU, MaxPool(3, 2), Flatten (6400),
 * Dense(4096), ReLU, Dropout(0.5), Dense(4096), ReLU, Dropout(0.5), Dense(10):
 * 46,764,746 parameters.
 *
 * The first conv uses `'valid'` padding: tfjs has no padding of 1, and for 224x224 both
 * give 54x54 (they agree whenever the side is 0 or 3 modulo 4). Fashion-MNIST's 28x28
 * images must be resized to 224 first (`batches(data, { resize: 224 })` in @ln/data);
 * `traceShapes` from @ln/inspect explains the failure otherwise.
 *
 * @example
 * ```ts
 * import { alexnet } from "@ln/zoo";
 * const net = alexnet();
 * console.log(net.countParams()); // 46764746
 * console.log(net.inputs[0].shape); // [null, 224, 224, 1]
 * ```
 */
export function alexnet(options: AlexNetOptions = {}): tf.Sequential {
  const where = "alexnet";
  const numClasses = positiveInt(where, "numClasses", options.numClasses ?? 10);
  const inputShape: ImageShape = imageShape(where, options.inputShape ?? [224, 224, 1]);
  const dropout = rate(where, "dropout", options.dropout ?? 0.5);
  const init = xavier(options.seed);
  const conv = (n: number, filters: number, kernelSize: number) =>
    tf.layers.conv2d({
      name: `conv${n}`,
      filters,
      kernelSize,
      padding: "same",
      kernelInitializer: init.kernel(),
      biasInitializer: init.bias,
    });
  const relu = (n: number) => tf.layers.activation({ name: `relu${n}`, activation: "relu" });
  const pool = (n: number) => tf.layers.maxPooling2d({ name: `pool${n}`, poolSize: 3, strides: 2 });
  const dense = (n: number, units: number) =>
    tf.layers.dense({
      name: `dense${n}`,
      units,
      kernelInitializer: init.kernel(),
      biasInitializer: init.bias,
    });
  const drop = (n: number) =>
    tf.layers.dropout({
      name: `dropout${n}`,
      rate: dropout,
      seed: options.seed === undefined ? undefined : options.seed + n,
    });

  return init.done(
    tf.sequential({
      name: options.name ?? "alexnet",
      layers: [
        tf.layers.conv2d({
          name: "conv1",
          inputShape,
          filters: 96,
          kernelSize: 11,
          strides: 4,
          padding: "valid",
          kernelInitializer: init.kernel(),
          biasInitializer: init.bias,
        }),
        relu(1),
        pool(1),
        conv(2, 256, 5),
        relu(2),
        pool(2),
        conv(3, 384, 3),
        relu(3),
        conv(4, 384, 3),
        relu(4),
        conv(5, 256, 3),
        relu(5),
        pool(3),
        tf.layers.flatten({ name: "flatten" }),
        dense(1, 4096),
        relu(6),
        drop(1),
        dense(2, 4096),
        relu(7),
        drop(2),
        dense(3, numClasses),
      ],
    }),
  );
}
