// The fused sigmoid/relu gradients (LnSigmoidGrad, LnReluGrad on tfjs's memory) against tfjs's op
// chains, in one process, alternating step by step (so that other work on the machine falls on both
// alike): ms per LeNet training step (batch 256, one wasm thread, every other @ln/wasm kernel on in
// both), then profiled steps of each for the per-kernel times, then one layer's gradient alone.
// Usage: [ACTIVATION=sigmoid|relu] [STEPS=100] node --import tsx bench/activation-grad.ts
// (hold the bench lock: flock /tmp/ln-bench.lock node --import tsx bench/activation-grad.ts)
import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { useActivationGradKernels } from "../src/activation-simd";
import { initWasmBackend } from "../src/index";
import { LnReluGrad } from "../src/relu-grad";
import { LnSigmoidGrad } from "../src/sigmoid-grad";
import { loadAverage, median } from "./cli";
import { trainStep } from "./models";

const activation = process.env.ACTIVATION === "relu" ? "relu" : "sigmoid";
const steps = Number(process.env.STEPS ?? 100);
const batch = 256;
console.log(`load average at start: ${loadAverage()}`);
await initWasmBackend({ threads: 1 });
const model = lenet({ activation, seed: 0 });
const opt = tf.train.sgd(0.01);
const x = tf.randomNormal([batch, 784], 0, 1, "float32", 1);
const y = tf.randomUniform([batch], 0, 10, "int32", 2);
const modes = { fused: true, chain: false } as const;
type Mode = keyof typeof modes;

function msOfStep(mode: Mode): number {
  useActivationGradKernels(modes[mode]);
  const t0 = performance.now();
  trainStep(model, opt, x, y);
  return performance.now() - t0;
}

const times: Record<Mode, number[]> = { fused: [], chain: [] };
for (let i = 0; i < 6; i++) msOfStep(i % 2 === 0 ? "chain" : "fused");
for (let i = 0; i < steps; i++) {
  const order: Mode[] = i % 2 === 0 ? ["chain", "fused"] : ["fused", "chain"];
  for (const mode of order) times[mode].push(msOfStep(mode));
}
const quartile = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 4)];
// Other work on the machine only ever adds time, so the lower quartile is shown beside the median.
console.log(`LeNet (${activation}), batch ${batch}, 1 thread: ${steps} steps of each, ms/step`);
for (const stat of ["median", "lower quartile"] as const) {
  const pick = stat === "median" ? median : quartile;
  const chain = pick(times.chain);
  const fused = pick(times.fused);
  console.log(
    `  ${stat.padEnd(14)} tfjs's chain ${chain.toFixed(2)} (${((batch * 1000) / chain).toFixed(0)} ex/s), ` +
      `fused ${fused.toFixed(2)} (${((batch * 1000) / fused).toFixed(0)} ex/s): ` +
      `${(chain - fused).toFixed(2)} ms saved, ${(chain / fused).toFixed(3)}x`,
  );
}

async function kernelMs(mode: Mode): Promise<Map<string, number>> {
  useActivationGradKernels(modes[mode]);
  trainStep(model, opt, x, y);
  const prof = await tf.profile(() => {
    trainStep(model, opt, x, y);
  });
  const totals = new Map<string, number>();
  // "...__op" entries are customGrad ops (tfjs's fused conv and matMul): their kernels are listed too.
  for (const k of prof.kernels.filter((k) => !k.name.endsWith("__op"))) {
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    totals.set(k.name, (totals.get(k.name) ?? 0) + ms);
  }
  return totals;
}
// Per kernel: the median of 5 profiled steps of each mode, alternating.
const per: Record<Mode, Map<string, number>[]> = { fused: [], chain: [] };
for (let r = 0; r < 5; r++)
  for (const mode of ["chain", "fused"] as const) per[mode].push(await kernelMs(mode));
const names = new Set([...per.chain, ...per.fused].flatMap((m) => [...m.keys()]));
const at = (mode: Mode, name: string) => median(per[mode].map((m) => m.get(name) ?? 0));
const rows = [...names]
  .map((name) => ({ name, chain: at("chain", name), fused: at("fused", name) }))
  .filter((r) => Math.max(r.chain, r.fused) >= 0.05)
  .sort((a, b) => Math.max(b.chain, b.fused) - Math.max(a.chain, a.fused));
console.log("  kernel (ms per step, profiled)   chain   fused");
for (const r of rows)
  console.log(`  ${r.name.padEnd(30)} ${r.chain.toFixed(2).padStart(7)} ${r.fused.toFixed(2).padStart(7)}`);
const sum = (mode: Mode) => rows.reduce((s, r) => s + r[mode], 0);
console.log(
  `  ${"sum".padEnd(30)} ${sum("chain").toFixed(2).padStart(7)} ${sum("fused").toFixed(2).padStart(7)}`,
);

// One layer alone, LeNet's first activation ([256, 28, 28, 6], 1.2M values), its arrays hot in cache
// (in a step the saved tensor comes from memory): tfjs's op chain (as tfjs-core's gradient writes it)
// against our kernel, and tfjs's forward kernel for scale; medians of 30 alternating runs after 3.
const layer = [batch, 28, 28, 6];
const lx = tf.randomNormal(layer, 0, 1, "float32", 3);
const ly = tf.sigmoid(lx);
const ldy = tf.randomNormal(layer, 0, 1, "float32", 4);
const runs =
  activation === "sigmoid"
    ? {
        "tfjs's chain (Sub, Multiply x2)": () => tf.mul(ldy, tf.mul(ly, tf.sub(tf.scalar(1), ly))),
        LnSigmoidGrad: () => tf.engine().runKernel(LnSigmoidGrad, { dy: ldy, y: ly }) as tf.Tensor,
        "forward (tfjs's Sigmoid)": () => tf.sigmoid(lx),
      }
    : {
        "tfjs's chain (Step, Cast, Multiply)": () => tf.mul(ldy, tf.cast(tf.step(lx), "float32")),
        LnReluGrad: () => tf.engine().runKernel(LnReluGrad, { dy: ldy, x: lx }) as tf.Tensor,
        "forward (tfjs's Relu)": () => tf.relu(lx),
      };
useActivationGradKernels(true);
const layerMs = new Map<string, number[]>();
for (let r = 0; r < 33; r++) {
  for (const [label, f] of Object.entries(runs)) {
    const t0 = performance.now();
    const t = tf.tidy(f) as tf.Tensor;
    const ms = performance.now() - t0;
    t.dispose();
    if (r >= 3) layerMs.set(label, [...(layerMs.get(label) ?? []), ms]);
  }
}
console.log(`  one layer [${layer}], hot, ms`);
for (const [label, ms] of layerMs) console.log(`    ${label.padEnd(36)} ${median(ms).toFixed(3)}`);
console.log(`load average at end: ${loadAverage()}`);
