// The compute floor under issue 8's target: single kernels on one thread, ln's wasm backend (XNNPACK,
// SIMD128, with @ln/wasm's kernels) against PyTorch's CPU kernels (oneDNN, AVX-512 here), same
// shapes: a large matmul (each side's peak) and LeNet's convolutions at batch 256, forward and gradients.
// Prints milliseconds (median of 10), GFLOP/s and the ratio.
//
//   node --import tsx bench/vs-pytorch/kernels.ts          (after bash bench/pytorch/setup.sh)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { useDevice } from "@ln/train";
import * as tf from "@tensorflow/tfjs";

await useDevice("wasm", { wasmThreads: 1 });

function medianMs(run: () => tf.Tensor, reps = 10): number {
  run().dispose();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    // wasm kernels run synchronously in the call, as PyTorch's eager ones do: no read-back is
    // timed (copying a 4.8 MB result out to JavaScript would add ~1 ms that PyTorch never pays).
    const y = run();
    times.push(performance.now() - start);
    y.dispose();
  }
  return times.sort((a, b) => a - b)[Math.floor(reps / 2)];
}

/** The filter gradient kernel (tfjs has no public op for it; its conv2d gradient calls this kernel). */
const filterGrad = (x: tf.Tensor, dy: tf.Tensor, filterShape: number[], pad: "same" | "valid") =>
  tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
    strides: 1,
    pad,
    dataFormat: "NHWC",
    dilations: 1,
    filterShape,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
const r = (shape: number[]) => tf.randomNormal(shape, 0, 1, "float32", 1);
const [a, b] = [r([1024, 1024]), r([1024, 1024])];
const [x1, w1, dy1] = [r([256, 28, 28, 1]), r([5, 5, 1, 6]), r([256, 28, 28, 6])];
const [x2, w2, dy2] = [r([256, 14, 14, 6]), r([5, 5, 6, 16]), r([256, 10, 10, 16])];
// Multiply-adds of each kernel, for GFLOP/s (2 FLOPs each).
const macs1 = 256 * 28 * 28 * 6 * 25;
const macs2 = 256 * 10 * 10 * 16 * 150;
const kernels: Array<[string, number, () => tf.Tensor]> = [
  ["matMul 1024x1024x1024", 1024 ** 3, () => tf.matMul(a, b)],
  ["conv1 forward", macs1, () => tf.conv2d(x1, w1, 1, "same")],
  ["conv1 filter gradient", macs1, () => filterGrad(x1, dy1, [5, 5, 1, 6], "same")],
  ["conv2 forward", macs2, () => tf.conv2d(x2, w2, 1, "valid")],
  ["conv2 filter gradient", macs2, () => filterGrad(x2, dy2, [5, 5, 6, 16], "valid")],
  ["conv2 input gradient", macs2, () => tf.conv2dTranspose(dy2, w2, [256, 14, 14, 6], 1, "valid")],
];
const ln = Object.fromEntries(kernels.map(([name, , run]) => [name, medianMs(run)]));

const python = join(import.meta.dirname, "../pytorch/.venv/bin/python");
let torch: Record<string, number> | undefined;
if (existsSync(python)) {
  const run = spawnSync(python, [join(import.meta.dirname, "../pytorch/kernels.py"), "1"], {
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`pytorch/kernels.py failed:\n${run.stderr.slice(-2000)}`);
  torch = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}");
} else {
  console.log(`(no PyTorch at ${python}: run bash bench/pytorch/setup.sh for its column)`);
}

const gflops = (macs: number, ms: number) => ((2 * macs) / ms / 1e6).toFixed(1);
console.log("| kernel (1 thread) | ln ms | ln GFLOP/s | PyTorch ms | PyTorch GFLOP/s | ln / PyTorch speed |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const [name, macs] of kernels) {
  const mine = ln[name];
  const theirs = torch?.[name];
  const cells =
    theirs === undefined
      ? ["–", "–", "–"]
      : [theirs.toFixed(2), gflops(macs, theirs), (theirs / mine).toFixed(2)];
  console.log(`| ${name} | ${mine.toFixed(2)} | ${gflops(macs, mine)} | ${cells.join(" | ")} |`);
}
