// Whole LeNet training steps (the seed's sigmoid LeNet, batch 256, SGD): through tfjs's engine, kernel by
// kernel (each split over our kernel threads), against the compiled step (compiled-step.ts: each thread
// runs its examples' forward and backward passes end to end), alternating step by step in one process,
// medians. With THREADS=2, also the compiled step on the calling thread alone (splitKernelCalls(false),
// helpers kept): one thread against two in one process, where the machine's drift between processes
// is larger than the difference.
// Usage: [THREADS=1|2] [STEPS=100] node --import tsx bench/compiled-step.ts
// (quiet machine: flock /tmp/ln-bench.lock node24 --import tsx bench/compiled-step.ts)
import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { compileTrainingStep, type StepLayer } from "../src/compiled-step";
import { initWasmBackend, kernelThreads, splitKernelCalls } from "../src/index";
import { loadAverage, median } from "./cli";
import { trainStep } from "./models";

const steps = Number(process.env.STEPS ?? 100);
const threads = Number(process.env.THREADS ?? 1);
console.log(`node ${process.version}, load average at start: ${loadAverage()}`);
await initWasmBackend({ threads });
console.log(`wasm threads ${threads}, our kernels split over ${kernelThreads().threads}`);

const model = lenet({ seed: 0 });
const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
const [c1, b1, c2, b2, d1, e1, d2, e2, d3, e3] = weights;
const layers: StepLayer[] = [
  { type: "conv2d", filter: c1, bias: b1, padding: "same", activation: "sigmoid" },
  { type: "avgPool2x2" },
  { type: "conv2d", filter: c2, bias: b2, padding: "valid", activation: "sigmoid" },
  { type: "avgPool2x2" },
  { type: "dense", kernel: d1, bias: e1, activation: "sigmoid" },
  { type: "dense", kernel: d2, bias: e2, activation: "sigmoid" },
  { type: "dense", kernel: d3, bias: e3, activation: "linear" },
];
const step = compileTrainingStep(layers, [28, 28, 1]);
if ("reason" in step) throw new Error(step.reason);
const opt = tf.train.sgd(0.01);
const x = tf.randomNormal([256, 784], 0, 1, "float32", 1);
const y = tf.randomUniform([256], 0, 10, "int32", 2);

const compiledStep = () => {
  const { grads } = step.gradients(x, y);
  opt.applyGradients(Object.fromEntries(weights.map((w, i) => [w.name, grads[i]])));
  tf.dispose(grads);
};
const kinds =
  threads > 1 ? (["tfjs", "compiled", "compiled, 1 thread"] as const) : (["tfjs", "compiled"] as const);
const times: Record<string, number[]> = Object.fromEntries(kinds.map((k) => [k, []]));
for (let i = 0; i < kinds.length * (steps + 5); i++) {
  const which = kinds[i % kinds.length];
  splitKernelCalls(which !== "compiled, 1 thread");
  const t0 = performance.now();
  if (which === "tfjs") trainStep(model, opt, x, y);
  else compiledStep();
  if (i >= kinds.length * 5) times[which].push(performance.now() - t0);
}
splitKernelCalls(true);
const ms = Object.fromEntries(kinds.map((k) => [k, median(times[k])]));
console.log(
  `LeNet step, batch 256, ${steps} steps each (ms): ${kinds.map((k) => `${k} ${ms[k].toFixed(2)}`).join(", ")}`,
);
console.log(`compiled vs tfjs's engine: ${(ms.tfjs / ms.compiled).toFixed(3)}x`);
if (threads > 1)
  console.log(`compiled, 2 threads vs 1: ${(ms["compiled, 1 thread"] / ms.compiled).toFixed(3)}x`);
