import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../init";
import { nodePlatform } from "../node";
import { installPlatform } from "../platform";
import { forTfjsMemory } from "../tfjs-memory";
import { int, rng, values } from "./random";

export { int, rng, values };

/** Makes wasm trainable and ready (once per test file). */
export async function setupBackends(): Promise<void> {
  installPlatform(nodePlatform);
  await initWasmBackend();
  await tf.ready();
}

/**
 * Runs `f` under wasm and under cpu (fresh tensors from `f` each time) and returns
 * both results' values, so a kernel can be compared against tfjs's reference.
 */
export async function onWasmAndCpu(
  f: () => tf.Tensor,
): Promise<{ wasm: Float32Array; cpu: Float32Array; shape: number[] }> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const t = tf.tidy(f);
    const out = { data: (await t.data()) as Float32Array, shape: t.shape };
    t.dispose();
    return out;
  };
  const cpu = await run("cpu");
  const wasm = await run("wasm");
  if (wasm.shape.join() !== cpu.shape.join()) {
    throw new Error(`shapes differ: wasm [${wasm.shape}] vs cpu [${cpu.shape}]`);
  }
  return { wasm: wasm.data, cpu: cpu.data, shape: cpu.shape };
}

/** max |a − b| / max |b|: the relative error the kernels must keep under 1e-4. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** A conv padding drawn from every form tfjs accepts. */
export function randomPad(
  r: () => number,
): "same" | "valid" | number | [[0, 0], [number, number], [number, number], [0, 0]] {
  switch (int(r, 0, 3)) {
    case 0:
      return "same";
    case 1:
      return "valid";
    case 2:
      return int(r, 0, 2);
    default:
      return [
        [0, 0],
        [int(r, 0, 3), int(r, 0, 3)],
        [int(r, 0, 3), int(r, 0, 3)],
        [0, 0],
      ];
  }
}

/** Runs kernel `name` on the active backend, as the gradient code does. */
export function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor {
  return tf.engine().runKernel(name, inputs as never, attrs as never) as tf.Tensor;
}

/**
 * The cpu backend's filter gradient of a stride-1, unpadded NHWC convolution of `x` [n, h, w, ci] with
 * `dy` [n, oh, ow, co], then back on wasm: what a filter-gradient module run on its own memory is
 * checked against.
 */
export async function cpuFilterGradient(
  x: Float32Array,
  dy: Float32Array,
  [n, h, w, ci]: [number, number, number, number],
  [oh, ow, co]: [number, number, number],
): Promise<Float32Array> {
  await tf.setBackend("cpu");
  const [kh, kw] = [h - oh + 1, w - ow + 1];
  const dW = tf.tidy(
    () =>
      runKernel(
        "Conv2DBackpropFilter",
        { x: tf.tensor4d(x, [n, h, w, ci]), dy: tf.tensor4d(dy, [n, oh, ow, co]) },
        { strides: 1, pad: "valid", dataFormat: "NHWC", filterShape: [kh, kw, ci, co] },
      ).dataSync() as Float32Array,
  );
  await tf.setBackend("wasm");
  return dW;
}

/**
 * One of our modules built for tfjs's memory, instantiated on a fresh memory of `pages` 64 KiB pages
 * with its stack in the first: for tests that put arrays flush against the memory's end (in tfjs's
 * heap no guard bytes follow a tensor, so a read past an array traps there).
 */
export function onOwnMemory<E>(
  name: string,
  base64: string,
  pages: number,
): { k: E; memory: WebAssembly.Memory } {
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 65536 });
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(forTfjsMemory(name, bytes, false)), {
    env: { memory },
  });
  (exports.__stack_pointer as WebAssembly.Global).value = 65536;
  return { k: exports as unknown as E, memory };
}
