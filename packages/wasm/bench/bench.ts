// LeNet training throughput on wasm: the stock path (only the missing kernels added)
// against ours, alternating in one process; then AlexNet seconds per step.
// Usage: node --import tsx bench/bench.ts [--rounds 5] [--steps 20] [--data real|random]
//        [--alexnet 16,128] [--alexnet-steps 2] [--threads 1]
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { alexnet, lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend, registerWasmTrainingKernels } from "../src/index";
import { restoreStockKernels } from "../src/register";
import { useSimdKernels } from "../src/simd-module";
import { arg, median } from "./cli";
import { trainStep } from "./models";

const rounds = Number(arg("rounds", "5"));
const steps = Number(arg("steps", "20"));
const data = arg("data", "real");
const alexBatches = arg("alexnet", "16,128").split(",").filter(Boolean).map(Number);
const alexSteps = Number(arg("alexnet-steps", "2"));
const batch = 256;
const threads = Number(arg("threads", "1"));

await initWasmBackend({ threads });

function loadBatches(count: number): { x: tf.Tensor; y: tf.Tensor }[] {
  const n = count * batch;
  let images: Float32Array;
  let labels: Int32Array;
  if (data === "real") {
    const dir = "/usr/share/datasets/fashion-mnist";
    const img = gunzipSync(readFileSync(`${dir}/train-images-idx3-ubyte.gz`)).subarray(16, 16 + n * 784);
    const lab = gunzipSync(readFileSync(`${dir}/train-labels-idx1-ubyte.gz`)).subarray(8, 8 + n);
    images = Float32Array.from(img, (v) => v / 255);
    labels = Int32Array.from(lab);
  } else {
    images = Float32Array.from({ length: n * 784 }, () => Math.random());
    labels = Int32Array.from({ length: n }, () => Math.floor(Math.random() * 10));
  }
  return Array.from({ length: count }, (_, i) => ({
    x: tf.tensor2d(images.subarray(i * batch * 784, (i + 1) * batch * 784), [batch, 784]),
    y: tf.tensor1d(labels.subarray(i * batch, (i + 1) * batch), "int32"),
  }));
}

// "stock": tfjs's wasm kernels, plus the filter gradient wasm lacks in its XNNPACK form (our SIMD
// kernels off); "ours": every @ln/wasm kernel, SIMD ones included.
const modes = {
  stock: () => {
    restoreStockKernels();
    useSimdKernels(false);
  },
  ours: () => {
    registerWasmTrainingKernels();
    useSimdKernels(true);
  },
} as const;

const batches = loadBatches(Math.min(steps, 20));
const rates: Record<string, number[]> = { stock: [], ours: [] };
// The seed's LeNet (sigmoid, average pools, Glorot weights, zero biases), as d2l trains it.
const model = lenet();
const opt = tf.train.sgd(0.9);
for (const mode of ["stock", "ours"] as const) {
  modes[mode]();
  trainStep(model, opt, batches[0].x, batches[0].y); // warm-up: XNNPACK operators, first allocations
}
for (let r = 0; r < rounds; r++) {
  for (const mode of ["stock", "ours"] as const) {
    modes[mode]();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      const b = batches[i % batches.length];
      trainStep(model, opt, b.x, b.y);
    }
    rates[mode].push((steps * batch) / ((performance.now() - t0) / 1000));
  }
}
const fmt = (v: number[]) => v.map((x) => x.toFixed(0)).join(" ");
console.log(
  `LeNet, batch ${batch}, SGD lr 0.9, ${data} data, wasm ${threads} thread(s), ${rounds} rounds x ${steps} steps`,
);
console.log(
  `  stock wasm (+Conv2DBackpropFilter): median ${median(rates.stock).toFixed(0)} ex/s  [${fmt(rates.stock)}]`,
);
console.log(
  `  @ln/wasm kernels:                   median ${median(rates.ours).toFixed(0)} ex/s  [${fmt(rates.ours)}]`,
);
console.log(`  ratio ${(median(rates.ours) / median(rates.stock)).toFixed(2)}x`);
model.dispose();
for (const b of batches) tf.dispose([b.x, b.y]);

for (const ab of alexBatches) {
  const net = alexnet();
  const aopt = tf.train.sgd(0.01);
  const x = tf.randomUniform([ab, 224, 224, 1]);
  const y = tf.randomUniform([ab], 0, 10, "int32");
  const line: string[] = [];
  for (const mode of ["stock", "ours"] as const) {
    modes[mode]();
    trainStep(net, aopt, x, y); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < alexSteps; i++) trainStep(net, aopt, x, y);
    line.push(`${mode} ${((performance.now() - t0) / 1000 / alexSteps).toFixed(2)} s/step`);
  }
  console.log(`AlexNet 1x224x224, batch ${ab}, ${alexSteps} steps after a warm-up: ${line.join(", ")}`);
  tf.dispose([x, y]);
  net.dispose();
}
