// Per-kernel time of one training step on wasm (LeNet, batch 256, by default): where the time goes.
// Usage: [MODEL=lenet|alexnet] [BATCH=256] [STEPS=10] [ALSO=Kernel,...] node --import tsx bench/profile.ts
import { alexnet, lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../src/index";
import { trainStep } from "./models";

await initWasmBackend();
const batch = Number(process.env.BATCH ?? 256);
const isAlexNet = process.env.MODEL === "alexnet";
const model = isAlexNet ? alexnet() : lenet();
const opt = tf.train.sgd(0.9);
const x = tf.randomNormal(isAlexNet ? [batch, 224, 224, 1] : [batch, 784]);
const y = tf.randomUniform([batch], 0, 10, "int32");
for (let i = 0; i < (isAlexNet ? 1 : 3); i++) trainStep(model, opt, x, y);
const t0 = performance.now();
const n = Number(process.env.STEPS ?? 10);
for (let i = 0; i < n; i++) trainStep(model, opt, x, y);
console.log(`${((batch * n) / ((performance.now() - t0) / 1000)).toFixed(0)} ex/s`);
const totals = new Map<string, number>();
const prof = await tf.profile(() => {
  trainStep(model, opt, x, y);
});
// kernelTimeMs is a number, or an error object where the backend cannot time a kernel.
const ms = (k: (typeof prof.kernels)[number]) => (typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0);
for (const k of prof.kernels) totals.set(k.name, (totals.get(k.name) ?? 0) + ms(k));
const sorted = [...totals].sort((a, b) => b[1] - a[1]);
const sum = sorted.reduce((s, [, v]) => s + v, 0);
console.log(`kernel sum ${sum.toFixed(1)} ms`);
for (const [k, v] of sorted.slice(0, 14)) console.log(k.padEnd(24), v.toFixed(2));
const detailed = [
  "Conv2DBackpropFilter",
  "Conv2DBackpropInput",
  "BatchMatMul",
  "AvgPoolGrad",
  "_FusedMatMul",
  "FusedConv2D",
  "Transpose",
  ...(process.env.ALSO ?? "").split(","),
];
for (const k of prof.kernels.filter((k) => detailed.includes(k.name)))
  console.log(k.name, JSON.stringify(k.inputShapes), ms(k).toFixed(2));
