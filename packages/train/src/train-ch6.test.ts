import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type BatchInfo,
  DivergedError,
  evaluateAccuracy,
  type ProgressInfo,
  trainCh6,
  useDevice,
} from "./index";
import { smallCnn, squares, toBatches, weightValues } from "./testing/fixtures";

const train = toBatches(squares(480, { seed: 1 }), 48); // 10 batches per epoch
const test = toBatches(squares(200, { seed: 2 }), 64); // 4 batches, the last one short

beforeAll(async () => {
  // tfjs's pure-JS backend: the reference the loop's semantics are checked on.
  await useDevice("js");
});

describe("trainCh6", () => {
  it("learns: the loss falls and accuracy rises far above chance (0.25)", async () => {
    const report = await trainCh6(smallCnn(), train, test, { epochs: 4, lr: 0.5, seed: 3 });
    expect(report.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    for (const h of report.history) {
      expect(Object.keys(h).sort()).toEqual(["epoch", "loss", "seconds", "testAcc", "trainAcc"]);
      expect(h.seconds).toBeGreaterThan(0);
    }
    const [first, , , last] = report.history;
    expect(last.loss).toBeLessThan(first.loss * 0.7);
    expect(last.trainAcc).toBeGreaterThan(0.7);
    expect(last.testAcc).toBeGreaterThan(0.7);
    expect(report.device.backend).toBe("cpu");
    expect(report.examples).toBe(480 * 4);
    expect(report.aborted).toBe(false);
  });

  it("accumulates (loss * n, correct, n) over uneven batches, as d2l's Accumulator(3)", async () => {
    const uneven = toBatches(squares(100, { seed: 4 }), 30); // 30, 30, 30, 10
    const batches: BatchInfo[] = [];
    const report = await trainCh6(smallCnn(), uneven, test, {
      epochs: 1,
      lr: 0.3,
      callbacks: { onBatchEnd: (b) => void batches.push(b) },
    });
    expect(batches.map((b) => b.size)).toEqual([30, 30, 30, 10]);
    const n = batches.reduce((s, b) => s + b.size, 0);
    const loss = batches.reduce((s, b) => s + b.loss * b.size, 0) / n;
    const acc = batches.reduce((s, b) => s + b.acc * b.size, 0) / n;
    expect(report.history[0].loss).toBeCloseTo(loss, 10);
    expect(report.history[0].trainAcc).toBeCloseTo(acc, 10);
    // Per-batch accuracy is a count over the batch, so acc * size is an integer.
    for (const b of batches) expect(Math.abs(b.acc * b.size - Math.round(b.acc * b.size))).toBeLessThan(1e-9);
    // Each batch also carries the epoch's running means so far, the last one equal to the epoch's figures,
    // and its own step time, which add up to the epoch's.
    const second = batches[1];
    expect(second.epochLoss).toBeCloseTo((batches[0].loss * 30 + second.loss * 30) / 60, 10);
    expect(batches[3].epochLoss).toBeCloseTo(report.history[0].loss, 10);
    expect(batches[3].epochAcc).toBeCloseTo(report.history[0].trainAcc, 10);
    expect(batches.reduce((s, b) => s + b.seconds, 0)).toBeCloseTo(report.history[0].seconds, 10);
  });

  it("times training steps only: data loading, evaluation and callbacks are excluded", async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const slow = {
      length: train.length,
      async *[Symbol.asyncIterator]() {
        for (const batch of train) {
          await sleep(40); // slow data loading
          yield batch;
        }
      },
    };
    const wallStart = performance.now();
    const report = await trainCh6(smallCnn(), slow, test, {
      epochs: 2,
      lr: 0.5,
      callbacks: { onBatchEnd: () => sleep(20), onEpochEnd: () => sleep(300) },
    });
    const wall = (performance.now() - wallStart) / 1000;
    const excluded = (2 * train.length * (40 + 20) + 2 * 300) / 1000; // 1.8 s of sleeping
    expect(report.trainSeconds).toBeLessThan(wall - excluded + 0.05);
    expect(report.trainSeconds).toBeCloseTo(report.history[0].seconds + report.history[1].seconds, 10);
    expect(report.examplesPerSec).toBeCloseTo((480 * 2) / report.trainSeconds, 6);
  });

  it("reports the fifths of each epoch that d2l plots", async () => {
    const points: ProgressInfo[] = [];
    await trainCh6(smallCnn(), train, test, {
      epochs: 2,
      lr: 0.5,
      callbacks: { onProgress: (p) => void points.push(p) },
    });
    expect(points.map((p) => Number(p.epoch.toFixed(6)))).toEqual([
      0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8, 2,
    ]);
    for (const p of points) {
      expect(p.loss).toBeGreaterThan(0);
      expect(p.trainAcc).toBeGreaterThanOrEqual(0);
      expect(p.trainAcc).toBeLessThanOrEqual(1);
    }

    // Without a length, epoch 1 reports only its end; later epochs use epoch 1's count.
    const noLength = {
      *[Symbol.iterator]() {
        yield* train;
      },
    };
    const later: number[] = [];
    await trainCh6(smallCnn(), noLength, test, {
      epochs: 2,
      lr: 0.5,
      callbacks: { onProgress: (p) => void later.push(Number(p.epoch.toFixed(6))) },
    });
    expect(later).toEqual([1, 1.2, 1.4, 1.6, 1.8, 2]);
  });

  it("awaits async callbacks in order", async () => {
    const log: string[] = [];
    await trainCh6(smallCnn(), train.slice(0, 2), test, {
      epochs: 1,
      lr: 0.1,
      callbacks: {
        onBatchEnd: async (b) => {
          await new Promise((r) => setTimeout(r, 5));
          log.push(`batch ${b.batch}`);
        },
        onProgress: async () => void log.push("progress"),
        onEpochBegin: async (e) => void log.push(`begin ${e.epoch} at ${e.batch}`),
        onEpochEnd: async (s) => void log.push(`epoch ${s.epoch}`),
      },
    });
    expect(log).toEqual(["begin 1 at 0", "batch 0", "progress", "batch 1", "progress", "epoch 1"]);
  });

  it("re-initialises kernels (Xavier) and zeroes biases by default, and keeps weights with init: false", async () => {
    const model = smallCnn();
    const before = weightValues(model);
    const one = [train[0]];
    // A zero learning rate is not allowed, so compare right after init via a tiny lr.
    await trainCh6(model, one, test, { epochs: 1, lr: 1e-12, seed: 9 });
    const after = weightValues(model);
    expect(after[0]).not.toEqual(before[0]); // kernel redrawn
    expect(after[1].every((v) => Math.abs(v) < 1e-9)).toBe(true); // bias zero (up to one 1e-12 step)
    const bound = Math.sqrt(6 / (9 * 1 + 9 * 4)); // glorot-uniform bound for a 3x3x1x4 kernel
    expect(Math.max(...after[0].map(Math.abs))).toBeLessThanOrEqual(bound + 1e-6);

    const kept = weightValues(model);
    await trainCh6(model, one, test, { epochs: 1, lr: 1e-12, init: false });
    const again = weightValues(model);
    for (const [i, v] of again[0].entries()) expect(v).toBeCloseTo(kept[0][i], 6);
  });

  it("throws DivergedError at a NaN/infinite loss and does not apply that step", async () => {
    // Two linear layers: with lr 1e6 the weights grow geometrically and the loss reaches Infinity
    // within a few steps (a sigmoid LeNet's loss stays huge but finite).
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [8, 8, 1] }),
        tf.layers.dense({ units: 16 }),
        tf.layers.dense({ units: 4 }),
      ],
    });
    let lastGood: number[][] = [];
    const error = await trainCh6(model, train, test, {
      epochs: 3,
      lr: 1e6,
      callbacks: { onBatchEnd: () => void (lastGood = weightValues(model)) },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DivergedError);
    const diverged = error as DivergedError;
    expect(diverged.name).toBe("DivergedError");
    expect(diverged.lr).toBe(1e6);
    expect(diverged.epoch).toBeGreaterThanOrEqual(1);
    expect(diverged.batch).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(diverged.loss)).toBe(false);
    expect(diverged.hint).toMatch(/lower the learning rate/);
    expect(diverged.message).toMatch(/epoch \d+, batch \d+/);
    expect(lastGood.length).toBeGreaterThan(0);
    expect(weightValues(model)).toEqual(lastGood);
  });

  it("stops after the current batch when the signal aborts", async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const report = await trainCh6(smallCnn(), train, test, {
      epochs: 3,
      lr: 0.5,
      signal: controller.signal,
      callbacks: {
        onBatchEnd: (b) => {
          seen.push(b.batch);
          if (b.epoch === 2 && b.batch === 3) controller.abort();
        },
      },
    });
    expect(report.aborted).toBe(true);
    expect(report.history).toHaveLength(1);
    expect(seen).toHaveLength(10 + 4);
    expect(report.examples).toBe(480 + 4 * 48);
  });

  it("rejects bad options, one-shot generators and non-classifier models with clear errors", async () => {
    const model = smallCnn();
    await expect(trainCh6(model, train, test, { epochs: 0 })).rejects.toThrow(
      /epochs must be a positive integer/,
    );
    await expect(trainCh6(model, train, test, { lr: -1 })).rejects.toThrow(/lr must be a positive finite/);
    await expect(trainCh6(model, train, test, { device: "tpu" })).rejects.toThrow(/unknown device "tpu"/);
    function* once() {
      yield* train.slice(0, 2);
    }
    await expect(trainCh6(model, once(), test, { epochs: 2 })).rejects.toThrow(/no batches in epoch 2/);
    const regression = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [4] })] });
    await expect(trainCh6(regression, train, test)).rejects.toThrow(/logits \[batch, classes >= 2\]/);
    regression.dispose();
  });

  it("refuses batches that do not fit the model, before any kernel runs, and leaks no tensor", async () => {
    const model = smallCnn(); // 4 classes, 8x8x1 input
    const before = tf.memory().numTensors;
    const relabel = (y: number[]) => [
      { ...train[0], y: Int32Array.from(train[0].y, (_, i) => y[i % y.length]) },
    ];
    await expect(trainCh6(model, relabel([4]), test)).rejects.toThrow(
      /label 4 \(example 0 of the batch\) is not one of the model's 4 classes \(0 to 3\)/,
    );
    await expect(trainCh6(model, relabel([0, -1]), test)).rejects.toThrow(
      /label -1 \(example 1 of the batch\)/,
    );
    await expect(trainCh6(model, train, relabel([99]))).rejects.toThrow(/label 99/);
    await expect(evaluateAccuracy(model, relabel([99, -5]))).rejects.toThrow(/label 99/);
    const big = toBatches(squares(8, { seed: 1 }), 8).map((b) => ({
      ...b,
      x: new Float32Array(8 * 32 * 32),
      shape: [8, 32, 32, 1],
    }));
    await expect(trainCh6(model, big, test)).rejects.toThrow(
      /a batch of shape \[8,32,32,1\] does not fit the model's input \[n, 8,8,1\] \(1024 values per example, the model takes 64\)/,
    );
    const oneHot = [
      { x: tf.zeros([2, 8, 8, 1]), y: tf.tidy(() => tf.oneHot(tf.tensor1d([0, 9], "int32"), 10)) },
    ];
    await expect(trainCh6(model, oneHot, test)).rejects.toThrow(/one-hot rows \[2, 4\], got shape \[2,10\]/);
    const indices = [{ x: oneHot[0].x, y: tf.tensor1d([0, 7], "int32") }];
    await expect(trainCh6(model, indices, test)).rejects.toThrow(/label 7 \(example 1/);
    await expect(trainCh6(model, relabel([5]), test, { dataParallel: 2 })).rejects.toThrow(/label 5/);
    tf.dispose([oneHot[0].x, oneHot[0].y, indices[0].y]);
    expect(tf.memory().numTensors).toBe(before);
    const softmax = smallCnn();
    softmax.add(tf.layers.softmax());
    await expect(trainCh6(softmax, train, test)).rejects.toThrow(
      /ends in softmax .* remove the final softmax/,
    );
  });

  it("trains on tensor batches too, with labels as indices or one-hot rows, leaving them to the caller", async () => {
    const data = squares(96, { seed: 5 });
    const x = tf.tensor4d(data.x, [96, 8, 8, 1]);
    const indices = tf.tensor1d(data.y, "int32");
    const oneHot = tf.oneHot(indices, 4);
    const report = await trainCh6(
      smallCnn(),
      [
        { x, y: indices },
        { x, y: oneHot },
      ],
      [{ x, y: indices }],
      { epochs: 3, lr: 0.5 },
    );
    expect(report.history).toHaveLength(3);
    expect(report.examples).toBe(96 * 2 * 3);
    expect(x.isDisposed || indices.isDisposed || oneHot.isDisposed).toBe(false);
    tf.dispose([x, indices, oneHot]);
  });
});
