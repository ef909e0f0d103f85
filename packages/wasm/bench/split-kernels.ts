// Threads inside our kernels (src/kernel-threads.ts), call by call: LeNet's convolutions, filter
// gradients and dense layers' matrix products at batch 256 on wasm with 2 threads, our kernel on this
// thread alone against the same call split between this thread and the helper (runConv2D,
// runFilterGrad, runMatMul). Same tensors, alternating call by call in one process, medians.
// Usage: [REPS=41] node --import tsx bench/split-kernels.ts
// (quiet machine: flock /tmp/ln-bench.lock ~/.cache/ln/node/24.22.3/bin/node --import tsx bench/split-kernels.ts)
import * as tf from "@tensorflow/tfjs";
import { filterGradKernel, runFilterGrad } from "../src/conv2d-backprop-filter-simd";
import { conv2dKernel, runConv2D } from "../src/conv2d-simd";
import { initWasmBackend, kernelThreads } from "../src/index";
import { matMulKernel, matMulShape, runMatMul } from "../src/matmul-simd";
import { type ConvShape, convArgs } from "../src/simd-module";
import { addressOf, type TfjsHeapBackend, withScratch } from "../src/tfjs-memory";
import { loadAverage, median } from "./cli";

const reps = Number(process.env.REPS ?? 41);
console.log(`node ${process.version}, load average at start: ${loadAverage()}`);
await initWasmBackend({ threads: 2 });
if (kernelThreads().threads < 2) throw new Error("our kernels have no helper thread here");
const backend = tf.backend() as unknown as TfjsHeapBackend;
const conv = conv2dKernel(backend);
const filter = filterGradKernel(backend);
const matmul = matMulKernel(backend);
if (!conv || !filter || !matmul) throw new Error("our SIMD kernels are not loaded");

const time = (f: () => void) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};
/** Median ms of `one` and `two` (the same work on this thread alone and split over two), alternating. */
function compare(one: () => void, two: () => void): [number, number] {
  const times = { one: [] as number[], two: [] as number[] };
  for (let i = 0; i < 3; i++) [time(one), time(two)];
  for (let i = 0; i < reps; i++) {
    const order = i % 2 === 0 ? (["one", "two"] as const) : (["two", "one"] as const);
    for (const which of order) times[which].push(time(which === "one" ? one : two));
  }
  return [median(times.one), median(times.two)];
}
const at = (t: tf.Tensor) => addressOf(backend, t as unknown as tf.TensorInfo);
const info = (t: tf.Tensor) => t as unknown as tf.TensorInfo;

const cases = [
  { name: "conv1 5x5, 1 -> 6, pad 2", x: [256, 28, 28, 1], f: [5, 5, 1, 6], pad: 2 },
  { name: "conv2 5x5, 6 -> 16", x: [256, 14, 14, 6], f: [5, 5, 6, 16], pad: 0 },
];
/** One table row: both timings, the speed-up and how far the split result is from one thread's. */
function printRow(kernel: string, name: string, [a, b]: [number, number], u: tf.Tensor, v: tf.Tensor) {
  const difference = tf.tidy(
    () =>
      tf
        .max(tf.abs(tf.sub(u, v)))
        .div(tf.max(tf.abs(u)))
        .dataSync()[0],
  );
  console.log(
    `| ${kernel} | ${name} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(2)}x | ${difference.toExponential(1)} |`,
  );
}

console.log(
  "| kernel | case | 1 thread ms | split over 2 ms | speed-up | difference (relative to the largest value) |",
);
console.log("|---|---|---:|---:|---:|---:|");
for (const c of cases) {
  const [n, h, w, ci] = c.x;
  const [kh, kw, , co] = c.f;
  const s: ConvShape = {
    n,
    h,
    w,
    ci,
    co,
    kh,
    kw,
    oh: h + 2 * c.pad - kh + 1,
    ow: w + 2 * c.pad - kw + 1,
    padTop: c.pad,
    padLeft: c.pad,
  };
  const x = tf.randomNormal(c.x, 0, 1, "float32", 1);
  const weights = tf.randomNormal(c.f, 0, 0.3, "float32", 2);
  const bias = tf.randomNormal([co], 0, 0.3, "float32", 3);
  const dy = tf.randomNormal([n, s.oh, s.ow, co], 0, 1, "float32", 4);
  const [y1, y2] = [0, 1].map(() => tf.zeros([n, s.oh, s.ow, co]));
  const [dw1, dw2] = [0, 1].map(() => tf.zeros(c.f));
  const row = (kernel: string, times: [number, number], u: tf.Tensor, v: tf.Tensor) =>
    printRow(kernel, `${c.name}, [${c.x}]`, times, u, v);
  row(
    "conv2d",
    compare(
      () =>
        withScratch(backend, conv.scratch_bytes(...convArgs(s)), (scratch) =>
          conv.conv2d(at(x), at(weights), at(bias), at(y1), scratch, ...convArgs(s), 0),
        ),
      () => runConv2D(conv, backend, info(x), info(weights), info(bias), s, false, info(y2)),
    ),
    y1,
    y2,
  );
  row(
    "filter gradient",
    compare(
      () =>
        withScratch(backend, filter.scratch_bytes(n, ci, co, kh, kw, s.oh, s.ow), (scratch) =>
          filter.filter_grad(at(x), at(dy), at(dw1), scratch, ...convArgs(s)),
        ),
      () => runFilterGrad(filter, backend, info(x), info(dy), s, info(dw2)),
    ),
    dw1,
    dw2,
  );
  tf.dispose([x, weights, bias, dy, y1, y2, dw1, dw2]);
}
// LeNet's dense layers at batch 256: forward x·W, input gradient dy·Wᵀ, weight gradient xᵀ·dy.
const products = [
  { name: "dense1 x·W", a: [256, 400], b: [400, 120], tA: false, tB: false },
  { name: "dense1 dy·Wᵀ", a: [256, 120], b: [400, 120], tA: false, tB: true },
  { name: "dense1 xᵀ·dy", a: [256, 400], b: [256, 120], tA: true, tB: false },
  { name: "dense2 x·W", a: [256, 120], b: [120, 84], tA: false, tB: false },
  { name: "dense2 xᵀ·dy", a: [256, 120], b: [256, 84], tA: true, tB: false },
];
for (const p of products) {
  const a = tf.randomNormal(p.a, 0, 1, "float32", 5);
  const b = tf.randomNormal(p.b, 0, 1, "float32", 6);
  const s = matMulShape(info(a), info(b), p.tA, p.tB);
  if (!s) throw new Error(`${p.name}: not a product our kernel runs`);
  const [c1, c2] = [0, 1].map(() => tf.zeros([s.m, s.n]));
  const flags = [p.tA ? 1 : 0, p.tB ? 1 : 0] as const;
  printRow(
    "matmul",
    `${p.name}, ${s.m} x ${s.n} x ${s.k}`,
    compare(
      () =>
        withScratch(backend, 4 * matmul.scratch_floats(s.m, s.n, s.k, flags[1]), (scratch) =>
          matmul.matmul(at(a), at(b), 0, at(c1), scratch, s.m, s.n, s.k, ...flags, 0),
        ),
      () => runMatMul(matmul, backend, info(a), info(b), undefined, s, p.tA, p.tB, false, info(c2)),
    ),
    c1,
    c2,
  );
  tf.dispose([a, b, c1, c2]);
}
console.log(
  `pieces the helper computed: ${kernelThreads().byHelpers}; load average at end: ${loadAverage()}`,
);
