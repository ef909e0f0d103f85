// Data sources beyond arrays: a tf.data.Dataset of { xs, ys } batches (what model.fitDataset takes)
// trains and evaluates as the same batches in an array do; its tensors, new on every pass, are
// disposed by the loop once used, also when a batch is refused; wrong sources say what they are.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { type ArrayBatch, evaluateAccuracy, trainCh6, useDevice } from "./index";
import { smallCnn, squares, toBatches } from "./testing/fixtures";

beforeAll(async () => {
  await useDevice("js");
});

/** The batches as a tf.data.Dataset of { xs: [n, 8, 8, 1], ys: one-hot [n, 4] }, built from arrays. */
function asDataset(batches: ArrayBatch[]) {
  return tf.data
    .array(batches.map((b) => ({ x: Array.from(b.x), y: Array.from(b.y), n: b.size })))
    .map((e) => {
      const { x, y, n } = e as unknown as { x: number[]; y: number[]; n: number };
      return { xs: tf.tensor4d(x, [n, 8, 8, 1]), ys: tf.oneHot(tf.tensor1d(y, "int32"), 4) };
    });
}

describe("a tf.data.Dataset as trainData and testData", () => {
  it("trains to the same weights as the same batches in an array, and leaves no tensor behind", async () => {
    const train = toBatches(squares(120, { seed: 31 }), 40);
    const test = toBatches(squares(40, { seed: 32 }), 40);
    const fromArrays = smallCnn();
    const fromDataset = smallCnn();
    const options = { epochs: 2, lr: 0.3, seed: 3 };
    const expected = await trainCh6(fromArrays, train, test, options);
    const before = tf.memory().numTensors;
    const fifths: number[] = [];
    const report = await trainCh6(fromDataset, asDataset(train), asDataset(test), {
      ...options,
      callbacks: { onProgress: ({ epoch }) => void fifths.push(epoch) },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.history.map((h) => [h.loss, h.trainAcc, h.testAcc])).toEqual(
      expected.history.map((h) => [h.loss, h.trainAcc, h.testAcc]),
    );
    expect(report.history[1].loss).toBeLessThan(report.history[0].loss);
    // The dataset's size gave the batches per epoch, so d2l's points fall inside the first epoch too.
    expect(fifths.some((epoch) => epoch > 0 && epoch < 1)).toBe(true);
    expect(await evaluateAccuracy(fromDataset, asDataset(test))).toBe(report.history[1].testAcc);
    expect(tf.memory().numTensors).toBe(before);
    fromArrays.dispose();
    fromDataset.dispose();
  });

  it("disposes the batch it was on when a batch is refused", async () => {
    const model = smallCnn();
    const bad = tf.data.array([0, 1, 2]).map((i) => ({
      xs: tf.zeros([2, 8, 8, 1]),
      ys: tf.tensor1d([0, (i as number) === 2 ? 9 : 1], "int32"),
    }));
    const before = tf.memory().numTensors;
    await expect(evaluateAccuracy(model, bad)).rejects.toThrow(
      /label 9 \(example 1 of the batch\) is not one of the model's 4 classes/,
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe("a source that is not batches", () => {
  it("names what it got and the way to batches", async () => {
    const model = smallCnn();
    const images = { images: new Uint8Array(64), labels: new Uint8Array(1), count: 1, height: 8, width: 8 };
    await expect(evaluateAccuracy(model, images as never)).rejects.toThrow(
      "evaluateAccuracy: expected an iterable or async iterable of batches (an array works), or a tf.data.Dataset of { xs, ys } batches; got an ImageDataset (images, labels, count); cut it into batches first: @ln/data's batches(dataset, { batchSize }), or take(dataset, n) then batches",
    );
    const [batch] = toBatches(squares(4), 4);
    await expect(evaluateAccuracy(model, batch as never)).rejects.toThrow(
      /got one batch; pass an array of batches: \[batch\]$/,
    );
    model.dispose();
  });
});
