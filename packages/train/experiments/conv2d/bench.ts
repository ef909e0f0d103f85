// Hand-written WebAssembly SIMD128 forward convolution (src/wasm/conv2d-simd/kernel.c) against
// tfjs's wasm backend (XNNPACK), one thread, same process. Checks the kernel against tfjs's
// pure-JS cpu backend (conv2d + bias + relu) on LeNet's shapes and odd ones, then times
// LeNet's conv1 / conv2 forward and conv2's input gradient (a forward convolution of dy padded
// by 4 with the filter rotated and in/out swapped): the kernel alone, the copies alone, and
// the kernel with the copies in and out of its own memory.
//
//   bash src/wasm/conv2d-simd/build.sh
//   cd packages/train && flock /tmp/ln-bench.lock node --import tsx experiments/conv2d/bench.ts
import * as tf from "@tensorflow/tfjs";
import { useDevice } from "../../src/index";
import { CONV2D_WASM_BASE64 } from "../../src/wasm/conv2d-simd/kernel-bytes";
import { stockKernel } from "../../src/wasm/stock";

const REPS = 10;

type Pad = "same" | "valid" | [[number, number], [number, number]];
interface Case {
  name: string;
  x: number[]; // [N, H, W, CI]
  filter: number[]; // [KH, KW, CI, CO]
  pad: Pad;
  bias?: boolean;
  relu?: boolean;
  /** The input gradient of a valid conv: x is dy, filter the forward filter [KH, KW, CI', CO'=CI]. */
  inputGrad?: number[]; // the forward input shape
  timed?: boolean;
}
const cases: Case[] = [
  {
    name: "conv1 fwd: x [256,28,28,1], w [5,5,1,6], same",
    x: [256, 28, 28, 1],
    filter: [5, 5, 1, 6],
    pad: "same",
    timed: true,
  },
  {
    name: "conv2 fwd: x [256,14,14,6], w [5,5,6,16], valid",
    x: [256, 14, 14, 6],
    filter: [5, 5, 6, 16],
    pad: "valid",
    timed: true,
  },
  {
    name: "conv2 input grad: dy [256,10,10,16] pad 4, w' [5,5,16,6]",
    x: [256, 10, 10, 16],
    filter: [5, 5, 6, 16],
    pad: [
      [4, 4],
      [4, 4],
    ],
    inputGrad: [256, 14, 14, 6],
    timed: true,
  },
  {
    name: "conv1 + bias + relu",
    x: [4, 28, 28, 1],
    filter: [5, 5, 1, 6],
    pad: "same",
    bias: true,
    relu: true,
  },
  {
    name: "conv2 + bias + relu",
    x: [3, 14, 14, 6],
    filter: [5, 5, 6, 16],
    pad: "valid",
    bias: true,
    relu: true,
  },
  { name: "batch 1, ci 3, co 5, same, bias", x: [1, 7, 6, 3], filter: [3, 3, 3, 5], pad: "same", bias: true },
  { name: "co 1, ci 7, 1x1, relu", x: [2, 5, 9, 7], filter: [1, 1, 7, 1], pad: "valid", relu: true },
  {
    name: "co 2, ci 1, odd width 5, same",
    x: [3, 5, 5, 1],
    filter: [3, 3, 1, 2],
    pad: "same",
    bias: true,
    relu: true,
  },
  { name: "co 3, ci 3, even filter same", x: [2, 13, 10, 3], filter: [2, 3, 3, 3], pad: "same" },
  {
    name: "co 13, ci 7, 7x2 valid, bias + relu",
    x: [2, 12, 8, 7],
    filter: [7, 2, 7, 13],
    pad: "valid",
    bias: true,
    relu: true,
  },
  {
    name: "co 6, ci 1, odd width 9, pad left 1 only",
    x: [2, 6, 9, 1],
    filter: [5, 5, 1, 6],
    pad: [
      [0, 0],
      [1, 0],
    ],
  },
  {
    name: "co 10, ci 3, pad top 2 / right 1 only, bias",
    x: [3, 9, 11, 3],
    filter: [3, 4, 3, 10],
    pad: [
      [2, 0],
      [0, 1],
    ],
    bias: true,
  },
  {
    name: "co 7, ci 2, pads beyond the filter (6/1, 5/3)",
    x: [2, 4, 5, 2],
    filter: [3, 3, 2, 7],
    pad: [
      [6, 1],
      [5, 3],
    ],
    bias: true,
    relu: true,
  },
  {
    name: "co 6, ci 16, input grad of a 3x3 valid conv (pad 2), odd width",
    x: [2, 5, 7, 16],
    filter: [3, 3, 6, 16],
    pad: [
      [2, 2],
      [2, 2],
    ],
    inputGrad: [2, 7, 9, 6],
  },
  {
    name: "co 6, ci 1, 3x3 same, odd width 13, bias + relu",
    x: [2, 9, 13, 1],
    filter: [3, 3, 1, 6],
    pad: "same",
    bias: true,
    relu: true,
  },
  { name: "co 32, ci 5, same, relu", x: [2, 6, 7, 5], filter: [3, 3, 5, 32], pad: "same", relu: true },
  { name: "co 18, ci 1, batch 1, valid", x: [1, 8, 8, 1], filter: [5, 5, 1, 18], pad: "valid", bias: true },
];

/** The kernel's geometry: w is [KH, KW, CI, CO] as the kernel sees it (rotated for inputGrad). */
function geometry(c: Case) {
  const [N, H, W, CI] = c.x;
  const [KH, KW] = c.filter;
  const CO = c.inputGrad ? c.filter[2] : c.filter[3];
  let top: number;
  let bottom: number;
  let left: number;
  let right: number;
  if (c.pad === "valid") [top, bottom, left, right] = [0, 0, 0, 0];
  else if (c.pad === "same") {
    const info = tf.backend_util.computeConv2DInfo(
      c.x as [number, number, number, number],
      c.filter as [number, number, number, number],
      1,
      1,
      "same",
    );
    ({ top, bottom, left, right } = info.padInfo);
  } else [[top, bottom], [left, right]] = c.pad;
  const OH = H + top + bottom - KH + 1;
  const OW = W + left + right - KW + 1;
  return { N, H, W, CI, CO, KH, KW, OH, OW, top, left, bottom, right };
}
type G = ReturnType<typeof geometry>;

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

/** w' [KH][KW][CO'][CI'] = w [KH-1-fh][KW-1-fw][CI'][CO']: the input gradient's filter. */
function rotate(w: Float32Array, [KH, KW, CI, CO]: number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let fh = 0; fh < KH; fh++)
    for (let fw = 0; fw < KW; fw++)
      for (let ci = 0; ci < CI; ci++)
        for (let co = 0; co < CO; co++)
          out[((fh * KW + fw) * CO + co) * CI + ci] =
            w[(((KH - 1 - fh) * KW + (KW - 1 - fw)) * CI + ci) * CO + co];
  return out;
}

// ---------------------------------------------------------------- the module on its own memory
type Exports = {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  conv2d: (...args: number[]) => void;
  scratch_bytes: (...args: number[]) => number;
};
const bytes = Uint8Array.from(atob(CONV2D_WASM_BASE64), (c) => c.charCodeAt(0));
const k = (await WebAssembly.instantiate(bytes, {})).instance.exports as unknown as Exports;
console.log(`wasm module: ${bytes.length} bytes`);

const align = (v: number) => (v + 15) & ~15;
/** x, w, bias, y and scratch in the module's memory from __heap_base on. */
function layout(g: G) {
  const x = align(k.__heap_base.value as number);
  const w = align(x + 4 * g.N * g.H * g.W * g.CI);
  const b = align(w + 4 * g.KH * g.KW * g.CI * g.CO);
  const y = align(b + 4 * g.CO);
  const scratch = align(y + 4 * g.N * g.OH * g.OW * g.CO);
  const end = scratch + k.scratch_bytes(g.N, g.H, g.W, g.CI, g.CO, g.KH, g.KW, g.OH, g.OW, g.top, g.left);
  const have = k.memory.buffer.byteLength;
  if (end > have) k.memory.grow(Math.ceil((end - have) / 65536));
  return { x, w, b, y, scratch, end };
}
type L = ReturnType<typeof layout>;
function call(g: G, p: L, bias: boolean, relu: boolean) {
  k.conv2d(
    p.x,
    p.w,
    bias ? p.b : 0,
    p.y,
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
    relu ? 1 : 0,
  );
}
function copyIn(p: L, x: Float32Array, w: Float32Array, b: Float32Array | undefined) {
  const heap = new Float32Array(k.memory.buffer);
  heap.set(x, p.x / 4);
  heap.set(w, p.w / 4);
  if (b) heap.set(b, p.b / 4);
}
const copyOut = (g: G, p: L, out = new Float32Array(g.N * g.OH * g.OW * g.CO)) => {
  out.set(new Float32Array(k.memory.buffer, p.y, out.length));
  return out;
};
/** Copies in (rotating the filter for an input gradient), runs, copies out. */
function runOwn(c: Case, g: G, x: Float32Array, w: Float32Array, b?: Float32Array): Float32Array {
  const p = layout(g);
  copyIn(p, x, c.inputGrad ? rotate(w, c.filter) : w, b);
  call(g, p, b != null, c.relu === true);
  return copyOut(g, p);
}

// ---------------------------------------------------------------- tfjs
// The baseline is the stock tfjs-backend-wasm kernels (XNNPACK's Conv2D), not @ln/train's
// replacements (which may route Conv2D / Conv2DBackpropInput to this very kernel once
// integrated): they are put back after useDevice, from @ln/train's record of the stock ones.
await useDevice("wasm", { wasmThreads: 1 });
for (const name of ["Conv2D", "Conv2DBackpropInput"]) {
  const config = stockKernel(name);
  if (!config) throw new Error(`no stock wasm ${name}`);
  if (tf.getKernel(name, "wasm") !== config) {
    console.log(`(${config.kernelName}: @ln/train's replacement unregistered, timing the stock wasm kernel)`);
    tf.unregisterKernel(config.kernelName, "wasm");
    tf.registerKernel(config);
  }
}
const explicit = (g: G) =>
  [
    [0, 0],
    [g.top, g.bottom],
    [g.left, g.right],
    [0, 0],
  ] as [[number, number], [number, number], [number, number], [number, number]];
/** tfjs on the current backend: conv2d (+ bias, relu), or Conv2DBackpropInput. */
function tfRun(c: Case, g: G, xt: tf.Tensor4D, wt: tf.Tensor4D, bt?: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    let y: tf.Tensor;
    if (c.inputGrad)
      y = tf.engine().runKernel("Conv2DBackpropInput", { dy: xt, filter: wt }, {
        strides: 1,
        pad: "valid",
        dataFormat: "NHWC",
        dimRoundingMode: undefined,
        inputShape: c.inputGrad,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
    else y = tf.conv2d(xt, wt, 1, c.pad === "same" || c.pad === "valid" ? c.pad : explicit(g));
    if (bt) y = tf.add(y, bt);
    if (c.relu) y = tf.relu(y);
    return y;
  });
}

// ---------------------------------------------------------------- correctness
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

const data = new Map<Case, { x: Float32Array; w: Float32Array; b?: Float32Array }>();
console.log("check (max |a-b| / max |cpu|):");
console.log("| case | OH x OW | new kernel vs cpu | XNNPACK vs cpu |");
console.log("| --- | --- | ---: | ---: |");
let worst = 0;
for (const [i, c] of cases.entries()) {
  const g = geometry(c);
  const x = random(
    c.x.reduce((a, b) => a * b),
    7 + i,
  );
  const w = random(
    c.filter.reduce((a, b) => a * b),
    99 + i,
  );
  const b = c.bias ? random(g.CO, 1234 + i) : undefined;
  data.set(c, { x, w, b });
  const tensors = () =>
    [tf.tensor4d(x, c.x as never), tf.tensor4d(w, c.filter as never), b && tf.tensor1d(b)] as const;
  await tf.setBackend("cpu");
  const [xc, wc, bc] = tensors();
  const ref = tfRun(c, g, xc, wc, bc);
  const refData = ref.dataSync();
  if (ref.size !== g.N * g.OH * g.OW * g.CO) throw new Error(`${c.name}: shape ${ref.shape}`);
  tf.dispose([xc, wc, bc, ref].filter((t) => t != null) as tf.Tensor[]);
  await tf.setBackend("wasm");
  const [xw, ww, bw] = tensors();
  const xnn = tfRun(c, g, xw, ww, bw);
  const xnnErr = relErr(xnn.dataSync(), refData);
  tf.dispose([xw, ww, bw, xnn].filter((t) => t != null) as tf.Tensor[]);
  const err = relErr(runOwn(c, g, x, w, b), refData);
  worst = Math.max(worst, err);
  console.log(`| ${c.name} | ${g.OH} x ${g.OW} | ${err.toExponential(1)} | ${xnnErr.toExponential(1)} |`);
}
console.log(`worst error of the new kernel vs cpu: ${worst.toExponential(2)}`);
if (!(worst < 1e-5)) throw new Error("new kernel disagrees with the cpu backend");
if (process.argv.includes("--check")) process.exit(0);

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

console.log("\none thread, median of 10 (GFLOP/s = 2*N*OH*OW*KH*KW*CI*CO / time, nominal taps):");
console.log(
  "| shape | XNNPACK ms | GFLOP/s | new kernel only ms | GFLOP/s | copies alone ms | new with copies ms | GFLOP/s | speed-up (kernel only) | speed-up (with copies) |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const c of cases.filter((c) => c.timed)) {
  const g = geometry(c);
  const { x, w } = data.get(c)!;
  const xt = tf.tensor4d(x, c.x as never);
  const wt = tf.tensor4d(w, c.filter as never);
  // The input gradient on XNNPACK: its Conv2D of dy padded by 4 with the rotated filter (the
  // rotation not timed); tfjs's own Conv2DBackpropInput (a plain C++ loop) is printed below.
  const wrot = c.inputGrad ? tf.tensor4d(rotate(w, c.filter), [g.KH, g.KW, g.CI, g.CO]) : wt;
  const xnn = median(() => {
    const t = c.inputGrad ? tf.conv2d(xt, wrot as tf.Tensor4D, 1, explicit(g)) : tfRun(c, g, xt, wt);
    t.dataSync();
    t.dispose();
  });
  const stockBpi = c.inputGrad
    ? median(() => {
        const t = tfRun(c, g, xt, wt);
        t.dataSync();
        t.dispose();
      })
    : 0;
  tf.dispose([xt, wt, wrot]);
  const p = layout(g);
  copyIn(p, x, c.inputGrad ? rotate(w, c.filter) : w, undefined);
  const only = median(() => call(g, p, false, false));
  // into a preallocated output, as a caller writing into its own tensor would
  const out = new Float32Array(g.N * g.OH * g.OW * g.CO);
  const copies = median(() => {
    copyIn(p, x, c.inputGrad ? rotate(w, c.filter) : w, undefined);
    copyOut(g, p, out);
  });
  const withCopies = median(() => {
    copyIn(p, x, c.inputGrad ? rotate(w, c.filter) : w, undefined);
    call(g, p, false, false);
    copyOut(g, p, out);
  });
  console.log(
    `| ${c.name} | ${xnn.toFixed(2)} | ${gf(g, xnn)} | ${only.toFixed(2)} | ${gf(g, only)} | ${copies.toFixed(2)} | ${withCopies.toFixed(2)} | ${gf(g, withCopies)} | ${(xnn / only).toFixed(2)}x | ${(xnn / withCopies).toFixed(2)}x |`,
  );
  if (c.inputGrad)
    console.log(
      `|   (tfjs wasm's stock Conv2DBackpropInput kernel on the same: ${stockBpi.toFixed(2)} ms, ${gf(g, stockBpi)} GFLOP/s) |`,
    );
}
