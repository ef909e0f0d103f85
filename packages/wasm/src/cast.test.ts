import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { isOurs } from "./stock";
import { setupBackends } from "./testing/support";

beforeAll(setupBackends);

describe("Cast on wasm", () => {
  it("is ours", () => {
    expect(isOurs(tf.getKernel("Cast", "wasm"))).toBe(true);
  });

  // To the same dtype it shares x's memory: the cast must outlive x, and x the cast, and nothing leak.
  it.each([
    ["float32", "input"],
    ["float32", "output"],
    ["int32", "input"],
    ["bool", "output"],
  ] as const)("to the same dtype (%s) behaves as a copy, %s disposed first", async (dtype, first) => {
    await tf.setBackend("wasm");
    const before = { ...tf.memory(), ids: tf.engine().backend.numDataIds() };
    const x = tf.tensor([1, 0, 3, 4], [2, 2], dtype);
    const y = tf.cast(x, dtype);
    expect(y.dtype).toBe(dtype);
    expect(tf.engine().backend.numDataIds()).toBe(before.ids + 1); // shared, not copied
    const [gone, kept] = first === "input" ? [x, y] : [y, x];
    gone.dispose();
    expect(Array.from(await kept.data())).toEqual(
      [1, 0, 3, 4].map((v) => (dtype === "bool" ? Number(v !== 0) : v)),
    );
    const z = tf.tidy(() => tf.add(kept, tf.scalar(1, dtype === "bool" ? "int32" : dtype)));
    expect(Array.from(await z.data())).toEqual(dtype === "bool" ? [2, 1, 2, 2] : [2, 1, 4, 5]);
    kept.dispose();
    z.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(before.ids);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });

  it("converts between dtypes as the stock kernel does", async () => {
    await tf.setBackend("wasm");
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      expect(Array.from(tf.cast(tf.tensor([1.7, -2.2, 0]), "int32").dataSync())).toEqual([1, -2, 0]);
      expect(Array.from(tf.cast(tf.tensor([1, 0, -3], [3], "int32"), "float32").dataSync())).toEqual([
        1, 0, -3,
      ]);
      expect(Array.from(tf.cast(tf.tensor([1, 0, 1], [3], "int32"), "bool").dataSync())).toEqual([1, 0, 1]);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("keeps the gradient through a same-dtype cast", async () => {
    await tf.setBackend("wasm");
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.cast(t, "float32"), t)))(tf.tensor([1, 2, 3]));
    expect(Array.from(await g.data())).toEqual([2, 4, 6]);
    g.dispose();
  });
});
