import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DivergenceWatch } from "./divergence";
import { type Batch, DivergedError, type ProgressInfo, trainCh6, useDevice } from "./index";
import { smallCnn, squares, toBatches } from "./testing/fixtures";

const train = toBatches(squares(480, { seed: 1 }), 48); // 10 batches per epoch
const test = toBatches(squares(96, { seed: 2 }), 48);
const dirs: string[] = [];

beforeAll(async () => {
  await useDevice("js");
});
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const at = { epoch: 1, batch: 0, lr: 0.1 };

describe("DivergenceWatch", () => {
  it("stops at NaN or infinity at once, and at a finite loss 100x its start for 20 batches in a row", () => {
    expect(() => new DivergenceWatch(10).check(Number.NaN, at)).toThrow(DivergedError);
    expect(() => new DivergenceWatch(10).check(-Infinity, at)).toThrow(/the loss is -Infinity/);

    const watch = new DivergenceWatch(10);
    watch.check(3, at); // the start: limit 100 * max(3, ln 10) = 300
    for (let i = 0; i < 19; i++) watch.check(1e6, at);
    watch.check(1, at); // one batch back under the limit: the count starts over
    for (let i = 0; i < 19; i++) watch.check(1e6, at);
    const error = (() => {
      try {
        watch.check(1e7, { epoch: 3, batch: 4, lr: 1e6 });
      } catch (e) {
        return e as DivergedError;
      }
    })();
    expect(error).toBeInstanceOf(DivergedError);
    expect(error!.loss).toBe(1e7);
    expect(error!.explosion).toEqual({ start: 3, limit: 300, factor: 100, batches: 20 });
    expect(error!.message).toBe(
      "Training diverged at epoch 3, batch 4: the loss exploded: 10000000 now, above 300 for the last 20 batches " +
        "(100x the larger of its start, 3, and a uniform guess's) with lr 1000000. The step was not applied; " +
        "lower the learning rate (e.g. lr = 100000), or check the inputs for NaN and their scale (pixels in [0, 1]).",
    );
  });

  it("measures a resumed, well-trained run from a uniform guess's loss, so an ordinary rise does not stop it", () => {
    const watch = new DivergenceWatch(10);
    watch.check(0.01, at);
    for (let i = 0; i < 100; i++) watch.check(5, at); // 500x its start, but ~2x ln(10)
    expect(() => {
      for (let i = 0; i < 20; i++) watch.check(300, at);
    }).toThrow(/above 230\.259 for the last 20 batches/);
  });
});

describe("trainCh6 on a loss that explodes", () => {
  it("stops with DivergedError (not a finished run) when lr 1e6 blows a sigmoid net's loss up, leaking nothing", async () => {
    // Sigmoid hidden units are bounded, so the logits grow with the weights and the loss stays finite:
    // the case a NaN check alone lets finish. Labels no net can fit keep it from landing on a separating
    // solution by luck (as the real data does not let LeNet, whose loss reaches 1e7).
    const noise = squares(480, { seed: 1 });
    noise.y.forEach((_, i) => {
      noise.y[i] = (i * 7 + 3) % 4;
    });
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [8, 8, 1] }),
        tf.layers.dense({ units: 16, activation: "sigmoid" }),
        tf.layers.dense({ units: 4 }),
      ],
    });
    const losses: number[] = [];
    const before = tf.memory().numTensors;
    const error = await trainCh6(model, toBatches(noise, 48), test, {
      epochs: 10,
      lr: 1e6,
      seed: 1,
      callbacks: { onBatchEnd: (b) => void losses.push(b.loss) },
    }).catch((e: unknown) => e);
    expect(tf.memory().numTensors).toBe(before);
    expect(error).toBeInstanceOf(DivergedError);
    const diverged = error as DivergedError;
    expect(Number.isFinite(diverged.loss)).toBe(true);
    expect(diverged.explosion?.batches).toBe(20);
    expect(losses.every(Number.isFinite)).toBe(true);
    // Stopped at the 20th batch in a row above the limit: the step that showed it was not reported.
    const limit = diverged.explosion!.limit;
    expect(losses.slice(-19).every((l) => l > limit)).toBe(true);
    expect(diverged.epoch).toBeLessThanOrEqual(4);
    model.dispose();
  });
});

describe("trainCh6 stopped right after an epoch's last batch, then resumed", () => {
  it("reports each fifth of an epoch once (no duplicate end point)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ln-train-dup-"));
    dirs.push(dir);
    const points: number[] = [];
    const controller = new AbortController();
    const options = {
      epochs: 2,
      lr: 0.3,
      seed: 3,
      checkpointDir: dir,
      callbacks: {
        onProgress: (p: ProgressInfo) => void points.push(Number(p.epoch.toFixed(6))),
        // The stop lands after the first epoch's last batch, before its test evaluation.
        onBatchEnd: (b: { epoch: number; batch: number }) => {
          if (b.epoch === 1 && b.batch === 9) controller.abort();
        },
      },
    };
    const model = smallCnn();
    const stopped = await trainCh6(model, train, test, { ...options, signal: controller.signal });
    expect(stopped.aborted).toBe(true);
    expect(stopped.checkpoint).toMatch(/epoch-0000-batch-000010$/);
    const resumed = await trainCh6(model, train, test, { ...options, resume: true });
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(points).toEqual([0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8, 2]);
    model.dispose();
  });
});

describe("trainCh6 given data that is not batches", () => {
  it("says what it got and what it takes: null, an empty array, a generator that ran out; no tensor left", async () => {
    const model = smallCnn();
    const before = tf.memory().numTensors;
    const run = (trainData: unknown, testData: unknown = test) =>
      trainCh6(model, trainData as Batch[], testData as Batch[], { epochs: 2 }).catch((e: Error) => e);

    const nullTrain = await run(null);
    expect(nullTrain).toBeInstanceOf(TypeError);
    expect((nullTrain as Error).message).toBe(
      "trainCh6: trainData must be an iterable or async iterable of batches (an array of { x, y, size, shape }, " +
        "or @ln/data's loadDataFashionMnist(batchSize)), got null",
    );
    expect(String(await run(train, 42))).toMatch(/testData must be an iterable .*got number$/);
    expect(String(await run(train[0]))).toMatch(/trainData must be an iterable .*got object$/);

    expect(String(await run([]))).toBe(
      "RangeError: trainCh6: trainData yielded no batches in epoch 1; it is empty (an array of no batches); pass at least one batch",
    );
    const once = (function* () {
      yield* train;
    })();
    expect(String(await run(once))).toMatch(
      /no batches in epoch 2; pass a re-iterable source .* not a one-shot generator$/,
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
