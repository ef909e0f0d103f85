// What a user of `pnpm add @ln/wasm @tensorflow/tfjs` writes first, against the installed tarball (ESM):
// plain tfjs, and `model.fit` of a conv net trains on the wasm backend.

import { initWasmBackend, trainingKernelNames, wasmThreads } from "@ln/wasm";
import * as tf from "@tensorflow/tfjs";

const threads = await initWasmBackend();
if (tf.getBackend() !== "wasm" || threads !== 1 || wasmThreads() !== 1)
  throw new Error(`backend ${tf.getBackend()}, ${threads} thread(s)`);
if (!trainingKernelNames().added.includes("Conv2DBackpropFilter")) throw new Error("kernel names");
// Class = which half of an 8x8 image is bright.
const labels = Array.from({ length: 32 }, (_, i) => i % 2);
const images = new Float32Array(32 * 64).map((_, j) => (j % 8 < 4 === (labels[j >> 6] === 0) ? 1 : 0));
const model = tf.sequential({
  layers: [
    tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, activation: "relu" }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 2, activation: "softmax" }),
  ],
});
model.compile({ optimizer: tf.train.adam(0.05), loss: "categoricalCrossentropy" });
const x = tf.tensor4d(images, [32, 8, 8, 1]);
const y = tf.oneHot(tf.tensor1d(labels, "int32"), 2);
const { history } = await model.fit(x, y, { epochs: 8, batchSize: 8 });
const loss = history.loss;
if (!(loss.at(-1) < loss[0])) throw new Error(`loss ${loss.join(" ")}`);
console.log(`ok @ln/wasm esm (loss ${loss[0].toFixed(3)} -> ${loss.at(-1).toFixed(3)})`);
