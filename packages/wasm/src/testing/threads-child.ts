// Run by threads.test.ts in a child process: trains a few SGD steps on wasm with the
// thread count given as argv[2], prints the result as JSON, and then simply ends; the
// test checks that the process exits by itself (no worker keeps it alive).
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend, kernelThreads, wasmThreads } from "../index";
import { rng, values } from "./support";

const threads = Number(process.argv[2] ?? 1);
await initWasmBackend({ threads });
const L = tf.layers;
const model = tf.sequential({
  layers: [
    L.conv2d({ filters: 8, kernelSize: 5, padding: "same", activation: "relu", inputShape: [28, 28, 1] }),
    L.averagePooling2d({ poolSize: 2, strides: 2 }),
    L.conv2d({ filters: 16, kernelSize: 5, activation: "sigmoid" }),
    L.flatten(),
    L.dense({ units: 10 }),
  ],
});
const r = rng(41);
model.setWeights(
  model.getWeights().map((w) =>
    tf.tensor(
      values(r, w.shape).map((v) => v * 0.2),
      w.shape,
    ),
  ),
);
const x = tf.tensor4d(values(r, [64, 28, 28, 1]), [64, 28, 28, 1]);
const y = tf.oneHot(
  tf.tensor1d(
    Array.from({ length: 64 }, (_, i) => i % 10),
    "int32",
  ),
  10,
);
const optimizer = tf.train.sgd(0.1);
for (let i = 0; i < 3; i++) {
  tf.tidy(() => {
    optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar);
  });
}
const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
const kernels = kernelThreads();
process.stdout.write(
  `${JSON.stringify({ threads: wasmThreads(), kernelThreads: kernels.threads, byHelpers: kernels.byHelpers, weights })}\n`,
);
