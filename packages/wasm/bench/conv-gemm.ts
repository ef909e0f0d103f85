// The im2col convolution kernel (src/conv-gemm.ts) against the path each convolution takes today:
// AlexNet's five (batch 16) and LeNet's two (batch 256), forward (bias, linear: as tfjs-layers runs
// a Conv2D layer) and filter gradient. "current" is what the registered kernels run (XNNPACK for
// AlexNet's forward convolutions, our direct kernels at stride 1 and filters up to
// SIMD_CONV_MAX_FILTER, in their relaxed build where the engine has it); "gemm plain" and
// "gemm relaxed" are this kernel's two builds. Alternating in one process, medians; GFLOP/s counts
// 2 x the nominal multiply-adds.
// Usage (hold the lock while timing):
//   flock /tmp/ln-bench.lock ~/.cache/ln/node/24.22.3/bin/node --import tsx packages/wasm/bench/conv-gemm.ts [--rounds 5] [--only AlexNet|LeNet]
import * as tf from "@tensorflow/tfjs";
import { gemmConv2D, gemmConv2DBackpropFilter, loadConvGemmKernel } from "../src/conv-gemm";
import { initWasmBackend } from "../src/index";
import { engineHasRelaxedSimd, useRelaxedSimd } from "../src/simd-module";
import type { TfjsHeapBackend } from "../src/tfjs-memory";
import { arg, loadAverage, median } from "./cli";

const rounds = Number(arg("rounds", "5"));
const only = arg("only", "");

await initWasmBackend();
await loadConvGemmKernel();
console.log(
  `Node ${process.versions.node}, relaxed SIMD ${engineHasRelaxedSimd() ? "yes" : "no"}, ` +
    `load average at start ${loadAverage()}; ${rounds} rounds alternating, medians`,
);

interface Conv {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: "same" | "valid";
}
const all: Conv[] = [
  { name: "AlexNet b16 conv1", x: [16, 224, 224, 1], filter: [11, 11, 1, 96], stride: 4, pad: "valid" },
  { name: "AlexNet b16 conv2", x: [16, 26, 26, 96], filter: [5, 5, 96, 256], stride: 1, pad: "same" },
  { name: "AlexNet b16 conv3", x: [16, 12, 12, 256], filter: [3, 3, 256, 384], stride: 1, pad: "same" },
  { name: "AlexNet b16 conv4", x: [16, 12, 12, 384], filter: [3, 3, 384, 384], stride: 1, pad: "same" },
  { name: "AlexNet b16 conv5", x: [16, 12, 12, 384], filter: [3, 3, 384, 256], stride: 1, pad: "same" },
  // A mid-size filter (74K values) that our direct kernel takes today: where the two cross.
  { name: "3x3 64->128 b16", x: [16, 28, 28, 64], filter: [3, 3, 64, 128], stride: 1, pad: "same" },
  // A small strided one (K = 144, co = 32), which XNNPACK runs today: whether packing patches pays there.
  { name: "small 3x3 s2 16->32 b16", x: [16, 56, 56, 16], filter: [3, 3, 16, 32], stride: 2, pad: "same" },
  { name: "LeNet b256 conv1", x: [256, 28, 28, 1], filter: [5, 5, 1, 6], stride: 1, pad: "same" },
  { name: "LeNet b256 conv2", x: [256, 14, 14, 6], filter: [5, 5, 6, 16], stride: 1, pad: "valid" },
];
const convs = all.filter((c) => c.name.includes(only));

const backend = () => tf.backend() as unknown as TfjsHeapBackend;
const adopt = (t: tf.TensorInfo | undefined) => {
  if (t == null) throw new Error("the im2col kernel declined a bench case");
  return tf.engine().makeTensorFromTensorInfo(t);
};

type Way = "current" | "gemm plain" | "gemm relaxed";
const ways: Way[] = engineHasRelaxedSimd()
  ? ["current", "gemm plain", "gemm relaxed"]
  : ["current", "gemm plain"];

/** Median ms per call of each way, alternating their order each round; and gemm's error against current. */
function time(run: Record<Way, () => tf.Tensor>, flops: number) {
  const reps = Math.max(1, Math.min(20, Math.round(3e8 / flops)));
  const ms = Object.fromEntries(ways.map((w) => [w, [] as number[]])) as Record<Way, number[]>;
  const call = (w: Way) => {
    useRelaxedSimd(w !== "gemm plain");
    return run[w]();
  };
  const values = Object.fromEntries(
    ways.map((w) => {
      const t = call(w); // warm-up, and the values to compare
      const v = t.dataSync() as Float32Array;
      t.dispose();
      return [w, v];
    }),
  ) as Record<Way, Float32Array>;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ways : [...ways].reverse();
    for (const w of order) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) call(w).dispose();
      ms[w].push((performance.now() - t0) / reps);
    }
  }
  useRelaxedSimd(true);
  let diff = 0;
  let scale = 0;
  for (const w of ways.slice(1))
    for (let i = 0; i < values.current.length; i++) {
      diff = Math.max(diff, Math.abs(values[w][i] - values.current[i]));
      scale = Math.max(scale, Math.abs(values.current[i]));
    }
  return {
    ms: Object.fromEntries(ways.map((w) => [w, median(ms[w])])) as Record<Way, number>,
    error: diff / scale,
  };
}

console.log(
  `| convolution | pass | ${ways.map((w) => `${w} ms`).join(" | ")} | ${ways.map((w) => `${w} GFLOP/s`).join(" | ")} | best gemm / current | max rel. diff |`,
);
console.log(`|---|---|${ways.map(() => "---|---|").join("")}---|---|`);
const before = tf.memory().numTensors;
for (const c of convs) {
  const x = tf.randomNormal(c.x) as tf.Tensor4D;
  const filter = tf.randomNormal(c.filter) as tf.Tensor4D;
  const bias = tf.randomNormal([c.filter[3]]) as tf.Tensor1D;
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, 1, c.pad);
  const dy = tf.randomNormal(info.outShape);
  const flops = 2 * info.outShape.reduce((a, b) => a * b, 1) * c.filter[0] * c.filter[1] * c.filter[2];
  const forward = () => tf.fused.conv2d({ x, filter, bias, strides: c.stride, pad: c.pad });
  const ours = () => adopt(gemmConv2D(backend(), x, filter, bias, info, false));
  const filterGrad = () =>
    tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
      strides: c.stride,
      pad: c.pad,
      dataFormat: "NHWC",
      filterShape: c.filter,
    } as never) as tf.Tensor;
  const oursGrad = () => adopt(gemmConv2DBackpropFilter(backend(), x, dy, info));
  const passes: [string, Record<Way, () => tf.Tensor>][] = [
    ["forward", { current: forward, "gemm plain": ours, "gemm relaxed": ours }],
    ["filter gradient", { current: filterGrad, "gemm plain": oursGrad, "gemm relaxed": oursGrad }],
  ];
  for (const [pass, run] of passes) {
    const { ms, error } = time(run, flops);
    const gf = (w: Way) => (flops / ms[w] / 1e6).toFixed(1);
    const best = Math.min(...ways.slice(1).map((w) => ms[w]));
    console.log(
      `| ${c.name} ${c.x.slice(1).join("x")} * ${c.filter.join("x")} s${c.stride} | ${pass} | ` +
        `${ways.map((w) => ms[w].toFixed(2)).join(" | ")} | ${ways.map(gf).join(" | ")} | ` +
        `${(best / ms.current).toFixed(2)} | ${error.toExponential(1)} |`,
    );
  }
  tf.dispose([x, filter, bias, dy]);
}
if (tf.memory().numTensors !== before) throw new Error(`leaked ${tf.memory().numTensors - before} tensors`);
