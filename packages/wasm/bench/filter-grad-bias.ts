// A conv's filter and bias gradients at LeNet's sizes (batch 256) two ways, alternating in one process,
// medians: Conv2DBackpropFilter then Sum (our two kernels, dy read twice) against LnConv2DBackpropFilterBias
// (one pass over dy); and the SIMD kernel alone, filter_grad against filter_grad_bias (what summing dy
// costs inside it).
// Usage (hold the lock while timing):
//   flock /tmp/ln-bench.lock ~/.cache/ln/node/24.22.3/bin/node --import tsx bench/filter-grad-bias.ts [--rounds 41]
import * as tf from "@tensorflow/tfjs";
import { LnConv2DBackpropFilterBias } from "../src/conv2d-backprop-filter-bias";
import { filterGradKernel, runFilterGrad } from "../src/conv2d-backprop-filter-simd";
import { initWasmBackend } from "../src/index";
import { type ConvShape, engineHasRelaxedSimd } from "../src/simd-module";
import type { TfjsHeapBackend } from "../src/tfjs-memory";
import { arg, median } from "./cli";

const rounds = Number(arg("rounds", "41"));

await initWasmBackend();
const backend = tf.backend() as unknown as TfjsHeapBackend;
const k = filterGradKernel(backend);
if (!k) throw new Error("the filter-gradient kernel did not load");
console.log(
  `Node ${process.versions.node}, relaxed SIMD ${engineHasRelaxedSimd() ? "yes" : "no"}, ${rounds} rounds`,
);

const N = 256;
const convs: Array<{ name: string; s: ConvShape; pad: "same" | "valid" }> = [
  {
    name: "conv1 [256,28,28,1] -> 6",
    s: { n: N, h: 28, w: 28, ci: 1, co: 6, kh: 5, kw: 5, oh: 28, ow: 28, padTop: 2, padLeft: 2 },
    pad: "same",
  },
  {
    name: "conv2 [256,14,14,6] -> 16",
    s: { n: N, h: 14, w: 14, ci: 6, co: 16, kh: 5, kw: 5, oh: 10, ow: 10, padTop: 0, padLeft: 0 },
    pad: "valid",
  },
];

/** Medians (ms) of each of `fs`, run in turn `rounds` times, the order rotating each round. */
function race(fs: Record<string, () => void>): Record<string, number> {
  const names = Object.keys(fs);
  const t: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < 3; r++) for (const n of names) fs[n]();
  for (let r = 0; r < rounds; r++)
    for (let j = 0; j < names.length; j++) {
      const n = names[(r + j) % names.length];
      const t0 = performance.now();
      fs[n]();
      t[n].push(performance.now() - t0);
    }
  return Object.fromEntries(names.map((n) => [n, median(t[n])]));
}

for (const { name, s, pad } of convs) {
  const x = tf.randomNormal([s.n, s.h, s.w, s.ci]);
  const dy = tf.randomNormal([s.n, s.oh, s.ow, s.co]);
  const dW = tf.zeros([s.kh, s.kw, s.ci, s.co]);
  const db = tf.zeros([s.co]);
  const attrs = { strides: 1, pad, dataFormat: "NHWC", filterShape: [s.kh, s.kw, s.ci, s.co] } as never;
  const before = tf.memory().numTensors;
  const ms = race({
    "Conv2DBackpropFilter + Sum": () => {
      const w = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, attrs) as tf.Tensor;
      tf.dispose([w, tf.sum(dy, [0, 1, 2])]);
    },
    LnConv2DBackpropFilterBias: () =>
      tf.dispose(tf.engine().runKernel(LnConv2DBackpropFilterBias, { x, dy }, attrs) as tf.Tensor[]),
    filter_grad: () => runFilterGrad(k, backend, x, dy, s, dW),
    filter_grad_bias: () => runFilterGrad(k, backend, x, dy, s, dW, db),
  });
  if (tf.memory().numTensors !== before) throw new Error("tensors leaked");
  console.log(`\n${name}: ms, median of ${rounds}`);
  for (const [n, v] of Object.entries(ms)) console.log(`  ${n.padEnd(28)} ${v.toFixed(3)}`);
  tf.dispose([x, dy, dW, db]);
}
