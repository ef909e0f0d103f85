// A probe for threads inside our kernels (issue 15's next step): LeNet's convolutions and filter
// gradients at batch 256, our SIMD kernels on one thread against the same call split in two by
// examples, half on this thread and half on a worker thread running its own instances of the modules on
// tfjs's shared (threaded-build) memory, with its own stack and scratch in tfjs's heap. A split filter
// gradient writes the worker's half to a buffer of its own, which this thread adds in. The worker spins
// on a shared word for its next job (then sleeps in Atomics.wait after ~1 ms idle); this thread spins
// for its answer. Also the round trip of an empty job. Alternating, medians.
// Usage: [REPS=41] node --import tsx bench/split-conv.ts
// (quiet machine: flock /tmp/ln-bench.lock ~/.cache/ln/node/24.22.3/bin/node --import tsx bench/split-conv.ts)
import { Worker } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import { WASM_BASE64 as FILTER_BASE64 } from "../src/conv2d-backprop-filter-simd/kernel.gen";
import { WASM_BASE64 as FILTER_RELAXED_BASE64 } from "../src/conv2d-backprop-filter-simd/kernel.relaxed.gen";
import { WASM_BASE64 } from "../src/conv2d-simd/kernel.gen";
import { WASM_BASE64 as RELAXED_BASE64 } from "../src/conv2d-simd/kernel.relaxed.gen";
import { initWasmBackend } from "../src/index";
import { engineHasRelaxedSimd } from "../src/simd-module";
import { addressOf, forTfjsMemory, type TfjsHeapBackend, tfjsMemory } from "../src/tfjs-memory";
import { loadAverage } from "./cli";

const reps = Number(process.env.REPS ?? 41);
console.log(`node ${process.version}, load average at start: ${loadAverage()}`);
await initWasmBackend({ threads: 2 }); // the threaded build: tfjs's memory is shared
const backend = tf.backend() as unknown as TfjsHeapBackend & {
  wasm: { _malloc(n: number): number; _free(a: number): void };
};
const found = tfjsMemory(backend);
if (!(found?.buffer instanceof SharedArrayBuffer)) throw new Error("tfjs's memory is not shared");
const memory: WebAssembly.Memory = found;
const relaxed = engineHasRelaxedSimd();
const compile = (name: string, plain: string, fma: string) =>
  WebAssembly.compile(
    forTfjsMemory(
      name,
      Uint8Array.from(atob(relaxed ? fma : plain), (c) => c.charCodeAt(0)),
      true,
    ),
  );
const modules = {
  conv: await compile("convolution", WASM_BASE64, RELAXED_BASE64),
  filter: await compile("filter gradient", FILTER_BASE64, FILTER_RELAXED_BASE64),
};

type Kernel = {
  scratch_bytes(...a: number[]): number;
  __stack_pointer: WebAssembly.Global;
} & Record<string, (...a: number[]) => void>;
const STACK = 64 * 1024;
function stackTop(): number {
  const base = backend.wasm._malloc(STACK) >>> 0;
  return (base + STACK) & ~15;
}
function instantiate(module: WebAssembly.Module): Kernel {
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Kernel;
  k.__stack_pointer.value = stackTop();
  return k;
}
const own = { conv: instantiate(modules.conv), filter: instantiate(modules.filter) };
// The functions a job can name, by number (ctrl[2]); 0 is the empty job.
const FUNCTIONS = [
  ["", ""],
  ["conv", "conv2d"],
  ["filter", "filter_grad"],
] as const;

// ctrl[0]: job number posted; ctrl[1]: job number done; ctrl[2]: the function (FUNCTIONS); ctrl[3]: how
// many arguments; ctrl[4..]: the arguments.
const ctrl = new Int32Array(new SharedArrayBuffer(4 * 32));
const worker = new Worker(
  `
  const { workerData } = require("node:worker_threads");
  const { modules, memory, stacks, ctrl, functions } = workerData;
  const k = {};
  for (const [i, name] of ["conv", "filter"].entries()) {
    k[name] = new WebAssembly.Instance(modules[name], { env: { memory } }).exports;
    k[name].__stack_pointer.value = stacks[i];
  }
  let seen = 0;
  for (;;) {
    let spins = 0;
    while (Atomics.load(ctrl, 0) === seen) {
      if (++spins > 200000) { Atomics.wait(ctrl, 0, seen); spins = 0; }
    }
    seen = Atomics.load(ctrl, 0);
    if (seen < 0) break;
    const [module, name] = functions[ctrl[2]];
    if (module) k[module][name](...Array.from(ctrl.subarray(4, 4 + ctrl[3])));
    Atomics.store(ctrl, 1, seen);
  }
  `,
  {
    eval: true,
    workerData: { modules, memory, stacks: [stackTop(), stackTop()], ctrl, functions: FUNCTIONS },
  },
);
let job = 0;
function post(fn: number, args: number[]): void {
  ctrl[2] = fn;
  ctrl[3] = args.length;
  ctrl.set(args, 4);
  Atomics.store(ctrl, 0, ++job);
  Atomics.notify(ctrl, 0);
}
function awaitWorker(): void {
  while (Atomics.load(ctrl, 1) !== job) {}
}

const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const time = (f: () => void) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};
const trips: number[] = [];
for (let i = 0; i < 2000; i++)
  trips.push(
    time(() => {
      post(0, []);
      awaitWorker();
    }),
  );
console.log(`empty job round trip: median ${(median(trips) * 1000).toFixed(1)} us`);

/** Median ms of `one` and `two` (the same work on one thread and split over two), alternating. */
function compare(one: () => void, two: () => void): [number, number] {
  const times = { one: [] as number[], two: [] as number[] };
  for (let i = 0; i < 3; i++) [time(one), time(two)];
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      times.one.push(time(one));
      times.two.push(time(two));
    } else {
      times.two.push(time(two));
      times.one.push(time(one));
    }
  }
  return [median(times.one), median(times.two)];
}
const at = (t: tf.Tensor) => addressOf(backend, t as unknown as tf.TensorInfo);
const scratchOf = (bytes: number) => ((backend.wasm._malloc(bytes + 16) >>> 0) + 15) & ~15;

const cases = [
  { name: "conv1 5x5, 1 -> 6, pad 2", x: [256, 28, 28, 1], f: [5, 5, 1, 6], pad: 2 },
  { name: "conv2 5x5, 6 -> 16", x: [256, 14, 14, 6], f: [5, 5, 6, 16], pad: 0 },
];
console.log(
  "| kernel | case | 1 thread ms | split over 2 ms | speed-up | largest difference (relative to the largest value) |",
);
console.log("|---|---|---:|---:|---:|---:|");
for (const c of cases) {
  const [n, h, w, ci] = c.x;
  const [kh, kw, , co] = c.f;
  const oh = h + 2 * c.pad - kh + 1;
  const ow = w + 2 * c.pad - kw + 1;
  const half = n >> 1;
  const xStep = h * w * ci * 4;
  const yStep = oh * ow * co * 4;
  const x = tf.randomNormal(c.x, 0, 1, "float32", 1);
  const filter = tf.randomNormal(c.f, 0, 0.3, "float32", 2);
  const bias = tf.randomNormal([co], 0, 0.3, "float32", 3);
  const dy = tf.randomNormal([n, oh, ow, co], 0, 1, "float32", 4);
  const [y1, y2] = [0, 1].map(() => tf.zeros([n, oh, ow, co]));
  const [dw1, dw2, dwWorker] = [0, 1, 2].map(() => tf.zeros(c.f));
  const row = (kernel: string, [a, b]: [number, number], u: tf.Tensor, v: tf.Tensor) => {
    const difference = tf.tidy(
      () =>
        tf
          .max(tf.abs(tf.sub(u, v)))
          .div(tf.max(tf.abs(u)))
          .dataSync()[0],
    );
    console.log(
      `| ${kernel} | ${c.name}, [${c.x}] | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(2)}x | ${difference.toExponential(1)} |`,
    );
  };

  const shape = (m: number) => [m, h, w, ci, co, kh, kw, oh, ow, c.pad, c.pad];
  const convScratch = [0, 1].map(() => scratchOf(own.conv.scratch_bytes(...shape(n))));
  const conv = (y: tf.Tensor, from: number, m: number, s: number) => [
    at(x) + from * xStep,
    at(filter),
    at(bias),
    at(y) + from * yStep,
    s,
    ...shape(m),
    0,
  ];
  row(
    "conv2d",
    compare(
      () => own.conv.conv2d(...conv(y1, 0, n, convScratch[0])),
      () => {
        post(1, conv(y2, half, n - half, convScratch[1]));
        own.conv.conv2d(...conv(y2, 0, half, convScratch[0]));
        awaitWorker();
      },
    ),
    y1,
    y2,
  );

  const filterShape = (m: number) => [m, ci, co, kh, kw, oh, ow];
  const filterScratch = [0, 1].map(() => scratchOf(own.filter.scratch_bytes(...filterShape(n))));
  const grad = (dw: tf.Tensor, from: number, m: number, s: number) => [
    at(x) + from * xStep,
    at(dy) + from * yStep,
    at(dw),
    s,
    ...shape(m),
  ];
  const sum = new Float32Array(memory.buffer, at(dw2), dw2.size);
  const part = new Float32Array(memory.buffer, at(dwWorker), dw2.size);
  row(
    "filter gradient",
    compare(
      () => own.filter.filter_grad(...grad(dw1, 0, n, filterScratch[0])),
      () => {
        post(2, grad(dwWorker, half, n - half, filterScratch[1]));
        own.filter.filter_grad(...grad(dw2, 0, half, filterScratch[0]));
        awaitWorker();
        for (let i = 0; i < sum.length; i++) sum[i] += part[i];
      },
    ),
    dw1,
    dw2,
  );
  tf.dispose([x, filter, bias, dy, y1, y2, dw1, dw2, dwWorker]);
}
Atomics.store(ctrl, 0, -1);
Atomics.notify(ctrl, 0);
await worker.terminate();
console.log(`load average at end: ${loadAverage()}`);
