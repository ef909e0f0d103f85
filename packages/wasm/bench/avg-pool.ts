// AvgPool (and the same-dtype Cast tfjs-core's avgPool runs after it) on wasm, one thread: tfjs's
// stock kernels against ours (src/avg-pool.ts, src/cast.ts), each kernel function called directly on
// the same tensors, alternating call by call in one process (so that other work on the machine falls
// on both alike), medians. Cases: LeNet's two 2x2/2 pools at batch 256.
// Usage: [REPS=41] node --import tsx bench/avg-pool.ts
// (hold the bench lock: flock /tmp/ln-bench.lock ~/.cache/ln/node/24.22.3/bin/node --import tsx bench/avg-pool.ts)
import * as tf from "@tensorflow/tfjs";
import { avgPoolConfig } from "../src/avg-pool";
import { castConfig } from "../src/cast";
import { initWasmBackend } from "../src/index";
import { stockKernel } from "../src/stock";
import { loadAverage, median } from "./cli";

const reps = Number(process.env.REPS ?? 41);
console.log(`node ${process.version}, load average at start: ${loadAverage()}`);
await initWasmBackend({ threads: 1 });
const backend = tf.backend();

/** Median ms of the stock kernel `name` and of `ours` on the same arguments, alternating. */
function compare(name: string, ours: tf.KernelConfig, args: object): [number, number] {
  const stock = stockKernel(name);
  if (stock == null) throw new Error(`the wasm backend has no stock ${name}`);
  const ms = (kernel: tf.KernelConfig): number => {
    const t0 = performance.now();
    const out = kernel.kernelFunc({ ...args, backend } as never) as tf.TensorInfo;
    const t = performance.now() - t0;
    backend.disposeData(out.dataId);
    return t;
  };
  const times = { stock: [] as number[], ours: [] as number[] };
  for (let i = 0; i < 3; i++) [ms(stock), ms(ours)];
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      times.stock.push(ms(stock));
      times.ours.push(ms(ours));
    } else {
      times.ours.push(ms(ours));
      times.stock.push(ms(stock));
    }
  }
  return [median(times.stock), median(times.ours)];
}

const cases: { name: string; x: [number, number, number, number] }[] = [
  { name: "LeNet pool 1, 2x2/2", x: [256, 28, 28, 6] },
  { name: "LeNet pool 2, 2x2/2", x: [256, 10, 10, 16] },
];
console.log(`| kernel | case | x | stock ms | ours ms | speed-up |`);
console.log(`|---|---|---|---|---|---|`);
const row = (kernel: string, c: (typeof cases)[number], [a, b]: [number, number]) =>
  console.log(
    `| ${kernel} | ${c.name} | [${c.x}] | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(1)}x |`,
  );
for (const c of cases) {
  const x = tf.randomNormal(c.x, 0, 1, "float32", 1) as tf.Tensor4D;
  row(
    "AvgPool",
    c,
    compare("AvgPool", avgPoolConfig, { inputs: { x }, attrs: { filterSize: 2, strides: 2, pad: "valid" } }),
  );
  const y = tf.avgPool(x, 2, 2, "valid");
  row(
    "Cast of its output",
    c,
    compare("Cast", castConfig, { inputs: { x: y }, attrs: { dtype: "float32" } }),
  );
  tf.dispose([x, y]);
}
console.log(`load average at end: ${loadAverage()}`);
