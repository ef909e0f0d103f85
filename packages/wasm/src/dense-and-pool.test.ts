import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { int, onWasmAndCpu, relativeError, rng, runKernel, setupBackends, values } from "./testing/support";

beforeAll(setupBackends);

describe("BatchMatMul on wasm", () => {
  const r = rng(11);
  const cases = Array.from({ length: 24 }, (_, i) => {
    const [m, k, n] = [int(r, 1, 40), int(r, 1, 40), int(r, 1, 40)];
    const batch = i % 3 === 0 ? [int(r, 2, 3)] : [];
    const bBatch = i % 6 === 0 ? [1] : batch; // broadcast one side
    const ta = r() < 0.5;
    const tb = r() < 0.5;
    const aShape = [...batch, ...(ta ? [k, m] : [m, k])];
    const bShape = [...bBatch, ...(tb ? [n, k] : [k, n])];
    return { aShape, bShape, ta, tb, a: values(r, aShape), b: values(r, bShape) };
  });
  it.each(cases.map((c, i) => [i, c] as const))("matches cpu with transpose flags, case %i", async (_, c) => {
    const { wasm, cpu } = await onWasmAndCpu(() =>
      tf.matMul(tf.tensor(c.a, c.aShape), tf.tensor(c.b, c.bShape), c.ta, c.tb),
    );
    expect(relativeError(wasm, cpu), JSON.stringify({ ...c, a: 0, b: 0 })).toBeLessThan(1e-4);
  });
});

describe("AvgPoolGrad on wasm", () => {
  const r = rng(12);
  const cases = Array.from({ length: 24 }, () => {
    const [n, h, w, c] = [int(r, 1, 3), int(r, 3, 13), int(r, 3, 13), int(r, 1, 5)];
    const filter: [number, number] = [int(r, 1, 3), int(r, 1, 3)];
    // Half the cases tile (stride = pool, our fast path); the others overlap or skip.
    const strides: [number, number] = r() < 0.5 ? [...filter] : [int(r, 1, 3), int(r, 1, 3)];
    const pad = r() < 0.5 ? ("valid" as const) : ("same" as const);
    const x = values(r, [n, h, w, c]);
    return { shape: [n, h, w, c], filter, strides, pad, x };
  });
  it.each(cases.map((c, i) => [i, c] as const))(
    "matches cpu through tf.grad of avgPool, case %i",
    async (_, c) => {
      const probe = values(rng(13), [4096]);
      const { wasm, cpu } = await onWasmAndCpu(() =>
        tf.grad((x: tf.Tensor) => {
          const y = tf.avgPool(x as tf.Tensor4D, c.filter, c.strides, c.pad);
          // A non-uniform dy, so every window's share is checked.
          return tf.sum(tf.mul(y, tf.tensor(probe.subarray(0, y.size), y.shape)));
        })(tf.tensor(c.x, c.shape)),
      );
      expect(relativeError(wasm, cpu), JSON.stringify({ ...c, x: 0 })).toBeLessThan(1e-4);
    },
  );

  // The kernel's own paths: 2x2/2 with C = 6 (LeNet's, 3 vectors a window row), partial windows
  // ('same' overhang) and uncovered rows and columns ('valid' on odd sizes) beside it, and the
  // overlapping last vector of C % 4 != 0 at other window sizes.
  const kernelCases: { shape: number[]; filter: [number, number]; pad: "valid" | "same" }[] = [
    { shape: [2, 28, 28, 6], filter: [2, 2], pad: "valid" },
    { shape: [2, 9, 7, 6], filter: [2, 2], pad: "same" },
    { shape: [1, 9, 11, 6], filter: [2, 2], pad: "valid" },
    { shape: [2, 7, 8, 7], filter: [3, 2], pad: "same" },
    { shape: [1, 6, 9, 9], filter: [2, 3], pad: "valid" },
    { shape: [1, 5, 5, 16], filter: [2, 2], pad: "same" },
  ];
  it.each(kernelCases.map((c, i) => [i, c] as const))(
    "matches cpu on the kernel's own paths, case %i",
    async (i, c) => {
      const x = values(rng(20 + i), c.shape);
      const probe = values(rng(30 + i), [c.shape.reduce((a, b) => a * b, 1)]);
      const { wasm, cpu } = await onWasmAndCpu(() =>
        tf.grad((t: tf.Tensor) => {
          const y = tf.avgPool(t as tf.Tensor4D, c.filter, c.filter, c.pad);
          return tf.sum(tf.mul(y, tf.tensor(probe.subarray(0, y.size), y.shape)));
        })(tf.tensor(x, c.shape)),
      );
      expect(relativeError(wasm, cpu), JSON.stringify(c)).toBeLessThan(1e-6);
    },
  );
});

describe("UnsortedSegmentSum on wasm", () => {
  it("matches cpu, with out-of-range ids dropped, float and int", async () => {
    const r = rng(14);
    const x = values(r, [7, 3, 2]);
    const ids = [0, 2, 2, -1, 4, 0, 9];
    for (const dtype of ["float32", "int32"] as const) {
      const { wasm, cpu } = await onWasmAndCpu(() =>
        tf
          .unsortedSegmentSum(tf.tensor(x, [7, 3, 2]).mul(10).cast(dtype), tf.tensor1d(ids, "int32"), 5)
          .cast("float32"),
      );
      expect(relativeError(wasm, cpu)).toBeLessThan(1e-4);
    }
  });

  it("makes the gradient of gather work (a loss that picks labels by index)", async () => {
    const r = rng(15);
    const logits = values(r, [6, 4]);
    const { wasm, cpu } = await onWasmAndCpu(() =>
      tf.grad((l: tf.Tensor) => tf.sum(tf.gather(l, tf.tensor1d([3, 1, 1, 0], "int32"))))(
        tf.tensor(logits, [6, 4]),
      ),
    );
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-4);
  });

  it("rejects ids whose shape does not prefix x's", async () => {
    await tf.setBackend("wasm");
    expect(() =>
      runKernel(
        "UnsortedSegmentSum",
        { x: tf.zeros([3, 2]), segmentIds: tf.zeros([2], "int32") },
        { numSegments: 2 },
      ),
    ).toThrow(/prefix/);
  });
});

describe("Identity on wasm", () => {
  it("shares memory yet behaves as a copy: the clone outlives its source, nothing leaks", async () => {
    await tf.setBackend("wasm");
    const before = tf.engine().backend.numDataIds();
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]);
    const z = tf.add(y, 1);
    expect(Array.from(await z.data())).toEqual([2, 3, 4, 5]);
    y.dispose();
    z.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(before);
  });
});
