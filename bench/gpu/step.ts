// Where a LeNet training step goes on a GPU backend: trainCh6's step (which reads each step's loss and
// accuracy back, as d2l's Accumulator does) at batch 256 and 1024, the same step with nothing read back
// until the end, and one such step profiled by kernel. Prints one JSON line.
//
//   node --import tsx bench/gpu/step.ts [--device gpu] [--steps 30]
import { parseArgs } from "node:util";
import { trainCh6, useDevice } from "@ln/train";
import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { randomBatch } from "../random-batch";

const { values } = parseArgs({
  options: { device: { type: "string", default: "gpu" }, steps: { type: "string", default: "30" } },
});
const steps = Number(values.steps);
const device = await useDevice(values.device);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const result: Record<string, unknown> = { device: device.name };
for (const size of [256, 1024]) {
  const data = Array.from({ length: steps }, (_, k) => randomBatch(size, 28, k));
  const model = lenet({ seed: 0 });
  const stepMs: number[] = [];
  await trainCh6(model, data, [data[0]], {
    epochs: 1,
    lr: 0.1,
    init: false,
    callbacks: { onBatchEnd: ({ seconds }) => void stepMs.push(seconds * 1000) },
  });
  result[`trainCh6_step_ms_b${size}`] = median(stepMs.slice(5));

  // The same forward, loss, backward and SGD update through tfjs alone, nothing read back until the end.
  const optimizer = tf.train.sgd(0.1);
  const xs = tf.tensor4d(data[0].x, [size, 28, 28, 1]);
  const ys = tf.oneHot(tf.tensor1d(Int32Array.from(data[0].y), "int32"), 10);
  const step = () =>
    optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar,
      false,
    );
  for (let i = 0; i < 5; i++) step();
  await model.getWeights()[0].data();
  const started = performance.now();
  for (let i = 0; i < steps; i++) step();
  await model.getWeights()[0].data();
  result[`no_readback_step_ms_b${size}`] = (performance.now() - started) / steps;
  // One step profiled per kernel (on WebGPU the GPU's own timestamps, where the adapter has them): ms by
  // kernel name, summed over the step, largest first.
  const profile = await tf.profile(() => {
    step();
  });
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) {
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : Number.NaN;
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
  }
  result[`kernel_ms_b${size}`] = Object.fromEntries(
    [...byKernel].sort((a, b) => b[1] - a[1]).map(([name, ms]) => [name, Number(ms.toFixed(3))]),
  );
  tf.dispose([xs, ys]);
  optimizer.dispose();
  model.dispose();
}

console.log(JSON.stringify(result));
