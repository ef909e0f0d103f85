// MaxPoolGrad on wasm, one thread: tfjs's stock kernel (a scalar loop) against ours (SIMD,
// src/max-pool-grad.ts), each kernel function called directly on the same tensors, alternating call
// by call in one process (so that other work on the machine falls on both alike), medians.
// Cases: d2l's AlexNet's three pools at batch 16, LeNet with max pooling at batch 256.
// Usage: [REPS=21] node --import tsx bench/max-pool-grad.ts
// (hold the bench lock: flock /tmp/ln-bench.lock ~/.cache/ln/node/24.22.3/bin/node --import tsx bench/max-pool-grad.ts)
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../src/index";
import { maxPoolGradConfig } from "../src/max-pool-grad";
import { stockKernel } from "../src/stock";
import { loadAverage, median } from "./cli";

const reps = Number(process.env.REPS ?? 21);
console.log(`node ${process.version}, load average at start: ${loadAverage()}`);
await initWasmBackend({ threads: 1 });
const stock = stockKernel("MaxPoolGrad");
if (stock == null) throw new Error("the wasm backend has no stock MaxPoolGrad");

const cases: { name: string; x: [number, number, number, number]; f: number; s: number }[] = [
  { name: "AlexNet pool 1, 3x3/2", x: [16, 54, 54, 96], f: 3, s: 2 },
  { name: "AlexNet pool 2, 3x3/2", x: [16, 26, 26, 256], f: 3, s: 2 },
  { name: "AlexNet pool 3, 3x3/2", x: [16, 12, 12, 256], f: 3, s: 2 },
  { name: "LeNet-max pool 1, 2x2/2", x: [256, 28, 28, 6], f: 2, s: 2 },
];
const backend = tf.backend();

console.log(`| case | x | stock ms | ours ms | speed-up |`);
console.log(`|---|---|---|---|---|`);
for (const c of cases) {
  const x = tf.randomNormal(c.x, 0, 1, "float32", 1) as tf.Tensor4D;
  const y = tf.maxPool(x, c.f, c.s, "valid");
  const dy = tf.randomNormal(y.shape, 0, 1, "float32", 2);
  const args = {
    inputs: { dy, input: x, output: y },
    backend,
    attrs: { filterSize: c.f, strides: c.s, pad: "valid" },
  } as never;
  const ms = (kernel: typeof stock): number => {
    const t0 = performance.now();
    const out = kernel.kernelFunc(args) as tf.TensorInfo;
    const t = performance.now() - t0;
    backend.disposeData(out.dataId);
    return t;
  };
  const times = { stock: [] as number[], ours: [] as number[] };
  for (let i = 0; i < 3; i++) [ms(stock), ms(maxPoolGradConfig)];
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      times.stock.push(ms(stock));
      times.ours.push(ms(maxPoolGradConfig));
    } else {
      times.ours.push(ms(maxPoolGradConfig));
      times.stock.push(ms(stock));
    }
  }
  const [a, b] = [median(times.stock), median(times.ours)];
  console.log(`| ${c.name} | [${c.x}] | ${a.toFixed(2)} | ${b.toFixed(3)} | ${(a / b).toFixed(1)}x |`);
  tf.dispose([x, y, dy]);
}
console.log(`load average at end: ${loadAverage()}`);
