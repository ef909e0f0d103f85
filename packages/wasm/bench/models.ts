// The models the kernel scripts train, all from @ln/zoo: the seed's LeNet and AlexNet at full size, and
// the other chapters' nets narrowed (widthDivisor) and on small inputs, so a training step on wasm takes
// well under a second and `discover.ts` covers every layer kind the zoo uses.
import { alexnet, googlenet, lenet, lenetBN, nin, resnet18, vgg11 } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";

/** Each zoo model as `discover.ts` trains it (NHWC input shapes in the model itself). */
export const DISCOVER_MODELS = {
  lenet: () => lenet(),
  "lenet-relu-max": () => lenet({ activation: "relu", pooling: "max" }),
  // ZeroPadding-free stride-4 11x11 conv, three pools, dropout: AlexNet's kernels at 67x67.
  alexnet: () => alexnet({ inputShape: [67, 67, 1] }),
  vgg: () => vgg11({ inputShape: [32, 32, 3], widthDivisor: 16, denseUnits: 16 }),
  nin: () => nin({ inputShape: [96, 96, 1], widthDivisor: 16 }),
  googlenet: () => googlenet({ inputShape: [32, 32, 3], widthDivisor: 16 }),
  resnet: () => resnet18({ inputShape: [32, 32, 3], widthDivisor: 16 }),
  "lenet-bn": () => lenetBN(),
} satisfies Record<string, () => tf.LayersModel>;

export type ModelName = keyof typeof DISCOVER_MODELS;

/** One training step as d2l's train_ch6 does it: mean softmax cross-entropy on logits; returns the loss. */
export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  x: tf.Tensor,
  y: tf.Tensor,
): number {
  return tf.tidy(() => {
    const loss = optimizer.minimize(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(y as tf.Tensor1D, 10), logits) as tf.Scalar;
    }, true) as tf.Scalar;
    return loss.dataSync()[0];
  });
}
