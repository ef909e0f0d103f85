// What copying tensors in and out of our SIMD modules' own memory costs a training step: the
// inputs and outputs of every call to one of our kernels in one LeNet step (batch 256, taken from
// tf.profile), each copied by runOnOwnMemory around a kernel that does nothing, against the step.
// Usage: [BATCH=256] [REPS=20] node --import tsx bench/copy-cost.ts
// (hold the bench lock: flock /tmp/ln-bench.lock node --import tsx bench/copy-cost.ts)
import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../src/index";
import { loadSimdModule, runOnOwnMemory } from "../src/simd-module";
import { WASM_BASE64 } from "../src/sum-simd/kernel.gen";
import { trainStep } from "./models";

await initWasmBackend();
const batch = Number(process.env.BATCH ?? 256);
const reps = Number(process.env.REPS ?? 20);
const model = lenet();
const opt = tf.train.sgd(0.9);
const x = tf.randomNormal([batch, 784]);
const y = tf.randomUniform([batch], 0, 10, "int32");
for (let i = 0; i < 3; i++) trainStep(model, opt, x, y);
const t0 = performance.now();
for (let i = 0; i < reps; i++) trainStep(model, opt, x, y);
const stepMs = (performance.now() - t0) / reps;

// The calls that reach one of our modules (Sum: only reductions over leading axes, as sum.ts).
const size = (s: number[] | null) => (s == null ? 0 : s.reduce((a, b) => a * b, 1));
const ours = (k: { name: string; inputShapes: (number[] | null)[]; outputShapes: (number[] | null)[] }) => {
  if (
    ["FusedConv2D", "Conv2D", "Conv2DBackpropFilter", "Conv2DBackpropInput", "AvgPoolGrad"].includes(k.name)
  )
    return true;
  const [xs] = k.inputShapes;
  const [out] = k.outputShapes;
  return (
    k.name === "Sum" && xs != null && out != null && xs.slice(xs.length - out.length).join() === out.join()
  );
};
const prof = await tf.profile(() => {
  trainStep(model, opt, x, y);
});
const calls = prof.kernels.filter(ours).map((k) => ({
  name: k.name,
  inputs: k.inputShapes.filter((s) => s != null).map((s) => new Float32Array(size(s))),
  outputs: k.outputShapes.filter((s) => s != null).map((s) => new Float32Array(size(s))),
}));
const module = await loadSimdModule("sum", WASM_BASE64);
if (!module) throw new Error("the sum module did not load");
const byKernel = new Map<string, number>();
const copyAll = (tally: boolean) => {
  for (const c of calls) {
    const t = performance.now();
    runOnOwnMemory(module, c.inputs, c.outputs, 0, () => {});
    if (tally) byKernel.set(c.name, (byKernel.get(c.name) ?? 0) + (performance.now() - t) / reps);
  }
};
for (let i = 0; i < 3; i++) copyAll(false);
const t1 = performance.now();
for (let i = 0; i < reps; i++) copyAll(true);
const copyMs = (performance.now() - t1) / reps;
const floats = calls.reduce((s, c) => s + [...c.inputs, ...c.outputs].reduce((a, b) => a + b.length, 0), 0);
console.log(
  `${calls.length} calls to our kernels a step, ${(floats / 1e6).toFixed(2)}M floats copied in or out`,
);
console.log(
  `step ${stepMs.toFixed(2)} ms; copies ${copyMs.toFixed(2)} ms (${((100 * copyMs) / stepMs).toFixed(1)}%), ` +
    `${((floats * 4) / 1e6 / copyMs).toFixed(1)} GB/s`,
);
for (const [name, ms] of [...byKernel].sort((a, b) => b[1] - a[1]))
  console.log(`  ${name.padEnd(22)} ${ms.toFixed(2)} ms`);
