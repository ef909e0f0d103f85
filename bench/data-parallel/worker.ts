// One data-parallel worker: its own tfjs wasm backend (1 thread) and its own copy of the model.
// Each step it computes the gradient of the mean loss on its shard of the global batch, writes it
// into its slot of a SharedArrayBuffer, meets its peers at a barrier, averages every slot and applies
// the same SGD update, so all copies stay bit-identical without any weight broadcast.
import { parentPort, workerData } from "node:worker_threads";
import { useDevice, xavierInit } from "@ln/train";
import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { barrier, checksum, flatWeights, gatherBatch, RECIPE, toBase64, trainables } from "./shared";

export interface WorkerInput {
  rank: number;
  workers: number;
  seed: number;
  steps: number;
  images: Uint8Array; // SharedArrayBuffer views: handed over once, never copied per step
  labels: Uint8Array;
  order: Uint32Array;
  sync: Int32Array;
}

/** First message, worker to parent: the model is built; its size and weight checksum. */
export interface WorkerReady {
  rank: number;
  parameters: number;
  initialChecksum: string;
}

/** The parent's answer, once every worker is ready and their initial weights agree. */
export interface WorkerStart {
  grads: Float32Array; // 2 (step parity) x workers x parameters
  losses: Float64Array; // 2 x workers
}

export interface WorkerDone {
  rank: number;
  finalChecksum: string;
  stepSeconds: number[];
  loss: number;
  tensors: { afterFirstStep: number; atEnd: number };
  weights?: string; // rank 0 only: base64 float32, for the comparison with the single-process run
}

const input = workerData as WorkerInput;
const { rank, workers, steps, images, labels, order, sync } = input;
const shard = RECIPE.globalBatch / workers;

await useDevice("wasm", { wasmThreads: 1 });
const model = lenet({ seed: input.seed });
xavierInit(model, { seed: input.seed }); // as trainCh6's init: "xavier" with the same seed
const { variables, size } = trainables(model);
const ready: WorkerReady = { rank, parameters: size, initialChecksum: checksum(flatWeights(model)) };
const start = new Promise<WorkerStart>((resolve) => parentPort!.once("message", resolve));
parentPort!.postMessage(ready);
const { grads, losses } = await start;
const optimizer = tf.train.sgd(RECIPE.lr);

const stepSeconds: number[] = [];
let loss = Number.NaN;
let afterFirstStep = 0;
const average = new Float32Array(size);
for (let step = 0; step < steps; step++) {
  // Building the shard is data loading: outside the timer, as trainCh6's timer starts after the batch.
  const batch = gatherBatch(images, labels, order, step * RECIPE.globalBatch + rank * shard, shard);
  const started = performance.now();
  const parity = step % 2; // double buffering: one barrier per step is enough (see README)
  const { value, grads: g } = tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [shard, 28, 28, 1]);
    const y = tf.oneHot(tf.tensor1d(batch.y, "int32"), RECIPE.numClasses);
    return tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    }, variables);
  });
  const mine = grads.subarray((parity * workers + rank) * size, (parity * workers + rank + 1) * size);
  let offset = 0;
  for (const v of variables) {
    mine.set(g[v.name].dataSync() as Float32Array, offset);
    offset += v.size;
  }
  losses[parity * workers + rank] = value.dataSync()[0];
  tf.dispose([value, g]);

  barrier(sync, workers);

  // Mean of the shard means = the mean over the global batch (equal shard sizes). Float64 sums in
  // a fixed rank order, so every worker computes the same float32 average.
  const slots = grads.subarray(parity * workers * size, (parity + 1) * workers * size);
  for (let i = 0; i < size; i++) {
    let sum = 0;
    for (let w = 0; w < workers; w++) sum += slots[w * size + i];
    average[i] = sum / workers;
  }
  let lossSum = 0;
  for (let w = 0; w < workers; w++) lossSum += losses[parity * workers + w];
  loss = lossSum / workers;
  tf.tidy(() => {
    const named: Record<string, tf.Tensor> = {};
    let at = 0;
    for (const v of variables) {
      named[v.name] = tf.tensor(average.subarray(at, at + v.size), v.shape);
      at += v.size;
    }
    optimizer.applyGradients(named);
  });
  stepSeconds.push((performance.now() - started) / 1000);
  if (step === 0) afterFirstStep = tf.memory().numTensors;
}

const final = flatWeights(model);
const done: WorkerDone = {
  rank,
  finalChecksum: checksum(final),
  stepSeconds,
  loss,
  tensors: { afterFirstStep, atEnd: tf.memory().numTensors },
  ...(rank === 0 ? { weights: toBase64(final) } : {}),
};
optimizer.dispose();
model.dispose();
parentPort!.postMessage(done);
// Nothing is left on the event loop: the thread ends by itself (the parent checks it does).
