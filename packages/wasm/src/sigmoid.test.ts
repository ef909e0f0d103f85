import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { useSigmoidKernel } from "./sigmoid";
import { rng, setupBackends, values } from "./testing/support";

beforeAll(setupBackends);
afterEach(() => useSigmoidKernel("split"));

/** tf.sigmoid of `x` on `backend`, as float32 values. */
async function sigmoidOn(backend: string, x: Float32Array): Promise<Float32Array> {
  await tf.setBackend(backend);
  const t = tf.tidy(() => tf.sigmoid(tf.tensor1d(x)));
  const out = (await t.data()) as Float32Array;
  t.dispose();
  return out;
}

/** The largest absolute difference, NaN where only one side is NaN. */
function largestDifference(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) {
      if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Number.NaN;
    } else d = Math.max(d, Math.abs(a[i] - b[i]));
  }
  return d;
}

const SPECIAL = [0, -0, 1, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-40, -1e-40];
const special = Float32Array.from([...SPECIAL, 87, -87, 88, -88, 100, -100, -87.34, 20, -20]);

describe("Sigmoid on wasm", () => {
  // Every length around the 4-wide vectors and the 16-value rounds, and a real layer's.
  for (const n of [1, 3, 4, 5, 15, 16, 17, 33, 1027, 65539]) {
    it(`in our kernel: within 1.2e-7 of the cpu backend (${n} values), nothing written past them`, async () => {
      const x = values(rng(n), [n]).map((v, i) => (i < special.length ? special[i] : v * 12));
      const cpu = await sigmoidOn("cpu", x);
      useSigmoidKernel("always");
      const ours = await sigmoidOn("wasm", x);
      expect(largestDifference(ours, cpu)).toBeLessThanOrEqual(1.2e-7);
      // The special values exactly where they have one: 0.5 at zeros, 1 and 0 at the infinities, NaN at NaN.
      const exact = [0.5, 0.5, undefined, undefined, Number.NaN, 1, 0, 0.5, 0.5];
      exact.forEach((want, i) => {
        if (want !== undefined && i < n) expect(ours[i], `sigmoid(${x[i]})`).toBe(want);
      });
      // Far below zero: 0 below -87.34 (where the result is under the smallest normal float).
      for (let i = 0; i < n; i++) if (x[i] < -87.34) expect(ours[i], `sigmoid(${x[i]})`).toBe(0);
      // Memory next to the output is untouched: a tensor allocated right after it keeps its values.
      await tf.setBackend("wasm");
      const input = tf.tensor1d(x);
      const freed = tf.sigmoid(input);
      const after = tf.fill([5], 7);
      freed.dispose();
      tf.sigmoid(input).dispose();
      expect(Array.from(await after.data())).toEqual([7, 7, 7, 7, 7]);
      tf.dispose([input, after]);
    });
  }

  it("on one thread is XNNPACK's (tfjs's own kernel, bit for bit), ours only where it splits", async () => {
    const x = values(rng(9), [4099]).map((v) => v * 10);
    useSigmoidKernel("never");
    const stock = await sigmoidOn("wasm", x);
    useSigmoidKernel("split");
    const byDefault = await sigmoidOn("wasm", x);
    useSigmoidKernel("always");
    const ours = await sigmoidOn("wasm", x);
    expect(Array.from(byDefault)).toEqual(Array.from(stock));
    expect(Array.from(ours)).not.toEqual(Array.from(stock));
  });

  it("leaks no tensor and no backend memory, and keeps a tensor's shape", async () => {
    await tf.setBackend("wasm");
    useSigmoidKernel("always");
    const x = tf.tensor3d(values(rng(3), [2, 3, 5]), [2, 3, 5]);
    const before = { tensors: tf.memory().numTensors, dataIds: tf.engine().backend.numDataIds() };
    const y = tf.sigmoid(x);
    expect(y.shape).toEqual([2, 3, 5]);
    y.dispose();
    tf.tidy(() => {
      expect(tf.sigmoid(tf.zeros([0, 3])).shape).toEqual([0, 3]);
    });
    expect({ tensors: tf.memory().numTensors, dataIds: tf.engine().backend.numDataIds() }).toEqual(before);
    x.dispose();
  });
});
