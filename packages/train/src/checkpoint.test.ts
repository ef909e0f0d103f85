import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BatchInfo, CheckpointError, type TrainOptions, trainCh6, useDevice } from "./index";
import { smallCnn, squares, toBatches, weightValues } from "./testing/fixtures";

const train = toBatches(squares(240, { seed: 11 }), 40); // 6 batches per epoch
const test = toBatches(squares(80, { seed: 12 }), 40);
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "ln-train-ckpt-"));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  await useDevice("js");
});
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const optimizers: Array<[string, () => tf.Optimizer | undefined]> = [
  ["SGD", () => undefined],
  ["Adam (optimizer slots restored)", () => tf.train.adam(0.01)],
];

describe.each(optimizers)("checkpoint + resume with %s", (_, makeOptimizer) => {
  it("equals an uninterrupted run: same weights and history after 3 epochs", async () => {
    const base: TrainOptions = { epochs: 3, lr: 0.3, seed: 5 };

    const whole = smallCnn();
    const wholeReport = await trainCh6(whole, train, test, { ...base, optimizer: makeOptimizer() });

    // Interrupted in epoch 2 after 3 batches, in a "fresh process": new model, new optimizer.
    const dir = await tempDir();
    const controller = new AbortController();
    const first = await trainCh6(smallCnn(), train, test, {
      ...base,
      optimizer: makeOptimizer(),
      checkpointDir: dir,
      signal: controller.signal,
      callbacks: {
        onBatchEnd: (b) => {
          if (b.epoch === 2 && b.batch === 2) controller.abort();
        },
      },
    });
    expect(first.aborted).toBe(true);
    expect(first.checkpoint).toBe(join(dir, "epoch-0001-batch-000003"));
    expect((await readdir(dir)).sort()).toEqual(["epoch-0001", "epoch-0001-batch-000003"]);

    const resumed = smallCnn({ seed: 99 }); // different initial weights: all must come from the checkpoint
    const batches: string[] = [];
    const begins: Array<{ epoch: number; batch: number }> = [];
    const report = await trainCh6(resumed, train, test, {
      ...base,
      optimizer: makeOptimizer(),
      checkpointDir: dir,
      resume: true,
      callbacks: {
        onEpochBegin: ({ epoch, batch }) => void begins.push({ epoch, batch }),
        onBatchEnd: (b) => void batches.push(`${b.epoch}.${b.batch}`),
      },
    });
    expect(begins).toEqual([
      { epoch: 2, batch: 3 },
      { epoch: 3, batch: 0 },
    ]);
    expect(batches[0]).toBe("2.3"); // continues with the 4th batch of epoch 2
    expect(batches).toHaveLength(3 + 6);
    expect(report.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(report.examples).toBe(wholeReport.examples);
    expect(weightValues(resumed)).toEqual(weightValues(whole));
    for (const [i, h] of report.history.entries()) {
      expect(h.loss).toBe(wholeReport.history[i].loss);
      expect(h.trainAcc).toBe(wholeReport.history[i].trainAcc);
      expect(h.testAcc).toBe(wholeReport.history[i].testAcc);
    }
    // keepCheckpoints (2): only the two newest remain, and no temporary folder is left behind.
    expect((await readdir(dir)).sort()).toEqual(["epoch-0002", "epoch-0003"]);
  });
});

describe("checkpoints", () => {
  it("writes one folder per epoch (model.json, weights.bin, optimizer, state) and keeps the newest N", async () => {
    const dir = await tempDir();
    const written: string[] = [];
    await trainCh6(smallCnn(), train, test, {
      epochs: 3,
      lr: 0.3,
      checkpointDir: dir,
      keepCheckpoints: 1,
      callbacks: { onCheckpoint: (p) => void written.push(p) },
    });
    expect(written).toEqual([1, 2, 3].map((e) => join(dir, `epoch-000${e}`)));
    expect(await readdir(dir)).toEqual(["epoch-0003"]);
    expect((await readdir(join(dir, "epoch-0003"))).sort()).toEqual([
      "checksums.json",
      "model.json",
      "optimizer.bin",
      "optimizer.json",
      "state.json",
      "weights.bin",
    ]);
  });

  it("records in state.json where an aborted run stood: counters, the epoch's running sums, times", async () => {
    const dir = await tempDir();
    const controller = new AbortController();
    const batches: BatchInfo[] = [];
    const report = await trainCh6(smallCnn(), train, test, {
      epochs: 3,
      lr: 0.3,
      checkpointDir: dir,
      signal: controller.signal,
      callbacks: {
        onBatchEnd: (b) => {
          batches.push(b);
          if (b.epoch === 2 && b.batch === 2) controller.abort();
        },
      },
    });
    const state = JSON.parse(await readFile(join(report.checkpoint!, "state.json"), "utf8"));
    const last = batches.at(-1)!;
    const epoch2 = batches.filter((b) => b.epoch === 2);
    expect(state).toMatchObject({ format: "ln-train-checkpoint", version: 1, epoch: 1, batch: 3 });
    expect(state.sums[2]).toBe(3 * 40);
    expect(state.sums[0] / state.sums[2]).toBeCloseTo(last.epochLoss, 12);
    expect(state.sums[1] / state.sums[2]).toBeCloseTo(last.epochAcc, 12);
    expect(state.epochSeconds).toBeCloseTo(
      epoch2.reduce((s, b) => s + b.seconds, 0),
      12,
    );
    expect(state.history).toEqual(report.history);
    expect(state.examples).toBe(report.examples);
    expect(state.examples).toBe(batches.reduce((s, b) => s + b.size, 0));
    expect(state.trainSeconds).toBe(report.trainSeconds);
    expect(state.optimizer).toBe("SGD");
    expect(state.lr).toBe(0.3);

    // A signal aborted before the first step: nothing trained, a checkpoint of the start.
    const early = await tempDir();
    const aborted = await trainCh6(smallCnn(), train, test, {
      epochs: 1,
      checkpointDir: early,
      signal: AbortSignal.abort(),
    });
    expect(aborted).toMatchObject({ aborted: true, history: [], examples: 0, examplesPerSec: 0 });
    expect(aborted.checkpoint).toBe(join(early, "epoch-0000"));
  });

  it("resume with no checkpoint yet starts from scratch; a finished run trains no more", async () => {
    const dir = await tempDir();
    const report = await trainCh6(smallCnn(), train, test, {
      epochs: 1,
      lr: 0.3,
      checkpointDir: dir,
      resume: true,
    });
    expect(report.history).toHaveLength(1);
    let steps = 0;
    const again = await trainCh6(smallCnn(), train, test, {
      epochs: 1,
      lr: 0.3,
      checkpointDir: dir,
      resume: true,
      callbacks: { onBatchEnd: () => void steps++ },
    });
    expect(steps).toBe(0);
    expect(again.history).toEqual(report.history);
  });

  it("refuses a checkpoint of another optimizer kind or another model shape", async () => {
    const dir = await tempDir();
    await trainCh6(smallCnn(), train, test, { epochs: 1, lr: 0.3, checkpointDir: dir });
    const adam = tf.train.adam();
    await expect(
      trainCh6(smallCnn(), train, test, { epochs: 2, optimizer: adam, checkpointDir: dir, resume: true }),
    ).rejects.toThrow(/holds SGD state, but this run uses Adam/);
    adam.dispose();
    const wider = smallCnn({ classes: 5 });
    const error = await trainCh6(wider, train, test, { epochs: 2, checkpointDir: dir, resume: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).name).toBe("CheckpointError");
    expect(String(error)).toMatch(/weight 2 .* is \[64,4\] in the checkpoint, \[64,5\] in the model/);
  });

  it("refuses a checkpoint file changed after it was written, naming it, and leaks no tensor", async () => {
    const dir = await tempDir();
    await trainCh6(smallCnn(), train, test, { epochs: 1, lr: 0.3, checkpointDir: dir });
    const weights = join(dir, "epoch-0001", "weights.bin");
    const size = (await readFile(weights)).byteLength;
    const model = smallCnn();
    const resume = () => trainCh6(model, train, test, { epochs: 2, checkpointDir: dir, resume: true });
    const before = tf.memory().numTensors;
    // Zeroed: same size, other bytes.
    await writeFile(weights, new Uint8Array(size));
    await expect(resume()).rejects.toThrow(
      /epoch-0001\/weights\.bin: has sha256 [0-9a-f]{64}, checksums\.json says [0-9a-f]{64}: it was changed or damaged/,
    );
    // Truncated.
    await writeFile(weights, new Uint8Array(size - 4));
    await expect(resume()).rejects.toThrow(/weights\.bin: is \d+ bytes, checksums\.json says \d+/);
    await writeFile(join(dir, "epoch-0001", "state.json"), "{ not json");
    await expect(resume()).rejects.toThrow(/epoch-0001\/state\.json: is 10 bytes, checksums\.json says/);
    // Without checksums (an older ln, another tool), the contents are still checked.
    await rm(join(dir, "epoch-0001", "checksums.json"));
    await expect(resume()).rejects.toThrow(/epoch-0001\/state\.json: not valid JSON/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
