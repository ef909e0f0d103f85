// Dense-layer products on wasm, tfjs's XNNPACK path against our matmul kernel (matmul-simd/kernel.c)
// in its plain (mul + add) and relaxed (FMA) builds, alternating in one process, medians: each
// product of LeNet's three dense layers at batch 256 (forward with bias, input gradient dy·Wᵀ, weight
// gradient xᵀ·dy), and with --alexnet AlexNet's two big ones at batch 16 and 128. Each call gets a
// fresh right-hand tensor, as training does (new weights after every update): tfjs's XNNPACK caches
// its packed weights by tensor. "xnnpack" is what runs without our kernel: the stock kernel, with
// transposes materialized first (batch-mat-mul.ts). "rule" marks the products our kernel takes
// (simdMatMulWins). GFLOP/s counts 2·m·n·k. Then LeNet training steps (batch 256, SGD) with our
// matmul off (XNNPACK) and on (relaxed where the engine has it), alternating: ms a step, medians.
// Usage (hold the lock while timing):
//   flock /tmp/ln-bench.lock ~/.cache/ln/node/24.22.3/bin/node --import tsx bench/matmul.ts [--rounds 15] [--alexnet]
import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../src/index";
import { matMulShape, simdMatMulWins, useMatMulKernel } from "../src/matmul-simd";
import { engineHasRelaxedSimd, useRelaxedSimd } from "../src/simd-module";
import { arg, loadAverage, median } from "./cli";
import { trainStep } from "./models";

const rounds = Number(arg("rounds", "15"));
const alexnet = process.argv.includes("--alexnet");

await initWasmBackend();
console.log(
  `Node ${process.versions.node} (V8 ${process.versions.v8}), relaxed SIMD ${engineHasRelaxedSimd() ? "yes" : "no"}; load average at start ${loadAverage()}`,
);

interface Product {
  name: string;
  /** op(A) m x k, op(B) k x n. */
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  /** A forward dense layer: _FusedMatMul with a bias. */
  bias: boolean;
}

/** The three products of a dense layer in x [batch, inputs] -> [batch, units]. */
function dense(name: string, batch: number, inputs: number, units: number): Product[] {
  return [
    {
      name: `${name} forward`,
      m: batch,
      n: units,
      k: inputs,
      transposeA: false,
      transposeB: false,
      bias: true,
    },
    {
      name: `${name} dy·Wᵀ`,
      m: batch,
      n: inputs,
      k: units,
      transposeA: false,
      transposeB: true,
      bias: false,
    },
    {
      name: `${name} xᵀ·dy`,
      m: inputs,
      n: units,
      k: batch,
      transposeA: true,
      transposeB: false,
      bias: false,
    },
  ];
}

const products = [
  ...dense("LeNet 400->120 b256", 256, 400, 120),
  ...dense("LeNet 120->84 b256", 256, 120, 84),
  ...dense("LeNet 84->10 b256", 256, 84, 10),
  ...(alexnet
    ? [16, 128].flatMap((b) => [
        ...dense(`AlexNet 6400->4096 b${b}`, b, 6400, 4096),
        ...dense(`AlexNet 4096->4096 b${b}`, b, 4096, 4096),
      ])
    : []),
];

const modes = ["xnnpack", "plain", "relaxed"] as const;
type Mode = (typeof modes)[number];
function use(mode: Mode) {
  useMatMulKernel(mode !== "xnnpack");
  useRelaxedSimd(mode === "relaxed");
}

/** Milliseconds of one call of the product's kernel, on a fresh right-hand tensor. */
function once(p: Product, a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor): number {
  const fresh = tf.add(b, 0); // a new tensor id: no packed weights cached for it
  const attrs = { transposeA: p.transposeA, transposeB: p.transposeB };
  const t0 = performance.now();
  const out = p.bias
    ? tf.engine().runKernel("_FusedMatMul", { a, b: fresh, bias }, { ...attrs, activation: "linear" })
    : tf.engine().runKernel("BatchMatMul", { a, b: fresh }, attrs);
  const ms = performance.now() - t0;
  (out as tf.Tensor).dispose();
  fresh.dispose();
  return ms;
}

console.log(
  `| product | m x n x k | xnnpack ms | plain ms | relaxed ms | GFLOP/s xnnpack / plain / relaxed | relaxed vs xnnpack | rule (plain / relaxed) |`,
);
console.log("|---|---|---|---|---|---|---|---|");
for (const p of products) {
  // Rank 3, as tfjs's matMul ops hand them to the kernels (the stock _FusedMatMul reads only rank 3).
  const a = tf.randomNormal(p.transposeA ? [1, p.k, p.m] : [1, p.m, p.k]);
  const b = tf.randomNormal(p.transposeB ? [1, p.n, p.k] : [1, p.k, p.n]);
  const bias = tf.randomNormal([p.n]);
  const big = p.m * p.n * p.k > 1e9;
  const n = big ? Math.min(rounds, 5) : rounds;
  const times: Record<Mode, number[]> = { xnnpack: [], plain: [], relaxed: [] };
  for (const mode of modes) {
    use(mode);
    // Warm up: V8 tiers a module's functions up to optimized code after their first calls.
    for (let i = 0; i < (big ? 1 : 10); i++) once(p, a, b, bias);
  }
  for (let r = 0; r < n; r++)
    for (const mode of modes) {
      use(mode);
      times[mode].push(once(p, a, b, bias));
    }
  use("relaxed");
  const ms = modes.map((m) => median(times[m]));
  const rule = (mode: Mode) => {
    use(mode);
    return s && simdMatMulWins(s, p.transposeB) ? "ours" : "xnnpack";
  };
  const s = matMulShape(a, b, p.transposeA, p.transposeB);
  const gflops = ms.map((t) => ((2 * p.m * p.n * p.k) / t / 1e6).toFixed(1));
  console.log(
    `| ${p.name} | ${p.m}x${p.n}x${p.k} | ${ms.map((t) => t.toFixed(3)).join(" | ")} | ${gflops.join(" / ")} | ${(ms[0] / ms[2]).toFixed(2)}x | ${rule("plain")} / ${rule("relaxed")} |`,
  );
  tf.dispose([a, b, bias]);
}
{
  const model = lenet();
  const opt = tf.train.sgd(0.1);
  const x = tf.randomUniform([256, 28, 28, 1]);
  const y = tf.randomUniform([256], 0, 10, "int32");
  const steps = 5;
  const ms: Record<"xnnpack" | "ours", number[]> = { xnnpack: [], ours: [] };
  for (const mode of ["xnnpack", "ours"] as const) {
    useMatMulKernel(mode === "ours");
    trainStep(model, opt, x, y); // warm-up
  }
  for (let r = 0; r < rounds; r++)
    for (const mode of r % 2 === 0 ? (["xnnpack", "ours"] as const) : (["ours", "xnnpack"] as const)) {
      useMatMulKernel(mode === "ours");
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) trainStep(model, opt, x, y);
      ms[mode].push((performance.now() - t0) / steps);
    }
  useMatMulKernel(true);
  const [a, b] = [median(ms.xnnpack), median(ms.ours)];
  console.log(
    `\nLeNet training step, batch 256, SGD, ${rounds} rounds x ${steps} steps: dense products in XNNPACK ${a.toFixed(2)} ms, in ours ${b.toFixed(2)} ms (${(a - b).toFixed(2)} ms less)`,
  );
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
}
console.log(`load average at end ${loadAverage()}; tensors left ${tf.memory().numTensors}`);
