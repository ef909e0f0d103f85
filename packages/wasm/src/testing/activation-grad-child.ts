// Run by activation-grad.test.ts in a child process: wasm on 2 threads, so tfjs's memory is shared
// (a SharedArrayBuffer), takes the gradients of a sigmoid and relu net there and on cpu, and prints
// which kernels the wasm gradient ran, whether the memory was shared, and how far the two are apart.
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend, wasmThreads } from "../index";
import { tfjsMemory } from "../tfjs-memory";
import { relativeError, rng, values } from "./support";

await initWasmBackend({ threads: 2 });
const memory = tfjsMemory(tf.backend() as never);
const shared = memory != null && memory.buffer instanceof SharedArrayBuffer;
const r = rng(51);
const x = values(r, [8, 12, 12, 3]);
const filter = values(r, [3, 3, 3, 5]);
const dense = values(r, [5 * 10 * 10, 4]);

async function grads(backend: string) {
  await tf.setBackend(backend);
  const f = tf.variable(tf.tensor4d(filter, [3, 3, 3, 5]));
  const w = tf.variable(tf.tensor2d(dense, [500, 4]));
  const input = tf.tensor4d(x, [8, 12, 12, 3]);
  const loss = () =>
    tf.tidy(() => {
      const h = tf.relu(tf.conv2d(input, f as tf.Tensor4D, 1, "valid"));
      return tf.sum(tf.square(tf.sigmoid(tf.matMul(tf.reshape(h, [8, 500]), w))));
    }) as tf.Scalar;
  let result: number[][] = [];
  const prof = await tf.profile(() => {
    const { value, grads: g } = tf.variableGrads(loss, [f, w]);
    result = [g[f.name], g[w.name]].map((t) => Array.from(t.dataSync()));
    tf.dispose([value, g]);
  });
  tf.dispose([f, w, input]);
  return { result, kernels: prof.kernels.map((k) => k.name) };
}

const wasm = await grads("wasm");
const cpu = await grads("cpu");
const errors = wasm.result.map((g, i) => relativeError(g, cpu.result[i]));
process.stdout.write(
  `${JSON.stringify({ threads: wasmThreads(), shared, kernels: wasm.kernels, errors })}\n`,
);
