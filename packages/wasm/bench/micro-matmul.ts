// Dense-layer products at AlexNet's shapes, stock vs ours, with a fresh weight tensor
// each call (as after every SGD update, so no cached XNNPACK operator helps).

import * as tf from "@tensorflow/tfjs";
import { initWasmBackend, registerWasmTrainingKernels } from "../src/index";
import { restoreStockKernels } from "../src/register";

await initWasmBackend();
const [M, K, N] = (process.env.MKN ?? "16,6400,4096").split(",").map(Number);
const a = tf.randomNormal([M, K]);
const dy = tf.randomNormal([M, N]);
const w = tf.randomNormal([K, N]);
function time(label: string, f: () => tf.Tensor, reps = 3) {
  f().dispose();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const t = f();
    t.dataSync();
    t.dispose();
  }
  console.log(label.padEnd(40), ((performance.now() - t0) / reps).toFixed(1), "ms");
}
for (const mode of ["stock", "ours"]) {
  mode === "stock" ? restoreStockKernels() : registerWasmTrainingKernels();
  time(`${mode} a·W (fresh W)`, () => tf.tidy(() => tf.matMul(a, tf.add(w, 0))));
  time(`${mode} a·W (same W)`, () => tf.matMul(a, w));
  time(`${mode} dy·Wᵀ (fresh W)`, () => tf.tidy(() => tf.matMul(dy, tf.add(w, 0), false, true)));
  time(`${mode} dy·Wᵀ (same W)`, () => tf.matMul(dy, w, false, true));
  time(`${mode} aᵀ·dy`, () => tf.matMul(a, dy, true, false));
}
time("add(w,0) alone", () => tf.add(w, 0));
time("transpose W", () => tf.transpose(w));
