// Peak single-kernel throughput of the wasm backend (XNNPACK): a large matMul and a
// wide conv2d, GFLOP/s. The floor any LeNet step on wasm can reach, whatever the kernels.
//   node --import tsx bench-kernels/peak.ts [--threads 1]
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { useDevice } from "../src/index";

const { values } = parseArgs({ options: { threads: { type: "string", default: "1" } } });
await useDevice("wasm", { wasmThreads: Number(values.threads) });

function gflops(name: string, flop: number, run: () => tf.Tensor, reps = 10): void {
  run().dispose();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const y = run();
    y.dataSync();
    times.push(performance.now() - t0);
    y.dispose();
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)]!;
  console.log(
    `${name.padEnd(44)} ${ms.toFixed(2).padStart(8)} ms  ${(flop / ms / 1e6).toFixed(1).padStart(6)} GFLOP/s`,
  );
}

const n = 1024;
const a = tf.randomNormal([n, n]);
const b = tf.randomNormal([n, n]);
gflops("matMul 1024x1024x1024", 2 * n ** 3, () => tf.matMul(a, b));
const x = tf.randomNormal([64, 32, 32, 64]);
const w = tf.randomNormal([3, 3, 64, 64]);
gflops("conv2d b64 32x32 64->64 3x3 same", 2 * 64 * 32 * 32 * 64 * 64 * 9, () => tf.conv2d(x, w, 1, "same"));
// LeNet's own convs, batch 256, forward
const x1 = tf.randomNormal([256, 28, 28, 1]);
const w1 = tf.randomNormal([5, 5, 1, 6]);
gflops("LeNet conv1 b256 28x28 1->6 5x5 same", 2 * 256 * 28 * 28 * 6 * 25, () =>
  tf.conv2d(x1, w1, 1, "same"),
);
const x2 = tf.randomNormal([256, 14, 14, 6]);
const w2 = tf.randomNormal([5, 5, 6, 16]);
gflops("LeNet conv2 b256 14x14 6->16 5x5 valid", 2 * 256 * 10 * 10 * 16 * 150, () =>
  tf.conv2d(x2, w2, 1, "valid"),
);
