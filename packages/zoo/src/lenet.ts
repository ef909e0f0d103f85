import * as tf from "@tensorflow/tfjs";
import { FlexibleSequential } from "./flexible-sequential";
import { xavier } from "./internal/init";
import { type ImageShape, imageShape, oneOf, positiveInt } from "./internal/options";

/**
 * Options of {@link lenet}. Every field is optional; the defaults build the seed's LeNet.
 *
 * @example
 * ```ts
 * import { type LeNetOptions, lenet } from "@ln/zoo";
 * const options: LeNetOptions = { activation: "relu", pooling: "max", seed: 42 };
 * const net = lenet(options);
 * ```
 */
export interface LeNetOptions {
  /** Activation after each conv and hidden dense layer: the seed's `'sigmoid'` (default) or `'relu'`. */
  activation?: "sigmoid" | "relu";
  /** Pooling after each conv block: the seed's `'avg'` (default) or `'max'`. */
  pooling?: "avg" | "max";
  /** Units of the last dense layer (logits). Default 10 (Fashion-MNIST). */
  numClasses?: number;
  /** One example, NHWC without the batch axis. Default `[28, 28, 1]`. */
  inputShape?: readonly number[];
  /** Seed for the Xavier initializers, for weights that are the same on every run. */
  seed?: number;
  /** Model name. Default `'lenet'`. */
  name?: string;
}

/**
 * LeNet-5 exactly as the seed (d2l 7.6): Reshape, Conv2D(6, 5x5, 'same' = PyTorch's
 * padding 2), Sigmoid, AvgPool(2, 2), Conv2D(16, 5x5), Sigmoid, AvgPool(2, 2), Flatten,
 * Dense(120), Sigmoid, Dense(84), Sigmoid, Dense(10): 61,706 parameters for 28x28x1.
 *
 * Each activation is a layer of its own (named `sigmoid1`...`sigmoid4`), so a trace shows
 * every step as the seed's `for layer in net` loop does. Kernels are Xavier (Glorot)
 * uniform and biases zero, as d2l's `init_weights`. The model is a
 * {@link FlexibleSequential}: `predict`, `fit` and `evaluate` take `[n, 784]`,
 * `[n, 28, 28]` or `[n, 28, 28, 1]`; so does `model.apply` through the first `Reshape`.
 * Layout is NHWC (channels last), as everywhere in tfjs.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { lenet } from "@ln/zoo";
 * const net = lenet();
 * console.log(net.countParams()); // 61706
 * const logits = net.predict(tf.randomNormal([2, 784])) as tf.Tensor;
 * console.log(logits.shape); // [2, 10]
 * ```
 */
export function lenet(options: LeNetOptions = {}): FlexibleSequential {
  const where = "lenet";
  const activation = oneOf(where, "activation", options.activation ?? "sigmoid", ["sigmoid", "relu"]);
  const pooling = oneOf(where, "pooling", options.pooling ?? "avg", ["avg", "max"]);
  const numClasses = positiveInt(where, "numClasses", options.numClasses ?? 10);
  const inputShape: ImageShape = imageShape(where, options.inputShape ?? [28, 28, 1]);
  const init = xavier(options.seed);
  const conv = (name: string, filters: number, padding: "same" | "valid") =>
    tf.layers.conv2d({
      name,
      filters,
      kernelSize: 5,
      padding,
      kernelInitializer: init.kernel(),
      biasInitializer: init.bias,
    });
  const dense = (name: string, units: number) =>
    tf.layers.dense({ name, units, kernelInitializer: init.kernel(), biasInitializer: init.bias });
  const act = (n: number) => tf.layers.activation({ name: `${activation}${n}`, activation });
  const pool = (n: number) => {
    const args = { name: `pool${n}`, poolSize: 2, strides: 2 };
    return pooling === "avg" ? tf.layers.averagePooling2d(args) : tf.layers.maxPooling2d(args);
  };

  return init.done(
    new FlexibleSequential({
      name: options.name ?? "lenet",
      layers: [
        // The seed's Reshape: X.reshape(-1, 1, 28, 28), NHWC here.
        tf.layers.reshape({ name: "reshape", targetShape: inputShape, inputShape }),
        conv("conv1", 6, "same"),
        act(1),
        pool(1),
        conv("conv2", 16, "valid"),
        act(2),
        pool(2),
        tf.layers.flatten({ name: "flatten" }),
        dense("dense1", 120),
        act(3),
        dense("dense2", 84),
        act(4),
        dense("dense3", numClasses),
      ],
    }),
  );
}
