// Winograd's convolutions (src/winograd-conv.ts) against the im2col kernel (src/conv-gemm.ts) on the
// stride-1 3x3 and 5x5 convolutions they take: AlexNet's conv2-conv5 at batch 32 and a VGG-like 3x3;
// the forward pass and the filter gradient, in the build the engine loads (relaxed where it can).
// Alternating in one process, medians; "eff. GFLOP/s" counts im2col's multiply-adds (2 x nominal), so
// Winograd's figure is what im2col would need to match it. The max relative difference is Winograd's
// against im2col's result.
// Usage (hold the lock while timing):
//   flock /tmp/ln-bench.lock node24 --import tsx packages/wasm/bench/winograd.ts [--rounds 5] [--batch 32]
import * as tf from "@tensorflow/tfjs";
import {
  convGemmKernelVariant,
  gemmConv2D,
  gemmConv2DBackpropFilter,
  loadConvGemmKernel,
} from "../src/conv-gemm";
import { initWasmBackend } from "../src/index";
import type { TfjsHeapBackend } from "../src/tfjs-memory";
import { winogradConv2D, winogradConv2DBackpropFilter } from "../src/winograd-conv";
import { arg, loadAverage, median } from "./cli";

const rounds = Number(arg("rounds", "5"));
const batch = Number(arg("batch", "32"));
await initWasmBackend();
await loadConvGemmKernel();
console.log(
  `Node ${process.versions.node}, ${convGemmKernelVariant()} build, batch ${batch}, load average at start ` +
    `${loadAverage()}; ${rounds} rounds alternating, medians`,
);

type Shape3 = [number, number, number];
type Shape4 = [number, number, number, number];
const convs: { name: string; x: Shape3; filter: Shape4 }[] = [
  { name: "AlexNet conv2", x: [26, 26, 96], filter: [5, 5, 96, 256] },
  { name: "AlexNet conv3", x: [12, 12, 256], filter: [3, 3, 256, 384] },
  { name: "AlexNet conv4", x: [12, 12, 384], filter: [3, 3, 384, 384] },
  { name: "AlexNet conv5", x: [12, 12, 384], filter: [3, 3, 384, 256] },
  { name: "VGG-like 3x3", x: [28, 28, 64], filter: [3, 3, 64, 128] },
];

const backend = () => tf.backend() as unknown as TfjsHeapBackend;
const adopt = (t: tf.TensorInfo | undefined) => {
  if (t == null) throw new Error("a kernel declined a bench case");
  return tf.engine().makeTensorFromTensorInfo(t);
};

/** Median ms of each of the two ways, alternating; and the largest difference relative to im2col's. */
function time(im2col: () => tf.Tensor, winograd: () => tf.Tensor) {
  const a = im2col();
  const b = winograd();
  const error = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / tf.max(tf.abs(a)).dataSync()[0]);
  tf.dispose([a, b]);
  const ms = { im2col: [] as number[], winograd: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (["im2col", "winograd"] as const) : (["winograd", "im2col"] as const);
    for (const way of order) {
      const t0 = performance.now();
      (way === "im2col" ? im2col : winograd)().dispose();
      ms[way].push(performance.now() - t0);
    }
  }
  return { im2col: median(ms.im2col), winograd: median(ms.winograd), error };
}

console.log(
  "| convolution | pass | im2col ms | Winograd ms | im2col GFLOP/s | Winograd eff. GFLOP/s | speed-up | max rel. diff |",
);
console.log("|---|---|---|---|---|---|---|---|");
const before = tf.memory().numTensors;
for (const c of convs) {
  const x = tf.randomNormal([batch, ...c.x]) as tf.Tensor4D;
  const filter = tf.randomNormal(c.filter) as tf.Tensor4D;
  const bias = tf.randomNormal([c.filter[3]]) as tf.Tensor1D;
  const info = tf.backend_util.computeConv2DInfo(x.shape, filter.shape, 1, 1, "same");
  const dy = tf.randomNormal(info.outShape);
  const geometry = {
    oh: info.outHeight,
    ow: info.outWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
  const flops = 2 * info.outShape.reduce((a, b) => a * b, 1) * c.filter[0] * c.filter[1] * c.filter[2];
  const passes = [
    [
      "forward",
      () => adopt(gemmConv2D(backend(), x, filter, bias, info, false)),
      () => adopt(winogradConv2D(backend(), x, filter, bias, geometry, false, false)),
    ],
    [
      "filter gradient",
      () => adopt(gemmConv2DBackpropFilter(backend(), x, dy, info)),
      () => adopt(winogradConv2DBackpropFilter(backend(), x, dy, c.filter, geometry)),
    ],
  ] as const;
  for (const [pass, im2col, winograd] of passes) {
    const t = time(im2col, winograd);
    console.log(
      `| ${c.name} ${c.x.join("x")} * ${c.filter.join("x")} | ${pass} | ${t.im2col.toFixed(1)} | ` +
        `${t.winograd.toFixed(1)} | ${(flops / t.im2col / 1e6).toFixed(1)} | ${(flops / t.winograd / 1e6).toFixed(1)} | ` +
        `${(t.im2col / t.winograd).toFixed(2)}x | ${t.error.toExponential(1)} |`,
    );
  }
  tf.dispose([x, filter, bias, dy]);
}
if (tf.memory().numTensors !== before) throw new Error(`leaked ${tf.memory().numTensors - before} tensors`);
