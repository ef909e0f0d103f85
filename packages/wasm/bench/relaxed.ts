// Per-kernel timings of our convolution kernels, plain SIMD128 (mul + add) against the relaxed-SIMD
// build (one fused f32x4.relaxed_madd), alternating in one process: every Conv2D layer of the seed's
// LeNet (batch 256) and AlexNet (batch 8), forward, filter gradient and input gradient (not for a
// first layer: training never asks for it), through tfjs's kernels as training runs them (in
// tfjs's memory). Rows that XNNPACK runs (equal bits in both builds) are marked: there both builds
// run the same code, so their ratios show how much the machine's noise moves a ratio. GFLOP/s counts
// 2·multiply-adds of the nominal convolution. Then LeNet training steps (batch 256, SGD), both builds.
// Usage (hold the lock while timing; other work on the machine moves the figures):
//   flock /tmp/ln-bench.lock npx tsx bench/relaxed.ts [--rounds 11] [--alexnet-batch 8 (0: none)] [--direct]
//   flock /tmp/ln-bench.lock ~/.cache/ln/node/24.22.3/bin/node --import tsx bench/relaxed.ts
// --direct also times our kernel itself on the AlexNet convolutions XNNPACK runs in training
// (filters above SIMD_CONV_MAX_FILTER), against XNNPACK, to see whether FMA moves that limit.
import { alexnet, lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { conv2dKernel, runConv2D } from "../src/conv2d-simd";
import { initWasmBackend } from "../src/index";
import { engineHasRelaxedSimd, simdVariant, useRelaxedSimd, useSimdKernels } from "../src/simd-module";
import type { TfjsHeapBackend } from "../src/tfjs-memory";
import { arg, loadAverage, median } from "./cli";
import { trainStep } from "./models";

const rounds = Number(arg("rounds", "11"));
const alexBatch = Number(arg("alexnet-batch", "8"));
const direct = process.argv.includes("--direct");

await initWasmBackend();
console.log(
  `Node ${process.versions.node} (V8 ${process.versions.v8}), relaxed SIMD ${engineHasRelaxedSimd() ? "yes" : "no"}, ` +
    `our kernels: ${simdVariant()}; load average at start ${loadAverage()}`,
);
if (simdVariant() !== "relaxed") {
  console.log("This engine runs the plain build only: nothing to compare.");
  process.exit(0);
}

interface Conv {
  net: string;
  layer: string;
  x: number[];
  filter: number[];
  strides: [number, number];
  pad: "same" | "valid";
  out: number[];
}

/** Every Conv2D layer of `model` with its input and output shapes at `batch`. */
function convs(net: string, model: tf.LayersModel, batch: number): Conv[] {
  return model.layers
    .filter((l) => l.getClassName() === "Conv2D")
    .map((l) => {
      const c = l.getConfig() as {
        kernelSize: number[];
        strides: number[];
        padding: string;
        filters: number;
      };
      const inShape = (l.input as tf.SymbolicTensor).shape.slice(1) as number[];
      const outShape = (l.output as tf.SymbolicTensor).shape.slice(1) as number[];
      return {
        net,
        layer: l.name,
        x: [batch, ...inShape],
        filter: [c.kernelSize[0], c.kernelSize[1], inShape[2], c.filters],
        strides: [c.strides[0], c.strides[1]] as [number, number],
        pad: c.padding as "same" | "valid",
        out: [batch, ...outShape],
      };
    });
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) =>
  tf.engine().runKernel(name, inputs as never, attrs as never) as tf.Tensor;

interface Row {
  what: string;
  flops: number;
  f: () => tf.Tensor;
}

/** The kernels of one layer, and the tensors they read (to dispose after). */
function rows(c: Conv, first: boolean): { rows: Row[]; tensors: tf.Tensor[] } {
  const x = tf.randomNormal(c.x);
  const filter = tf.randomNormal(c.filter);
  const bias = tf.randomNormal([c.filter[3]]);
  const dy = tf.randomNormal(c.out);
  const flops = 2 * size(c.out) * c.filter[0] * c.filter[1] * c.filter[2];
  const conv = { strides: c.strides, pad: c.pad, dataFormat: "NHWC" };
  const out: Row[] = [
    {
      what: "forward",
      flops,
      // As tfjs-layers runs a Conv2D layer: the fused op with its bias.
      f: () =>
        tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: filter as tf.Tensor4D,
          bias,
          strides: c.strides,
          pad: c.pad,
        }),
    },
    {
      what: "filter gradient",
      flops,
      f: () => run("Conv2DBackpropFilter", { x, dy }, { ...conv, filterShape: c.filter }),
    },
  ];
  if (!first)
    out.push({
      what: "input gradient",
      flops,
      f: () => run("Conv2DBackpropInput", { dy, filter }, { ...conv, inputShape: c.x }),
    });
  return { rows: out, tensors: [x, filter, bias, dy] };
}

/** ms per call of `f` with relaxed on and off, alternating, `rounds` rounds; and relaxed's error. */
function compare(f: () => tf.Tensor, flops: number) {
  const reps = Math.max(1, Math.min(20, Math.round(2e8 / flops)));
  const ms: Record<"plain" | "relaxed", number[]> = { plain: [], relaxed: [] };
  const result: Record<string, Float32Array> = {};
  let ours = false;
  for (const mode of ["plain", "relaxed"] as const) {
    useRelaxedSimd(mode === "relaxed");
    const t = f(); // warm-up, and the result to compare
    result[mode] = t.dataSync() as Float32Array;
    t.dispose();
  }
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? (["plain", "relaxed"] as const) : (["relaxed", "plain"] as const)) {
      useRelaxedSimd(mode === "relaxed");
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) f().dispose();
      ms[mode].push((performance.now() - t0) / reps);
    }
  }
  useRelaxedSimd(true);
  // Our kernels run their two builds; XNNPACK runs one code for both, so equal bits: not ours (on a
  // CPU without FMA, where relaxed_madd is a mul and an add, every row reads as XNNPACK's).
  ours = result.plain.some((v, i) => !Object.is(v, result.relaxed[i]));
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < result.plain.length; i++) {
    diff = Math.max(diff, Math.abs(result.plain[i] - result.relaxed[i]));
    scale = Math.max(scale, Math.abs(result.plain[i]));
  }
  return { plain: median(ms.plain), relaxed: median(ms.relaxed), ours, error: diff / scale };
}

const fmt = (v: number, d = 2) => v.toFixed(d);
console.log(
  `${rounds} rounds alternating, medians; GFLOP/s = 2 x nominal multiply-adds / time; ratio = plain ms / relaxed ms`,
);
console.log(
  "| net | layer | kernel | runs in | plain ms | relaxed ms | plain GFLOP/s | relaxed GFLOP/s | ratio | max rel. diff |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
const nets: [string, tf.LayersModel, number][] = [["LeNet", lenet(), 256]];
if (alexBatch > 0) nets.push(["AlexNet", alexnet(), alexBatch]);
for (const [name, model, batch] of nets) {
  for (const [i, c] of convs(`${name} b${batch}`, model, batch).entries()) {
    const layer = rows(c, i === 0);
    for (const row of layer.rows) {
      const m = compare(row.f, row.flops);
      const gf = (t: number) => fmt(row.flops / t / 1e6, 1);
      console.log(
        `| ${c.net} | ${c.layer} ${c.x.slice(1).join("x")} ${c.filter.join("x")} s${c.strides[0]} | ${row.what} | ` +
          `${m.ours ? "ours" : "XNNPACK"} | ${fmt(m.plain)} | ${fmt(m.relaxed)} | ${gf(m.plain)} | ${gf(m.relaxed)} | ` +
          `${fmt(m.plain / m.relaxed)} | ${m.error.toExponential(1)} |`,
      );
    }
    tf.dispose(layer.tensors);
  }
  model.dispose();
}

{
  // LeNet training steps, as bench.ts times them, with each build of our kernels.
  const model = lenet();
  const opt = tf.train.sgd(0.1);
  const x = tf.randomUniform([256, 28, 28, 1]);
  const y = tf.randomUniform([256], 0, 10, "int32");
  const steps = 5;
  const rates: Record<"plain" | "relaxed", number[]> = { plain: [], relaxed: [] };
  for (const mode of ["plain", "relaxed"] as const) {
    useRelaxedSimd(mode === "relaxed");
    trainStep(model, opt, x, y); // warm-up
  }
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? (["plain", "relaxed"] as const) : (["relaxed", "plain"] as const)) {
      useRelaxedSimd(mode === "relaxed");
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) trainStep(model, opt, x, y);
      rates[mode].push((steps * 256) / ((performance.now() - t0) / 1000));
    }
  }
  useRelaxedSimd(true);
  const [p, q] = [median(rates.plain), median(rates.relaxed)];
  console.log(
    `\nLeNet training, batch 256, SGD, ${rounds} rounds x ${steps} steps: plain ${p.toFixed(0)} ex/s, relaxed ${q.toFixed(0)} ex/s, ratio ${(q / p).toFixed(2)}`,
  );
  tf.dispose([x, y]);
  model.dispose();
}

if (direct) {
  // Our convolution on AlexNet's stride-1 forward shapes, called directly, against XNNPACK's.
  console.log(
    "\nAlexNet stride-1 forward convolutions: our kernel called directly vs XNNPACK (tf.conv2d, ours off)",
  );
  console.log("| layer | XNNPACK ms | ours plain ms | ours relaxed ms | relaxed / XNNPACK |");
  console.log("|---|---|---|---|---|");
  const model = alexnet();
  for (const c of convs("AlexNet", model, alexBatch).filter((c) => c.strides[0] === 1)) {
    const x = tf.randomNormal(c.x);
    const filter = tf.randomNormal(c.filter);
    const y = tf.zeros(c.out);
    const pad = (c.filter[0] - 1) / 2;
    const shape = {
      n: c.x[0],
      h: c.x[1],
      w: c.x[2],
      ci: c.x[3],
      co: c.filter[3],
      kh: c.filter[0],
      kw: c.filter[1],
      oh: c.out[1],
      ow: c.out[2],
      padTop: c.pad === "same" ? pad : 0,
      padLeft: c.pad === "same" ? pad : 0,
    };
    const times: Record<string, number[]> = { xnnpack: [], plain: [], relaxed: [] };
    // Warm-up: XNNPACK packs the filter on its first call with it.
    useSimdKernels(false);
    tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, c.pad).dispose();
    useSimdKernels(true);
    for (let r = 0; r < Math.max(3, Math.floor(rounds / 2)); r++) {
      useSimdKernels(false);
      let t0 = performance.now();
      tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, c.pad).dispose();
      times.xnnpack.push(performance.now() - t0);
      useSimdKernels(true);
      for (const mode of ["plain", "relaxed"] as const) {
        useRelaxedSimd(mode === "relaxed");
        const backend = tf.backend() as unknown as TfjsHeapBackend;
        const k = conv2dKernel(backend);
        if (!k) throw new Error("our convolution kernel is not loaded");
        t0 = performance.now();
        runConv2D(k, backend, x, filter, undefined, shape, false, y);
        times[mode].push(performance.now() - t0);
      }
      useRelaxedSimd(true);
    }
    const [xn, pl, rx] = [median(times.xnnpack), median(times.plain), median(times.relaxed)];
    console.log(
      `| ${c.layer} ${c.filter.join("x")} | ${fmt(xn)} | ${fmt(pl)} | ${fmt(rx)} | ${fmt(rx / xn)} |`,
    );
    tf.dispose([x, filter, y]);
  }
  model.dispose();
}
console.log(`load average at end ${loadAverage()}`);
