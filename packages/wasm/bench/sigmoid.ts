// Sigmoid on LeNet's activations at batch 256: XNNPACK's kernel (tfjs's stock one) against ours
// (activation-simd/kernel.c), on one thread or split over our kernel threads, alternating call by call
// in one process, medians; and how far ours is from XNNPACK's (largest absolute difference). Then whole
// LeNet training steps (the seed's sigmoid LeNet, batch 256) with each, alternating step by step.
// Usage: [THREADS=1|2] [REPS=41] [STEPS=100] node --import tsx bench/sigmoid.ts
// (quiet machine: flock /tmp/ln-bench.lock ~/.cache/ln/node/24.22.3/bin/node --import tsx bench/sigmoid.ts)
import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend, kernelThreads } from "../src/index";
import { useSigmoidKernel } from "../src/sigmoid";
import { loadAverage, median } from "./cli";
import { trainStep } from "./models";

const reps = Number(process.env.REPS ?? 41);
const steps = Number(process.env.STEPS ?? 100);
const threads = Number(process.env.THREADS ?? 1);
console.log(`node ${process.version}, load average at start: ${loadAverage()}`);
await initWasmBackend({ threads });
const split = kernelThreads().threads;
console.log(`wasm threads ${threads}, our kernels split over ${split}`);

function msOf(x: tf.Tensor): number {
  const t0 = performance.now();
  const y = tf.sigmoid(x);
  const ms = performance.now() - t0;
  y.dispose();
  return ms;
}
const cases = [
  { name: "conv1's output [256,28,28,6]", shape: [256, 28, 28, 6] },
  { name: "conv2's output [256,10,10,16]", shape: [256, 10, 10, 16] },
  { name: "dense1's output [256,120]", shape: [256, 120] },
];
console.log("| values | XNNPACK ms | ours ms | XNNPACK / ours | largest difference |");
console.log("| ------ | ---------: | ------: | -------------: | -----------------: |");
for (const { name, shape } of cases) {
  const x = tf.randomNormal(shape, 0, 4, "float32", 1);
  const times = { never: [] as number[], always: [] as number[] };
  for (let i = 0; i < 2 * reps + 6; i++) {
    const which = i % 2 === 0 ? "never" : "always";
    useSigmoidKernel(which);
    const ms = msOf(x);
    if (i >= 6) times[which].push(ms);
  }
  useSigmoidKernel("never");
  const stock = tf.sigmoid(x);
  useSigmoidKernel("always");
  const ours = tf.sigmoid(x);
  const difference = tf.max(tf.abs(tf.sub(stock, ours))).dataSync()[0];
  const [a, b] = [median(times.never), median(times.always)];
  console.log(
    `| ${name} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(2)}x | ${difference.toExponential(1)} |`,
  );
  tf.dispose([x, stock, ours]);
}

const model = lenet({ seed: 0 });
const opt = tf.train.sgd(0.01);
const x = tf.randomNormal([256, 784], 0, 1, "float32", 1);
const y = tf.randomUniform([256], 0, 10, "int32", 2);
const stepTimes = { never: [] as number[], always: [] as number[] };
for (let i = 0; i < 2 * steps + 10; i++) {
  const which = i % 2 === 0 ? "never" : "always";
  useSigmoidKernel(which);
  const t0 = performance.now();
  trainStep(model, opt, x, y);
  if (i >= 10) stepTimes[which].push(performance.now() - t0);
}
const [a, b] = [median(stepTimes.never), median(stepTimes.always)];
console.log(
  `LeNet step, batch 256, ${steps} steps each: XNNPACK's sigmoid ${a.toFixed(2)} ms, ours ${b.toFixed(2)} ms (${(a / b).toFixed(3)}x)`,
);
useSigmoidKernel("split");
