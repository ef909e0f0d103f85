// What a user of `pnpm add @ln/train @ln/zoo @tensorflow/tfjs` writes first, against the installed
// tarballs (ESM): pick the device (wasm here), train LeNet briefly on synthetic batches, evaluate.

import { evaluateAccuracy, formatReport, trainCh6, useDevice } from "@ln/train";
import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";

const device = await useDevice("auto");
const batch = (seed) => {
  const y = Int32Array.from({ length: 32 }, (_, i) => (i + seed) % 2);
  const x = new Float32Array(32 * 784).map((_, j) => y[Math.floor(j / 784)]); // class = brightness
  return { x, y, size: 32, shape: [32, 28, 28, 1] };
};
const data = [batch(0), batch(1)];
const before = tf.memory().numTensors;
const net = lenet({ activation: "relu", pooling: "max" });
const report = await trainCh6(net, data, data, { epochs: 3, lr: 0.1 });
if (!formatReport(report).includes(`examples/sec on ${device.backend}`))
  throw new Error(formatReport(report));
const testAcc = await evaluateAccuracy(net, data);
if (testAcc !== report.history.at(-1).testAcc) throw new Error(`evaluateAccuracy ${testAcc}`);
if (report.history.length !== 3) throw new Error(`history ${report.history.length}`);
// Only the model's own weights may remain: training and evaluation leave no tensor behind.
if (tf.memory().numTensors - before !== net.weights.length)
  throw new Error(
    `tensors: ${tf.memory().numTensors - before} new, the model has ${net.weights.length} weights`,
  );
// Both cores: dataParallel runs the built worker script (dist/data-parallel-worker.js) beside the
// bundle; the same steps as one thread, to float rounding.
const once = lenet({ activation: "relu", pooling: "max", seed: 1 });
const twice = lenet({ activation: "relu", pooling: "max", seed: 1 });
await trainCh6(once, data, data, { epochs: 1, lr: 0.1, seed: 2 });
await trainCh6(twice, data, data, { epochs: 1, lr: 0.1, seed: 2, dataParallel: 2 });
const [a, b] = [once, twice].map((m) => m.getWeights().map((w) => w.dataSync()));
const drift = Math.max(...a.map((w, i) => Math.max(...w.map((v, j) => Math.abs(v - b[i][j])))));
if (!(drift < 1e-5)) throw new Error(`dataParallel: weights differ by ${drift}`);
console.log(`ok @ln/train esm (${device.backend}, dataParallel)`);
