import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { type AvgPoolExports, avgPoolKernel } from "./avg-pool-simd";
import { WASM_BASE64 } from "./avg-pool-simd/kernel.gen";
import { isOurs } from "./stock";
import { onOwnMemory, onWasmAndCpu, relativeError, rng, setupBackends, values } from "./testing/support";
import type { TfjsMemoryBackend } from "./tfjs-memory";

beforeAll(setupBackends);

type Pad = "valid" | "same" | number;
interface Case {
  shape: [number, number, number, number];
  filter: [number, number];
  strides: [number, number];
  pad: Pad;
}

describe("AvgPool on wasm", () => {
  it("is ours, with the SIMD kernel loaded", () => {
    expect(isOurs(tf.getKernel("AvgPool", "wasm"))).toBe(true);
    expect(avgPoolKernel(tf.backend() as unknown as TfjsMemoryBackend)).toBeDefined();
  });

  // The fast path (2x2/2, no padding): LeNet's two pools (small batches), every channel remainder:
  // scalars (C = 1, 3), one vector (4), C = 6's pairs of pixels and its odd last pixel, the
  // overlapping last vector (7), several (16); odd sizes ('valid' drops the last row/column); 'same'
  // and a pad of 0 on even sizes (no padding). Then what keeps the stock kernel: 'same' on odd sizes
  // (padding), other windows and strides.
  const fast: Case[] = [
    { shape: [2, 28, 28, 6], filter: [2, 2], strides: [2, 2], pad: "valid" },
    { shape: [3, 10, 10, 16], filter: [2, 2], strides: [2, 2], pad: "valid" },
    ...[1, 3, 4, 6, 7, 16].map(
      (c): Case => ({ shape: [2, 7, 9, c], filter: [2, 2], strides: [2, 2], pad: "valid" }),
    ),
    { shape: [1, 6, 10, 6], filter: [2, 2], strides: [2, 2], pad: "valid" },
    { shape: [2, 8, 6, 5], filter: [2, 2], strides: [2, 2], pad: "same" },
    { shape: [1, 4, 8, 6], filter: [2, 2], strides: [2, 2], pad: 0 },
    { shape: [1, 1, 5, 4], filter: [2, 2], strides: [2, 2], pad: "valid" },
  ];
  const stock: Case[] = [
    { shape: [2, 7, 9, 6], filter: [2, 2], strides: [2, 2], pad: "same" },
    { shape: [1, 9, 9, 6], filter: [3, 3], strides: [2, 2], pad: "valid" },
    { shape: [1, 8, 8, 4], filter: [2, 2], strides: [1, 1], pad: "valid" },
    { shape: [1, 6, 6, 3], filter: [2, 2], strides: [2, 2], pad: 1 },
  ];
  const cases = [...fast, ...stock];
  it.each(cases.map((c, i) => [i, c] as const))("matches cpu, case %i", async (i, c) => {
    const x = values(rng(70 + i), c.shape);
    const { wasm, cpu } = await onWasmAndCpu(() =>
      tf.avgPool(tf.tensor4d(x, c.shape), c.filter, c.strides, c.pad),
    );
    expect(relativeError(wasm, cpu), JSON.stringify(c)).toBeLessThan(1e-6);
  });

  it("matches cpu through tf.grad of avgPool, leaving no tensors or bytes", async () => {
    const shape: [number, number, number, number] = [2, 12, 12, 6];
    const x = values(rng(90), shape);
    const probe = values(rng(91), [2 * 6 * 6 * 6]);
    const f = () =>
      tf.grad((t: tf.Tensor) =>
        tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, 2, 2, "valid"), tf.tensor(probe, [2, 6, 6, 6]))),
      )(tf.tensor(x, shape));
    const { wasm, cpu } = await onWasmAndCpu(f);
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-6);
    const before = tf.memory();
    tf.tidy(f).dispose();
    tf.tidy(() => tf.avgPool(tf.tensor4d(x, shape), 2, 2, "valid")).dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});

describe("the average-pool kernel in tfjs's memory", () => {
  // No guard bytes follow a tensor in tfjs's heap: with x or y flush against the end of the memory, an
  // access past it traps. Every channel remainder; odd sizes, so the last windows end before x does,
  // and even ones, where the last window's last pixel ends x.
  const cases = [1, 3, 4, 6, 7, 16].flatMap((c) =>
    [5, 6].flatMap((hw) => (["x", "y"] as const).map((last) => [c, hw, last] as const)),
  );
  it.each(cases)(
    "touches nothing past the arrays' ends, C = %i, H = W = %i, %s last",
    async (c, hw, last) => {
      const [n, h, w] = [2, hw, hw];
      const [oh, ow] = [Math.floor(h / 2), Math.floor(w / 2)];
      const x = values(rng(40 + c + hw), [n, h, w, c]);
      const { k, memory } = onOwnMemory<AvgPoolExports>("average pool", WASM_BASE64, 4);
      // The two arrays one after the other (4-byte aligned only), the `last` one ending the memory.
      const sizes = { x: x.length, y: n * oh * ow * c };
      const order = last === "x" ? (["y", "x"] as const) : (["x", "y"] as const);
      const at = { x: 0, y: 0 };
      let end = memory.buffer.byteLength;
      for (const a of [...order].reverse()) {
        end -= 4 * sizes[a];
        at[a] = end;
      }
      const heap = new Float32Array(memory.buffer);
      heap.set(x, at.x / 4);
      k.avg_pool_2x2(at.x, at.y, n, h, w, c, oh, ow);
      const got = heap.slice(at.y / 4, at.y / 4 + sizes.y);
      await tf.setBackend("cpu");
      const want = tf.tidy(() => tf.avgPool(tf.tensor4d(x, [n, h, w, c]), 2, 2, "valid").dataSync());
      await tf.setBackend("wasm");
      expect(relativeError(got, want)).toBeLessThan(1e-6);
    },
  );
});
