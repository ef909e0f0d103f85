import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateAccuracy, useDevice } from "./index";
import { smallCnn, squares, toBatches } from "./testing/fixtures";

beforeAll(async () => {
  await useDevice("js");
});

describe("evaluateAccuracy", () => {
  it("counts every example of every batch (not the last batch's accuracy, the seed's bug)", async () => {
    const data = squares(70, { seed: 21 });
    const model = smallCnn();
    const predicted = tf.tidy(() =>
      Array.from((model.predict(tf.tensor4d(data.x, [70, 8, 8, 1])) as tf.Tensor).argMax(1).dataSync()),
    );
    const expected = predicted.filter((p, i) => p === data.y[i]).length / 70;
    expect(await evaluateAccuracy(model, toBatches(data, 32))).toBe(expected); // 32, 32, 6
    expect(await evaluateAccuracy(model, toBatches(data, 70))).toBe(expected);
    model.dispose();
  });

  it("runs in inference mode: a dropout model gives the same result every time", async () => {
    const model = smallCnn({ dropout: 0.9 });
    const data = toBatches(squares(64, { seed: 22 }), 64);
    const results = [await evaluateAccuracy(model, data), await evaluateAccuracy(model, data)];
    expect(results[1]).toBe(results[0]);
    // In training mode the same model's outputs do change between calls: dropout is live there.
    const x = tf.tensor4d(data[0].x, [64, 8, 8, 1]);
    const a = tf.tidy(() => Array.from((model.apply(x, { training: true }) as tf.Tensor).dataSync()));
    const b = tf.tidy(() => Array.from((model.apply(x, { training: true }) as tf.Tensor).dataSync()));
    expect(a).not.toEqual(b);
    x.dispose();
    model.dispose();
  });

  it("accepts async iterables and rejects empty data", async () => {
    const model = smallCnn();
    const batches = toBatches(squares(20, { seed: 23 }), 8);
    const asyncData = {
      async *[Symbol.asyncIterator]() {
        yield* batches;
      },
    };
    expect(await evaluateAccuracy(model, asyncData)).toBe(await evaluateAccuracy(model, batches));
    await expect(evaluateAccuracy(model, [])).rejects.toThrow(/no examples/);
    await expect(evaluateAccuracy(model, 42 as never)).rejects.toThrow(/expected an iterable/);
    model.dispose();
  });
});
