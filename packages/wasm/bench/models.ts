import * as tf from "@tensorflow/tfjs";

/** Small versions of the models a training step must support on wasm (shapes kept
 * small so the cpu reference stays fast). Each takes NHWC input. */
export type ModelName =
  | "lenet"
  | "lenet-relu-max"
  | "alexnet"
  | "vgg"
  | "nin"
  | "googlenet"
  | "resnet"
  | "lenet-bn";

export function buildModel(
  name: ModelName,
  inputShape: [number, number, number],
  classes = 10,
): tf.LayersModel {
  const L = tf.layers;
  switch (name) {
    case "lenet":
    case "lenet-relu-max": {
      const act = name === "lenet" ? "sigmoid" : "relu";
      const pool = name === "lenet" ? L.averagePooling2d : L.maxPooling2d;
      return tf.sequential({
        layers: [
          L.reshape({ targetShape: inputShape, inputShape: [inputShape[0] * inputShape[1] * inputShape[2]] }),
          L.conv2d({ filters: 6, kernelSize: 5, padding: "same" }),
          L.activation({ activation: act }),
          pool({ poolSize: 2, strides: 2 }),
          L.conv2d({ filters: 16, kernelSize: 5 }),
          L.activation({ activation: act }),
          pool({ poolSize: 2, strides: 2 }),
          L.flatten(),
          L.dense({ units: 120 }),
          L.activation({ activation: act }),
          L.dense({ units: 84 }),
          L.activation({ activation: act }),
          L.dense({ units: classes }),
        ],
      });
    }
    case "alexnet":
      return tf.sequential({
        layers: [
          L.zeroPadding2d({ padding: 1, inputShape }),
          L.conv2d({ filters: 8, kernelSize: 11, strides: 4, activation: "relu" }),
          L.maxPooling2d({ poolSize: 3, strides: 2 }),
          L.conv2d({ filters: 12, kernelSize: 5, padding: "same", activation: "relu" }),
          L.maxPooling2d({ poolSize: 3, strides: 2 }),
          L.conv2d({ filters: 16, kernelSize: 3, padding: "same", activation: "relu" }),
          L.flatten(),
          L.dense({ units: 32, activation: "relu" }),
          L.dropout({ rate: 0.5 }),
          L.dense({ units: classes }),
        ],
      });
    case "vgg":
      return tf.sequential({
        layers: [
          L.conv2d({ filters: 4, kernelSize: 3, padding: "same", activation: "relu", inputShape }),
          L.conv2d({ filters: 4, kernelSize: 3, padding: "same", activation: "relu" }),
          L.maxPooling2d({ poolSize: 2, strides: 2 }),
          L.flatten(),
          L.dense({ units: 16, activation: "relu" }),
          L.dropout({ rate: 0.5 }),
          L.dense({ units: classes }),
        ],
      });
    case "nin":
      return tf.sequential({
        layers: [
          L.conv2d({ filters: 6, kernelSize: 5, strides: 2, activation: "relu", inputShape }),
          L.conv2d({ filters: 6, kernelSize: 1, activation: "relu" }),
          L.maxPooling2d({ poolSize: 3, strides: 2 }),
          L.dropout({ rate: 0.5 }),
          L.conv2d({ filters: classes, kernelSize: 3, padding: "same", activation: "relu" }),
          L.globalAveragePooling2d({}),
        ],
      });
    case "googlenet": {
      const input = tf.input({ shape: inputShape });
      const stem = L.conv2d({ filters: 8, kernelSize: 3, padding: "same", activation: "relu" }).apply(
        input,
      ) as tf.SymbolicTensor;
      const p1 = L.conv2d({ filters: 4, kernelSize: 1, activation: "relu" }).apply(stem) as tf.SymbolicTensor;
      const p2a = L.conv2d({ filters: 4, kernelSize: 1, activation: "relu" }).apply(
        stem,
      ) as tf.SymbolicTensor;
      const p2 = L.conv2d({ filters: 6, kernelSize: 3, padding: "same", activation: "relu" }).apply(
        p2a,
      ) as tf.SymbolicTensor;
      const p3a = L.conv2d({ filters: 2, kernelSize: 1, activation: "relu" }).apply(
        stem,
      ) as tf.SymbolicTensor;
      const p3 = L.conv2d({ filters: 3, kernelSize: 5, padding: "same", activation: "relu" }).apply(
        p3a,
      ) as tf.SymbolicTensor;
      const p4a = L.maxPooling2d({ poolSize: 3, strides: 1, padding: "same" }).apply(
        stem,
      ) as tf.SymbolicTensor;
      const p4 = L.conv2d({ filters: 3, kernelSize: 1, activation: "relu" }).apply(p4a) as tf.SymbolicTensor;
      const cat = L.concatenate({ axis: -1 }).apply([p1, p2, p3, p4]) as tf.SymbolicTensor;
      const gap = L.globalAveragePooling2d({}).apply(cat) as tf.SymbolicTensor;
      const out = L.dense({ units: classes }).apply(gap) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: out });
    }
    case "resnet": {
      const input = tf.input({ shape: inputShape });
      let x = L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: "same" }).apply(
        input,
      ) as tf.SymbolicTensor;
      x = L.batchNormalization({}).apply(x) as tf.SymbolicTensor;
      x = L.activation({ activation: "relu" }).apply(x) as tf.SymbolicTensor;
      let y = L.conv2d({ filters: 8, kernelSize: 3, padding: "same" }).apply(x) as tf.SymbolicTensor;
      y = L.batchNormalization({}).apply(y) as tf.SymbolicTensor;
      y = L.activation({ activation: "relu" }).apply(y) as tf.SymbolicTensor;
      y = L.conv2d({ filters: 8, kernelSize: 3, padding: "same" }).apply(y) as tf.SymbolicTensor;
      y = L.batchNormalization({}).apply(y) as tf.SymbolicTensor;
      let z = L.add().apply([x, y]) as tf.SymbolicTensor;
      z = L.activation({ activation: "relu" }).apply(z) as tf.SymbolicTensor;
      // Downsampling block with a 1x1 strided shortcut, as ResNet-18's.
      let w = L.conv2d({ filters: 12, kernelSize: 3, strides: 2, padding: "same" }).apply(
        z,
      ) as tf.SymbolicTensor;
      w = L.batchNormalization({}).apply(w) as tf.SymbolicTensor;
      const s = L.conv2d({ filters: 12, kernelSize: 1, strides: 2 }).apply(z) as tf.SymbolicTensor;
      w = L.activation({ activation: "relu" }).apply(
        L.add().apply([w, s]) as tf.SymbolicTensor,
      ) as tf.SymbolicTensor;
      const gap = L.globalAveragePooling2d({}).apply(w) as tf.SymbolicTensor;
      const out = L.dense({ units: classes }).apply(gap) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: out });
    }
    case "lenet-bn":
      return tf.sequential({
        layers: [
          L.conv2d({ filters: 6, kernelSize: 5, inputShape }),
          L.batchNormalization({}),
          L.activation({ activation: "sigmoid" }),
          L.averagePooling2d({ poolSize: 2, strides: 2 }),
          L.conv2d({ filters: 16, kernelSize: 5 }),
          L.batchNormalization({}),
          L.activation({ activation: "sigmoid" }),
          L.averagePooling2d({ poolSize: 2, strides: 2 }),
          L.flatten(),
          L.dense({ units: 120 }),
          L.batchNormalization({}),
          L.activation({ activation: "sigmoid" }),
          L.dense({ units: classes }),
        ],
      });
  }
}

export const MODEL_NAMES: ModelName[] = [
  "lenet",
  "lenet-relu-max",
  "alexnet",
  "vgg",
  "nin",
  "googlenet",
  "resnet",
  "lenet-bn",
];

/** One training step as d2l's train_ch6 does it: mean softmax cross-entropy on logits. */
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

/** The seed's AlexNet for 1x224x224 input (pad 1 as a ZeroPadding2D). */
export function alexnet(): tf.Sequential {
  const L = tf.layers;
  return tf.sequential({
    layers: [
      L.zeroPadding2d({ padding: 1, inputShape: [224, 224, 1] }),
      L.conv2d({ filters: 96, kernelSize: 11, strides: 4, activation: "relu" }),
      L.maxPooling2d({ poolSize: 3, strides: 2 }),
      L.conv2d({ filters: 256, kernelSize: 5, padding: "same", activation: "relu" }),
      L.maxPooling2d({ poolSize: 3, strides: 2 }),
      L.conv2d({ filters: 384, kernelSize: 3, padding: "same", activation: "relu" }),
      L.conv2d({ filters: 384, kernelSize: 3, padding: "same", activation: "relu" }),
      L.conv2d({ filters: 256, kernelSize: 3, padding: "same", activation: "relu" }),
      L.maxPooling2d({ poolSize: 3, strides: 2 }),
      L.flatten(),
      L.dense({ units: 4096, activation: "relu" }),
      L.dropout({ rate: 0.5 }),
      L.dense({ units: 4096, activation: "relu" }),
      L.dropout({ rate: 0.5 }),
      L.dense({ units: 10 }),
    ],
  });
}
