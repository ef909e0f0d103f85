// Per-kernel time of one LeNet training step (batch 256) on wasm: where the time goes.

import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../src/wasm/index";
import { installWasmNodeSupport } from "../src/wasm/node";
import { alexnet, buildModel, trainStep } from "./models";

installWasmNodeSupport();
await initWasmBackend();
const batch = Number(process.env.BATCH ?? 256);
const name = (process.env.MODEL ?? "lenet") as "lenet";
const shape: [number, number, number] = name === "alexnet" ? [224, 224, 1] : [28, 28, 1];
const model = name === "alexnet" ? alexnet() : buildModel(name, shape);
const opt = tf.train.sgd(0.9);
const x = tf.randomNormal(name === "alexnet" ? [batch, ...shape] : [batch, 784]);
const y = tf.randomUniform([batch], 0, 10, "int32");
for (let i = 0; i < (name === "alexnet" ? 1 : 3); i++) trainStep(model, opt, x, y);
const t0 = performance.now();
const n = Number(process.env.STEPS ?? 10);
for (let i = 0; i < n; i++) trainStep(model, opt, x, y);
console.log(`${((batch * n) / ((performance.now() - t0) / 1000)).toFixed(0)} ex/s`);
const totals = new Map<string, number>();
const prof = await tf.profile(() => {
  trainStep(model, opt, x, y);
});
for (const k of prof.kernels) totals.set(k.name, (totals.get(k.name) ?? 0) + (k.kernelTimeMs as number));
const sorted = [...totals].sort((a, b) => b[1] - a[1]);
const sum = sorted.reduce((s, [, v]) => s + v, 0);
console.log(`kernel sum ${sum.toFixed(1)} ms`);
for (const [k, v] of sorted.slice(0, 14)) console.log(k.padEnd(24), v.toFixed(2));
for (const k of prof.kernels.filter((k) =>
  [
    "Conv2DBackpropFilter",
    "Conv2DBackpropInput",
    "BatchMatMul",
    "AvgPoolGrad",
    "_FusedMatMul",
    "FusedConv2D",
    "Transpose",
    ...(process.env.ALSO ?? "").split(","),
  ].includes(k.name),
))
  console.log(k.name, JSON.stringify(k.inputShapes), (k.kernelTimeMs as number).toFixed(2));
