// A training step through tfjs's engine (not a compiled step) on wasm with 2 threads: each kernel call
// of ours split over both, against the same steps on the calling thread alone (splitKernelCalls(1)), in
// one process alternating blocks of steps, medians. What decides how a model that wasm does not run
// compiled should use a second core (the page and `ln train` send such models data-parallel instead).
// The model is the page's ReLU LeNet with max pooling, batch 256, SGD.
// Usage: [BLOCKS=12] node --import tsx bench/engine-step-threads.ts
// (quiet machine: flock /tmp/ln-bench.lock node24 --import tsx bench/engine-step-threads.ts)
import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend, kernelThreads, splitKernelCalls } from "../src/index";
import { loadAverage, median } from "./cli";
import { trainStep } from "./models";

const blocks = Number(process.env.BLOCKS ?? 12);
console.log(`node ${process.version}, load average at start: ${loadAverage()}`);
await initWasmBackend({ threads: 2 });
if (kernelThreads().threads < 2) throw new Error("our kernels have no helper thread here");
const model = lenet({ activation: "relu", pooling: "max", seed: 0 });
const optimizer = tf.train.sgd(0.01);
const x = tf.randomNormal([256, 28, 28, 1], 0, 1, "float32", 1);
const y = tf.randomUniform([256], 0, 10, "int32", 2);
const times = { split: [] as number[], "one thread": [] as number[] };
for (let block = 0; block <= blocks; block++) {
  for (const mode of ["split", "one thread"] as const) {
    splitKernelCalls(mode === "split" ? true : 1);
    for (let step = 0; step < 6; step++) {
      const t0 = performance.now();
      trainStep(model, optimizer, x, y);
      // The first block and each block's first step warm up.
      if (block > 0 && step > 0) times[mode].push(performance.now() - t0);
    }
  }
}
splitKernelCalls(true);
const [split, one] = [median(times.split), median(times["one thread"])];
console.log(
  `ReLU LeNet (max pooling) step through tfjs's engine, batch 256: split over 2 threads ${split.toFixed(2)} ms, ` +
    `one thread ${one.toFixed(2)} ms: ${(one / split).toFixed(2)}x`,
);
