import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { type MaxPoolGradExports, maxPoolGradKernel } from "./max-pool-grad-simd";
import { WASM_BASE64 } from "./max-pool-grad-simd/kernel.gen";
import { isOurs } from "./stock";
import {
  int,
  onOwnMemory,
  onWasmAndCpu,
  relativeError,
  rng,
  runKernel,
  setupBackends,
  values,
} from "./testing/support";
import type { TfjsMemoryBackend } from "./tfjs-memory";

beforeAll(setupBackends);

type Pad = "valid" | "same" | number;
interface Case {
  shape: [number, number, number, number];
  filter: [number, number];
  strides: [number, number];
  pad: Pad;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** x with values from {0, 1, 2} where `ties` (most windows then hold equal maxima), else uniform. */
function input(seed: number, shape: number[], ties: boolean): Float32Array {
  const r = rng(seed);
  const x = values(r, shape);
  return ties ? x.map(() => int(r, 0, 2)) : x;
}

/** MaxPoolGrad on the active backend, as tfjs's maxPool gradient calls it: y = maxPool(x), a
 * non-uniform dy. */
function maxPoolGrad(c: Case, x: Float32Array, seed: number): tf.Tensor {
  const t = tf.tensor4d(x, c.shape);
  const y = tf.maxPool(t, c.filter, c.strides, c.pad as never, c.dimRoundingMode);
  const dy = tf.tensor(values(rng(seed), y.shape), y.shape);
  const attrs = { filterSize: c.filter, strides: c.strides, pad: c.pad, dimRoundingMode: c.dimRoundingMode };
  return runKernel("MaxPoolGrad", { dy, input: t, output: y }, attrs);
}

/** cpu adds a pixel's gradients (where windows overlap) in doubles, we in floats: close, not equal. A
 * gradient given to another position than cpu's is off by a whole dy value, ~1 here. */
async function expectAsCpu(c: Case, x: Float32Array, seed: number): Promise<void> {
  const { wasm, cpu } = await onWasmAndCpu(() => maxPoolGrad(c, x, seed));
  expect(relativeError(wasm, cpu), JSON.stringify(c)).toBeLessThan(1e-6);
}

describe("MaxPoolGrad on wasm", () => {
  it("is ours, with the SIMD kernel loaded", () => {
    expect(isOurs(tf.getKernel("MaxPoolGrad", "wasm"))).toBe(true);
    expect(maxPoolGradKernel(tf.backend() as unknown as TfjsMemoryBackend)).toBeDefined();
  });

  // AlexNet's 3x3/2 (small), LeNet-max's 2x2/2, VGG's and NiN's, GoogLeNet's 3x3/1 'same'; odd sizes
  // (uncovered rows and columns, partial windows); every channel remainder: scalars (C = 1, 3), one
  // vector (4), the overlapping last vector (6, 7), several (16).
  const shapes: Case[] = [
    { shape: [2, 13, 13, 16], filter: [3, 3], strides: [2, 2], pad: "valid" },
    { shape: [2, 12, 12, 6], filter: [2, 2], strides: [2, 2], pad: "valid" },
    { shape: [1, 9, 11, 7], filter: [2, 2], strides: [2, 2], pad: "valid" },
    { shape: [2, 7, 9, 4], filter: [3, 3], strides: [1, 1], pad: "same" },
    { shape: [1, 8, 7, 3], filter: [3, 3], strides: [2, 2], pad: "same" },
    { shape: [2, 6, 5, 1], filter: [3, 2], strides: [1, 2], pad: "valid" },
    { shape: [1, 11, 10, 6], filter: [3, 3], strides: [2, 2], pad: "same" },
    { shape: [1, 5, 6, 7], filter: [2, 3], strides: [3, 2], pad: 1 },
    { shape: [1, 9, 9, 16], filter: [3, 3], strides: [2, 2], pad: 1, dimRoundingMode: "ceil" },
    { shape: [3, 5, 5, 1], filter: [1, 1], strides: [2, 2], pad: "valid" },
  ];
  it.each(shapes.map((c, i) => [i, c] as const))("matches cpu, case %i", async (i, c) => {
    await expectAsCpu(c, input(100 + i, c.shape, false), 200 + i);
  });
  it.each(shapes.map((c, i) => [i, c] as const))("gives ties to cpu's position, case %i", async (i, c) => {
    await expectAsCpu(c, input(300 + i, c.shape, true), 400 + i);
  });

  it("passes no gradient out of windows of -inf or NaN, as cpu", async () => {
    const c: Case = { shape: [1, 4, 4, 6], filter: [2, 2], strides: [2, 2], pad: "valid" };
    const x = input(7, c.shape, false);
    for (let i = 0; i < 2 * 4 * 6; i++) x[i] = i % 5 === 0 ? Number.NaN : Number.NEGATIVE_INFINITY;
    await expectAsCpu(c, x, 8);
  });

  it("matches cpu through tf.grad of maxPool, leaving no tensors", async () => {
    const shape = [2, 10, 10, 5] as [number, number, number, number];
    const x = input(9, shape, true);
    const f = () => tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.maxPool(t as tf.Tensor4D, 3, 2, "valid"))));
    const { wasm, cpu } = await onWasmAndCpu(() => f()(tf.tensor(x, shape)));
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-6);
    const before = tf.memory().numTensors;
    tf.tidy(() => f()(tf.tensor(x, shape))).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("the max-pool-gradient kernel in tfjs's memory", () => {
  // No guard bytes follow a tensor in tfjs's heap: with x, dy or dx flush against the end of the
  // memory, an access past it traps. Every channel remainder; windows reaching the last column.
  const cases = [1, 3, 4, 6, 7, 16].flatMap((c) =>
    (["x", "dy", "dx"] as const).map((last) => [c, last] as const),
  );
  it.each(cases)("touches nothing past the arrays' ends, C = %i, %s last", async (c, last) => {
    const [n, h, w, fh, fw, s] = [2, 7, 7, 3, 3, 2];
    const [oh, ow] = [3, 3];
    const x = input(50 + c, [n, h, w, c], false);
    const dy = values(rng(60 + c), [n, oh, ow, c]);
    const { k, memory } = onOwnMemory<MaxPoolGradExports>("max-pool gradient", WASM_BASE64, 4);
    // The three arrays one after the other (4-byte aligned only), the `last` one ending the memory.
    const sizes = { x: x.length, dy: dy.length, dx: x.length };
    const order = (["x", "dy", "dx"] as const).filter((a) => a !== last).concat(last);
    const at = { x: 0, dy: 0, dx: 0 };
    let end = memory.buffer.byteLength;
    for (const a of [...order].reverse()) {
      end -= 4 * sizes[a];
      at[a] = end;
    }
    const heap = new Float32Array(memory.buffer);
    heap.set(x, at.x / 4);
    heap.set(dy, at.dy / 4);
    k.max_pool_grad(at.x, at.dy, at.dx, n, h, w, c, oh, ow, fh, fw, s, s, 0, 0);
    const got = heap.slice(at.dx / 4, at.dx / 4 + x.length);
    await tf.setBackend("cpu");
    const want = tf.tidy(() => {
      const t = tf.tensor4d(x, [n, h, w, c]);
      const attrs = { filterSize: [fh, fw], strides: s, pad: "valid" };
      const y = tf.maxPool(t, [fh, fw], s, "valid");
      return runKernel(
        "MaxPoolGrad",
        { dy: tf.tensor4d(dy, [n, oh, ow, c]), input: t, output: y },
        attrs,
      ).dataSync();
    });
    await tf.setBackend("wasm");
    expect(relativeError(got, want)).toBeLessThan(1e-6);
  });
});
