// LeNet's five convolution calls of a training step (batch 256) in our SIMD kernels, the working
// tree's kernel.c builds against those of a git revision (default HEAD: the committed .gen.ts bytes),
// both run directly on tfjs's memory as conv2d.ts / conv2d-backprop-*.ts run them, alternating in one
// process, medians; relaxed (FMA) and plain builds. GFLOP/s counts 2 x the multiply-adds of the
// convolution (the input gradient: those of its forward conv, the taps that reach dy).
// Usage (hold the lock while timing):
//   flock /tmp/ln-bench.lock ~/.cache/ln/node/24.22.3/bin/node --import tsx bench/lenet-convs.ts [--rounds 21] [--base HEAD] [--only 'conv2 input']
import { execFileSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { type FilterGradExports, filterGradKernel, runFilterGrad } from "../src/conv2d-backprop-filter-simd";
import { type Conv2DExports, conv2dKernel, runConv2D } from "../src/conv2d-simd";
import { initWasmBackend } from "../src/index";
import { type ConvShape, engineHasRelaxedSimd, useRelaxedSimd } from "../src/simd-module";
import { lazyTfjsMemoryKernel, type TfjsHeapBackend } from "../src/tfjs-memory";
import { arg, median } from "./cli";

const rounds = Number(arg("rounds", "21"));
const base = arg("base", "HEAD");
const only = arg("only", "");

/** The WASM_BASE64 of a generated kernel file at revision `base`. */
function oldBase64(path: string): string {
  const text = execFileSync("git", ["show", `${base}:packages/wasm/src/${path}`], { encoding: "utf8" });
  const m = /"([A-Za-z0-9+/=]+)"/.exec(text);
  if (m == null) throw new Error(`no base64 in ${base}:${path}`);
  return m[1];
}
const oldConv = lazyTfjsMemoryKernel<Conv2DExports>(
  "old convolution",
  oldBase64("conv2d-simd/kernel.gen.ts"),
  oldBase64("conv2d-simd/kernel.relaxed.gen.ts"),
);
const oldFilter = lazyTfjsMemoryKernel<FilterGradExports>(
  "old filter-gradient",
  oldBase64("conv2d-backprop-filter-simd/kernel.gen.ts"),
  oldBase64("conv2d-backprop-filter-simd/kernel.relaxed.gen.ts"),
);

await initWasmBackend();
await Promise.all([oldConv.load(), oldFilter.load()]);
const backend = tf.backend() as unknown as TfjsHeapBackend;
console.log(
  `Node ${process.versions.node}, relaxed SIMD ${engineHasRelaxedSimd() ? "yes" : "no"}, ${rounds} rounds, base ${base}`,
);

const N = 256;
const shape = (s: Omit<ConvShape, "n">): ConvShape => ({ n: N, ...s });
const conv1: ConvShape = shape({
  h: 28,
  w: 28,
  ci: 1,
  co: 6,
  kh: 5,
  kw: 5,
  oh: 28,
  ow: 28,
  padTop: 2,
  padLeft: 2,
});
const conv2: ConvShape = shape({
  h: 14,
  w: 14,
  ci: 6,
  co: 16,
  kh: 5,
  kw: 5,
  oh: 10,
  ow: 10,
  padTop: 0,
  padLeft: 0,
});
// conv2's input gradient as conv2d-backprop-input.ts runs it: dy "full"-correlated, channels swapped.
const conv2dx: ConvShape = shape({
  h: 10,
  w: 10,
  ci: 16,
  co: 6,
  kh: 5,
  kw: 5,
  oh: 14,
  ow: 14,
  padTop: 4,
  padLeft: 4,
});

const x1 = tf.randomNormal([N, 28, 28, 1]);
const w1 = tf.randomNormal([5, 5, 1, 6]);
const b1 = tf.randomNormal([6]);
const y1 = tf.zeros([N, 28, 28, 6]);
const x2 = tf.randomNormal([N, 14, 14, 6]);
const w2 = tf.randomNormal([5, 5, 6, 16]);
const b2 = tf.randomNormal([16]);
const y2 = tf.zeros([N, 10, 10, 16]);
const w2t = tf.randomNormal([5, 5, 16, 6]);
const dw1 = tf.zeros([5, 5, 1, 6]);
const dw2 = tf.zeros([5, 5, 6, 16]);

type Pick = { conv: Conv2DExports; filter: FilterGradExports };
interface Call {
  name: string;
  flops: number;
  run(k: Pick): void;
}
const macs = (s: ConvShape) => s.n * s.oh * s.ow * s.co * s.kh * s.kw * s.ci;
const calls: Call[] = [
  {
    name: "conv1 forward (+bias)",
    flops: 2 * macs(conv1),
    run: (k) => runConv2D(k.conv, backend, x1, w1, b1, conv1, false, y1),
  },
  {
    name: "conv1 filter gradient",
    flops: 2 * macs(conv1),
    run: (k) => runFilterGrad(k.filter, backend, x1, y1, conv1, dw1),
  },
  {
    name: "conv2 forward (+bias)",
    flops: 2 * macs(conv2),
    run: (k) => runConv2D(k.conv, backend, x2, w2, b2, conv2, false, y2),
  },
  {
    name: "conv2 filter gradient",
    flops: 2 * macs(conv2),
    run: (k) => runFilterGrad(k.filter, backend, x2, y2, conv2, dw2),
  },
  {
    name: "conv2 input gradient",
    flops: 2 * macs(conv2),
    run: (k) => runConv2D(k.conv, backend, y2, w2t, undefined, conv2dx, false, x2),
  },
];

for (const relaxed of engineHasRelaxedSimd() ? [true, false] : [false]) {
  useRelaxedSimd(relaxed);
  const now = { conv: conv2dKernel(backend), filter: filterGradKernel(backend) };
  const old = { conv: oldConv.get(backend), filter: oldFilter.get(backend) };
  if (!now.conv || !now.filter || !old.conv || !old.filter) throw new Error("a kernel did not load");
  console.log(`\n${relaxed ? "relaxed (FMA)" : "plain"} build: ms (median of ${rounds}), GFLOP/s`);
  console.log(
    `${"call".padEnd(24)} ${"base ms".padStart(8)} ${"new ms".padStart(8)} ${"base GF".padStart(8)} ${"new GF".padStart(8)}  new/base`,
  );
  for (const c of calls.filter((c) => c.name.includes(only))) {
    const t = { old: [] as number[], now: [] as number[] };
    for (let i = 0; i < 3; i++) {
      c.run(old as Pick);
      c.run(now as Pick);
    }
    for (let i = 0; i < rounds; i++) {
      for (const which of i % 2 ? (["now", "old"] as const) : (["old", "now"] as const)) {
        const t0 = performance.now();
        c.run((which === "old" ? old : now) as Pick);
        t[which].push(performance.now() - t0);
      }
    }
    const o = median(t.old);
    const n = median(t.now);
    const gf = (ms: number) => (c.flops / ms / 1e6).toFixed(1);
    console.log(
      `${c.name.padEnd(24)} ${o.toFixed(2).padStart(8)} ${n.toFixed(2).padStart(8)} ${gf(o).padStart(8)} ${gf(n).padStart(8)}  ${(n / o).toFixed(3)}`,
    );
  }
}
useRelaxedSimd(true);
tf.dispose([x1, w1, b1, y1, x2, w2, b2, y2, w2t, dw1, dw2]);
