// Run by device/webgpu.test.ts in a child process whose environment points Dawn at a Vulkan driver
// (Chromium's SwiftShader): env vars for the Vulkan loader must be set before the process starts.
// Prints one JSON line: what `gpu` said, what `webgpu` started, and a training run on webgpu vs cpu.
import * as tf from "@tensorflow/tfjs";
import "../node-setup";
import { useDevice } from "../device";
import { NoGpuError } from "../errors";
import { trainCh6 } from "../train-ch6";
import { smallCnn, squares, toBatches } from "./fixtures";

const result: Record<string, unknown> = {};
try {
  result.gpu = await useDevice("gpu");
} catch (error) {
  result.gpuError = error instanceof NoGpuError ? error.candidates : String(error);
}
result.webgpu = await useDevice("webgpu");

const train = toBatches(squares(96, { seed: 41 }), 32);
const test = toBatches(squares(32, { seed: 42 }), 32);
const run = async (device: string) => {
  const model = smallCnn({ seed: 3 });
  const report = await trainCh6(model, train, test, { epochs: 2, lr: 0.3, device, init: false });
  // Read asynchronously: webgpu's dataSync needs OffscreenCanvas, which Node lacks.
  const weights = await Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));
  model.dispose();
  return { losses: report.history.map((h) => h.loss), weights, backend: tf.getBackend() };
};
const gpuRun = await run("webgpu");
const cpuRun = await run("js");
let diff = 0;
let norm = 0;
for (const [i, w] of gpuRun.weights.entries()) {
  for (const [j, v] of w.entries()) {
    diff += (v - cpuRun.weights[i][j]) ** 2;
    norm += cpuRun.weights[i][j] ** 2;
  }
}
result.relativeError = Math.sqrt(diff / norm);
result.losses = { webgpu: gpuRun.losses, cpu: cpuRun.losses };
result.backends = [gpuRun.backend, cpuRun.backend];
console.log(JSON.stringify(result));
process.exit(0);
