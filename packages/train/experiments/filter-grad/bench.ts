// Hand-written WebAssembly SIMD128 filter gradient (kernel.c) against @ln/train's wasm
// Conv2DBackpropFilter (XNNPACK conv over transposed x/dy), one thread, same process.
// Checks every kernel against tfjs's pure-JS cpu backend (and a float64 loop), then times
// the LeNet shapes: the kernel alone, with the copies in/out of its own memory, and
// running inside tfjs's wasm memory (kernel-import.wasm, no copies but dataSync).
//
//   bash experiments/filter-grad/build.sh
//   cd packages/train && node --import tsx experiments/filter-grad/bench.ts [--quick]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { useDevice } from "../../src/index";

const here = import.meta.dirname;
const quick = process.argv.includes("--quick");
const REPS = 10;

type Pad = "same" | "valid" | number[][];
interface Case {
  name: string;
  x: number[];
  filter: number[]; // [KH, KW, CI, CO]
  pad: Pad;
  lenet?: boolean;
}
const cases: Case[] = [
  { name: "conv1 (LeNet)", x: [256, 28, 28, 1], filter: [5, 5, 1, 6], pad: "same", lenet: true },
  { name: "conv2 (LeNet)", x: [256, 14, 14, 6], filter: [5, 5, 6, 16], pad: "valid", lenet: true },
  {
    name: "pad top 2 / right 1 only",
    x: [3, 9, 11, 5],
    filter: [3, 4, 5, 7],
    pad: [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
  },
  { name: "batch 1, ci 3, co 5, same", x: [1, 7, 6, 3], filter: [3, 3, 3, 5], pad: "same" },
  { name: "even filter same (pad bottom/right)", x: [2, 13, 10, 2], filter: [2, 3, 2, 3], pad: "same" },
  { name: "co 1, 1x1 filter", x: [4, 5, 9, 9], filter: [1, 1, 9, 1], pad: "valid" },
  { name: "filter 7x2, co 13, valid", x: [2, 12, 8, 4], filter: [7, 2, 4, 13], pad: "valid" },
  { name: "co 10, odd width 7, same", x: [2, 9, 7, 3], filter: [3, 3, 3, 10], pad: "same" },
  { name: "co 2, odd width 5, same", x: [3, 5, 5, 2], filter: [3, 3, 2, 2], pad: "same" },
  {
    name: "co 6, odd width, pad left 1 only",
    x: [2, 6, 9, 1],
    filter: [5, 5, 1, 6],
    pad: [
      [0, 0],
      [0, 0],
      [1, 0],
      [0, 0],
    ],
  },
];

function geometry(c: Case) {
  const [N, H, W, CI] = c.x;
  const [KH, KW, , CO] = c.filter;
  const info = tf.backend_util.computeConv2DInfo(
    c.x as [number, number, number, number],
    c.filter as [number, number, number, number],
    1,
    1,
    c.pad as "same",
  );
  const { outHeight: OH, outWidth: OW } = info;
  const { top, left } = info.padInfo;
  return { N, H, W, CI, CO, KH, KW, OH, OW, top, left, dy: [N, OH, OW, CO] };
}

function random(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    a[i] = (s >>> 0) / 2 ** 31 - 1;
  }
  return a;
}

// ---------------------------------------------------------------- the module on its own memory
type Exports = {
  memory: WebAssembly.Memory;
  filter_grad: (...args: number[]) => void;
  scratch_bytes: (...args: number[]) => number;
};
const own = (await WebAssembly.instantiate(readFileSync(join(here, "kernel.wasm")))).instance
  .exports as unknown as Exports;

type G = ReturnType<typeof geometry>;
const align = (v: number) => (v + 15) & ~15;
/** Lays x, dy (+16 bytes slack), dW and scratch out in the module's memory from 1 MiB on. */
function layout(g: G, algo: number, nb = 0) {
  const xB = 4 * g.N * g.H * g.W * g.CI;
  const dyB = 4 * g.N * g.OH * g.OW * g.CO + 16;
  const dwB = 4 * g.KH * g.KW * g.CI * g.CO;
  const sB = own.scratch_bytes(g.N, g.H, g.W, g.CI, g.CO, g.KH, g.KW, g.OH, g.OW, algo, nb);
  const x = 1 << 20;
  const dy = align(x + xB);
  const dw = align(dy + dyB);
  const scratch = align(dw + dwB);
  const end = scratch + sB;
  const have = own.memory.buffer.byteLength;
  if (end > have) own.memory.grow(Math.ceil((end - have) / 65536));
  return { x, dy, dw, scratch };
}
function call(g: G, p: ReturnType<typeof layout>, algo: number, rb = 0, vb = 0, nb = 0) {
  own.filter_grad(
    p.x,
    p.dy,
    p.dw,
    p.scratch,
    g.N,
    g.H,
    g.W,
    g.CI,
    g.CO,
    g.KH,
    g.KW,
    g.OH,
    g.OW,
    g.top,
    g.left,
    algo,
    rb,
    vb,
    nb,
  );
}
/** Copies in, runs, copies out. */
function runOwn(g: G, x: Float32Array, dy: Float32Array, algo: number, rb = 0, vb = 0, nb = 0): Float32Array {
  const p = layout(g, algo, nb);
  const heap = new Float32Array(own.memory.buffer);
  heap.set(x, p.x / 4);
  heap.set(dy, p.dy / 4);
  call(g, p, algo, rb, vb, nb);
  return new Float32Array(own.memory.buffer, p.dw, g.KH * g.KW * g.CI * g.CO).slice();
}

// ---------------------------------------------------------------- the module inside tfjs's memory
await useDevice("wasm", { wasmThreads: 1 });
// biome-ignore lint/suspicious/noExplicitAny: tfjs's wasm backend internals
const wasmBackend = tf.engine().findBackend("wasm") as any;
const tfMemory: WebAssembly.Memory = wasmBackend.wasm.asm.memory;
const shared = typeof SharedArrayBuffer !== "undefined" && tfMemory.buffer instanceof SharedArrayBuffer;
const imp = (
  await WebAssembly.instantiate(readFileSync(join(here, "kernel-import.wasm")), {
    env: { memory: tfMemory },
  })
).instance.exports as unknown as Exports;
// Its shadow stack (a few blocks spill up to 80 bytes) goes into 64 KiB of tfjs's heap.
const stack = wasmBackend.wasm._malloc(65536);
(imp as unknown as { __stack_pointer: WebAssembly.Global }).__stack_pointer.value = (stack + 65536) & ~15;
const ptr = (t: tf.TensorInfo): number => wasmBackend.dataIdMap.get(t.dataId).memoryOffset;

let tfCfg = [0, 0, 0, 0]; // algo, rb, vb, nb
tf.registerKernel({
  kernelName: "LnFilterGradSimd",
  backendName: "wasm",
  kernelFunc: ({ inputs, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { filterShape, pad } = attrs as unknown as { filterShape: number[]; pad: Pad };
    const g = geometry({ name: "", x: x.shape, filter: filterShape, pad });
    const out = wasmBackend.makeOutput(filterShape, "float32");
    const sB = imp.scratch_bytes(g.N, g.H, g.W, g.CI, g.CO, g.KH, g.KW, g.OH, g.OW, tfCfg[0], tfCfg[3]);
    const scratch = wasmBackend.wasm._malloc(sB);
    // dy is read up to 12 bytes past its end (discarded lanes): inside tfjs's heap.
    imp.filter_grad(
      ptr(x),
      ptr(dy),
      ptr(out),
      scratch,
      g.N,
      g.H,
      g.W,
      g.CI,
      g.CO,
      g.KH,
      g.KW,
      g.OH,
      g.OW,
      g.top,
      g.left,
      tfCfg[0],
      tfCfg[1],
      tfCfg[2],
      tfCfg[3],
    );
    wasmBackend.wasm._free(scratch);
    return out;
  },
});

const attrs = (c: Case) =>
  ({
    strides: 1,
    pad: c.pad,
    dataFormat: "NHWC",
    dilations: 1,
    filterShape: c.filter,
  }) as unknown as tf.NamedAttrMap;
const runKernel = (name: string, c: Case, x: tf.Tensor, dy: tf.Tensor) =>
  tf.engine().runKernel(name, { x, dy }, attrs(c)) as tf.Tensor;

// ---------------------------------------------------------------- correctness
function f64(g: G, x: Float32Array, dy: Float32Array): Float64Array {
  const out = new Float64Array(g.KH * g.KW * g.CI * g.CO);
  for (let n = 0; n < g.N; n++)
    for (let oy = 0; oy < g.OH; oy++)
      for (let ox = 0; ox < g.OW; ox++)
        for (let fh = 0; fh < g.KH; fh++) {
          const iy = oy + fh - g.top;
          if (iy < 0 || iy >= g.H) continue;
          for (let fw = 0; fw < g.KW; fw++) {
            const ix = ox + fw - g.left;
            if (ix < 0 || ix >= g.W) continue;
            for (let ci = 0; ci < g.CI; ci++) {
              const xv = x[((n * g.H + iy) * g.W + ix) * g.CI + ci];
              const o = ((fh * g.KW + fw) * g.CI + ci) * g.CO;
              const d = ((n * g.OH + oy) * g.OW + ox) * g.CO;
              for (let co = 0; co < g.CO; co++) out[o + co] += xv * dy[d + co];
            }
          }
        }
  return out;
}
/** max |a - b| / max |b| */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

const data = new Map<Case, { x: Float32Array; dy: Float32Array }>();
console.log(`tfjs wasm memory shared: ${shared}; check (max |a-b| / max |ref|):`);
console.log(
  "| case | algo 0 vs cpu | algo 1 vs cpu | algo 2 (default chunk / 5 images) vs cpu | in tfjs memory (0/1/2) vs cpu | @ln/train vs cpu | cpu vs f64 | algo 0 vs f64 |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
let worst = 0;
for (const [i, c] of cases.entries()) {
  const g = geometry(c);
  const x = random(g.N * g.H * g.W * g.CI, 7 + i);
  const dy = random(g.N * g.OH * g.OW * g.CO, 99 + i);
  data.set(c, { x, dy });
  await tf.setBackend("cpu");
  const ref = tf.tidy(() =>
    runKernel("Conv2DBackpropFilter", c, tf.tensor(x, c.x), tf.tensor(dy, g.dy)).dataSync(),
  );
  await tf.setBackend("wasm");
  const [xt, dyt] = [tf.tensor(x, c.x), tf.tensor(dy, g.dy)];
  const errs: number[] = [];
  const a0 = runOwn(g, x, dy, 0);
  errs.push(
    relErr(a0, ref),
    relErr(runOwn(g, x, dy, 1), ref),
    Math.max(relErr(runOwn(g, x, dy, 2), ref), relErr(runOwn(g, x, dy, 2, 0, 0, 5), ref)),
  );
  for (const algo of [0, 1, 2]) {
    tfCfg = [algo, 0, 0, 0];
    const t = runKernel("LnFilterGradSimd", c, xt, dyt);
    errs.push(relErr(t.dataSync(), ref));
    t.dispose();
  }
  // after our kernel ran inside tfjs's memory: would show if it had clobbered x, dy or the heap
  const ln = runKernel("Conv2DBackpropFilter", c, xt, dyt);
  const exact = f64(g, x, dy);
  const row = [...errs.slice(0, 3), Math.max(...errs.slice(3)), relErr(ln.dataSync(), ref)];
  row.push(relErr(ref, exact), relErr(a0, exact));
  worst = Math.max(worst, ...errs);
  console.log(`| ${c.name} | ${row.map((e) => e.toExponential(1)).join(" | ")} |`);
  tf.dispose([ln, xt, dyt]);
}
console.log(`worst error of the new kernel vs cpu: ${worst.toExponential(2)}`);
if (!(worst < 1e-4)) throw new Error("new kernel disagrees with the cpu backend");

// ---------------------------------------------------------------- timing
function median(run: () => void, reps = REPS): number {
  run();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    run();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[Math.floor(reps / 2)];
}
const flops = (g: G) => 2 * g.N * g.OH * g.OW * g.KH * g.KW * g.CI * g.CO;
const gf = (g: G, ms: number) => (flops(g) / ms / 1e6).toFixed(1);

const variants: Array<[string, number, number, number, number?]> = quick
  ? [["auto (algo 2, defaults)", 2, 0, 0]]
  : [
      ["co (default)", 0, 0, 0],
      ["co R1xV1", 0, 1, 1],
      ["co R2xV4", 0, 2, 4],
      ["co R4xV2", 0, 4, 2],
      ["co R3xV2", 0, 3, 2],
      ["co R6xV2", 0, 6, 2],
      ["co R4xV4", 0, 4, 4],
      ["auto: pair if co%4==2 else co (algo 2, defaults)", 2, 0, 0],
      ["auto, 1 image per chunk", 2, 0, 0, 1],
      ["auto, 8 images per chunk", 2, 0, 0, 8],
      ["pair R2", 2, 2, 0],
      ["pair R3", 2, 3, 0],
      ["pair R6", 2, 6, 0],
      ["pair R8", 2, 8, 0],
      ["ox (default)", 1, 0, 0],
      ["ox F5xCB1", 1, 5, 1],
      ["ox F5xCB3", 1, 5, 3],
      ["ox F3xCB4", 1, 3, 4],
    ];
console.log("\nkernel only (data already in its memory), median of 10:");
console.log(
  `| variant | ${cases
    .filter((c) => c.lenet)
    .map((c) => `${c.name} ms | GFLOP/s`)
    .join(" | ")} |`,
);
console.log(
  `| --- | ${cases
    .filter((c) => c.lenet)
    .map(() => "---: | ---:")
    .join(" | ")} |`,
);
const best = new Map<Case, [string, number, number, number, number, number]>();
for (const [label, algo, rb, vb, nb = 0] of variants) {
  const cells: string[] = [];
  for (const c of cases.filter((c) => c.lenet)) {
    const g = geometry(c);
    const { x, dy } = data.get(c)!;
    runOwn(g, x, dy, algo, rb, vb, nb);
    const p = layout(g, algo, nb);
    const ms = median(() => call(g, p, algo, rb, vb, nb));
    cells.push(`${ms.toFixed(2)} | ${gf(g, ms)}`);
    const b = best.get(c);
    if (b == null || ms < b[5]) best.set(c, [label, algo, rb, vb, nb, ms]);
  }
  console.log(`| ${label} | ${cells.join(" | ")} |`);
}

console.log("\nagainst @ln/train's wasm Conv2DBackpropFilter (runKernel + dataSync), median of 10:");
console.log(
  "| shape | @ln/train ms | GFLOP/s | new: best variant | kernel only ms | GFLOP/s | copies alone ms | with copies ms | GFLOP/s | in tfjs memory ms (runKernel + dataSync) | GFLOP/s | speed-up (copies) | speed-up (tfjs memory) |",
);
console.log("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const c of cases.filter((c) => c.lenet)) {
  const g = geometry(c);
  const { x, dy } = data.get(c)!;
  const [xt, dyt] = [tf.tensor(x, c.x), tf.tensor(dy, g.dy)];
  const cur = median(() => {
    const t = runKernel("Conv2DBackpropFilter", c, xt, dyt);
    t.dataSync();
    t.dispose();
  });
  const [label, algo, rb, vb, nb, kernelMs] = best.get(c)!;
  const withCopies = median(() => runOwn(g, x, dy, algo, rb, vb, nb));
  const p = layout(g, algo, nb);
  const copiesOnly = median(() => {
    const heap = new Float32Array(own.memory.buffer);
    heap.set(x, p.x / 4);
    heap.set(dy, p.dy / 4);
    new Float32Array(own.memory.buffer, p.dw, g.KH * g.KW * g.CI * g.CO).slice();
  });
  tfCfg = [algo, rb, vb, nb];
  const inTf = median(() => {
    const t = runKernel("LnFilterGradSimd", c, xt, dyt);
    t.dataSync();
    t.dispose();
  });
  console.log(
    `| ${c.name} | ${cur.toFixed(2)} | ${gf(g, cur)} | ${label} | ${kernelMs.toFixed(2)} | ${gf(g, kernelMs)} | ${copiesOnly.toFixed(2)} | ${withCopies.toFixed(2)} | ${gf(g, withCopies)} | ${inTf.toFixed(2)} | ${gf(g, inTf)} | ${(cur / withCopies).toFixed(2)}x | ${(cur / inTf).toFixed(2)}x |`,
  );
  tf.dispose([xt, dyt]);
}
