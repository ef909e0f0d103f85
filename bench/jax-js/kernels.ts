// Where jax-js's LeNet step goes: its wasm ops one at a time at LeNet's shapes (batch 256), on the main
// thread (jax-js as Node runs it), best of 3 after a compiling run, with GFLOP/s for the multiply-adds.
// Also each LeNet conv written as patches + one batched matmul (what a user could write instead of
// lax.convGeneralDilated), and a 1024^3 matmul: the tiled kernel behind its "faster than XNNPACK".
//
//   flock /tmp/ln-bench.lock node --import tsx bench/jax-js/kernels.ts
import { blockUntilReady, grad, lax, nn, numpy as np } from "@jax-js/jax";

const B = 256;
let seed = 1;
/** An array of uniform values in [-0.5, 0.5) from a small LCG (fixed, so every run times the same data). */
function uniform(shape: number[]): np.Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const next = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  return np.array(Float32Array.from({ length: size }, next)).reshape(shape);
}

/** Best milliseconds of 3 runs of `f` (after one that compiles its kernels), and GFLOP/s for `macs`. */
async function time(name: string, macs: number, f: () => np.Array): Promise<void> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 4; i++) {
    const start = performance.now();
    const out = f();
    await blockUntilReady(out);
    out.dispose();
    if (i > 0) best = Math.min(best, performance.now() - start);
  }
  const gflops = macs ? `${((2 * macs) / best / 1e6).toFixed(2).padStart(6)} GFLOP/s` : "";
  console.log(`${name.padEnd(52)} ${best.toFixed(1).padStart(7)} ms ${gflops}`);
}

/** A convolution as patches + matmul: K*K shifted slices stacked, then [O, C*K*K] x [N, C*K*K, Ho*Wo]. */
function patchesConv(x: np.Array, w: np.Array, pad: number): np.Array {
  const [n, c, h, width] = x.shape;
  const [o, , k] = w.shape;
  const padded = pad
    ? np.pad(x, [
        [0, 0],
        [0, 0],
        [pad, pad],
        [pad, pad],
      ])
    : x;
  const ho = h + 2 * pad - k + 1;
  const wo = width + 2 * pad - k + 1;
  const slices: np.Array[] = [];
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) slices.push(padded.ref.slice([], [], [i, i + ho], [j, j + wo]));
  padded.dispose();
  const patches = np.stack(slices, 2).reshape([n, c * k * k, ho * wo]);
  return np.matmul(w.reshape([o, c * k * k]), patches).reshape([n, o, ho, wo]);
}

const x = uniform([B, 1, 28, 28]);
const w1 = uniform([6, 1, 5, 5]);
const h1 = uniform([B, 6, 14, 14]);
const w2 = uniform([16, 6, 5, 5]);
const a = uniform([B, 400]);
const w3 = uniform([400, 120]);
const act = uniform([B, 6, 28, 28]);
const m1 = uniform([1024, 1024]);
const m2 = uniform([1024, 1024]);
const pad2: [number, number][] = [
  [2, 2],
  [2, 2],
];
const conv1Macs = B * 6 * 28 * 28 * 25;
const conv2Macs = B * 16 * 10 * 10 * 150;
const conv1 = (input: np.Array, w: np.Array) => lax.convGeneralDilated(input, w, [1, 1], pad2);
const conv2 = (input: np.Array, w: np.Array) => lax.convGeneralDilated(input, w, [1, 1], "VALID");

console.log("jax-js 0.1.25, wasm, main thread; LeNet's shapes at batch 256");
await time("conv1 forward  [256,1,28,28] * [6,1,5,5], pad 2", conv1Macs, () => conv1(x.ref, w1.ref));
await time("conv1 filter gradient", conv1Macs, () => grad((w: np.Array) => conv1(x.ref, w).sum())(w1.ref));
await time("conv2 forward  [256,6,14,14] * [16,6,5,5]", conv2Macs, () => conv2(h1.ref, w2.ref));
await time("conv2 filter gradient", conv2Macs, () => grad((w: np.Array) => conv2(h1.ref, w).sum())(w2.ref));
await time("conv2 input gradient", conv2Macs, () => grad((h: np.Array) => conv2(h, w2.ref).sum())(h1.ref));
await time("conv2 as patches + matmul, forward", conv2Macs, () => patchesConv(h1.ref, w2.ref, 0));
await time("conv2 as patches + matmul, filter gradient", conv2Macs, () =>
  grad((w: np.Array) => patchesConv(h1.ref, w, 0).sum())(w2.ref),
);
await time("dense [256,400] x [400,120]", B * 400 * 120, () => np.dot(a.ref, w3.ref));
await time("sigmoid [256,6,28,28]", 0, () => nn.sigmoid(act.ref));
await time("2x2 average pool [256,6,28,28]", 0, () => act.ref.reshape([B, 6, 14, 2, 14, 2]).mean([3, 5]));
await time("matmul 1024 x 1024 x 1024", 1024 ** 3, () => np.dot(m1.ref, m2.ref));
