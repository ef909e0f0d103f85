// One trainCh6 training step on wasm (1 thread), timed and then profiled per kernel: where ln's side of
// `bench:vs-pytorch` spends its time. The step is trainCh6's own (batchGradients with the input
// convolutions unfused, then SGD), on random data of the model's shape.
//
//   node --import tsx bench/vs-pytorch/step.ts [--model lenet|alexnet] [--batch 256] [--steps 40]
// Kernels under --min-ms (default 0.05) are left out of the listing; --wasm-threads N for XNNPACK's threads.
import { parseArgs } from "node:util";
import { alexnet, lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { batchGradients } from "../../packages/train/src/gradients";
import { useDevice } from "../../packages/train/src/index";
import { unfuseInputConvs } from "../../packages/train/src/input-convs";
import { benchArgs } from "../args";

const { values } = parseArgs({
  args: benchArgs(),
  options: {
    model: { type: "string", default: "lenet" },
    batch: { type: "string" },
    steps: { type: "string" },
    "min-ms": { type: "string", default: "0.05" },
    "wasm-threads": { type: "string", default: "1" },
  },
});
const isAlexNet = values.model === "alexnet";
const batch = Number(values.batch ?? (isAlexNet ? 16 : 256));
const steps = Number(values.steps ?? (isAlexNet ? 3 : 40));
await useDevice("wasm", { wasmThreads: Number(values["wasm-threads"]) });

const model = isAlexNet ? alexnet({ seed: 1 }) : lenet({ seed: 1 });
unfuseInputConvs(model);
const optimizer = tf.train.sgd(0.9);
const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
const x = tf.randomNormal([batch, ...(model.inputs[0].shape.slice(1) as number[])]);
const y = tf.randomUniform([batch], 0, 10, "int32") as tf.Tensor1D;
async function step() {
  const { grads } = await batchGradients(model, x, y, variables, 10, "step.ts");
  tf.tidy(() => optimizer.applyGradients(grads));
  tf.dispose(grads);
}

for (let i = 0; i < (isAlexNet ? 1 : 5); i++) await step();
const before = tf.memory().numTensors;
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const start = performance.now();
  await step();
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const median = times[times.length >> 1];
console.log(
  `${values.model} b${batch}, ${steps} steps: median ${median.toFixed(2)} ms/step (${((batch * 1000) / median).toFixed(0)} ex/s), fastest ${times[0].toFixed(2)}; tensors ${before} -> ${tf.memory().numTensors}`,
);

// kernelTimeMs is a number, or an error object where the backend cannot time a kernel.
const profile = await tf.profile(step);
const ms = (k: (typeof profile.kernels)[number]) => (typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0);
// Ops made of kernels ("...__op", customGrad's "unnamed scope") would count their kernels twice.
const kernels = profile.kernels.filter((k) => !k.name.endsWith("__op") && k.name !== "unnamed scope");
const total = kernels.reduce((s, k) => s + ms(k), 0);
console.log(`one profiled step: kernels ${total.toFixed(1)} ms (the profiler's own work included)`);
for (const k of kernels.filter((k) => ms(k) >= Number(values["min-ms"])))
  console.log(`  ${k.name.padEnd(22)} ${JSON.stringify(k.inputShapes).padEnd(52)} ${ms(k).toFixed(2)}`);
