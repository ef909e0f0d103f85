import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { DivergedError, evaluateAccuracy, trainCh6, useDevice } from "./index";
import { smallCnn, squares, toBatches } from "./testing/fixtures";

const train = toBatches(squares(120, { seed: 31 }), 40);
const test = toBatches(squares(50, { seed: 32 }), 20);

describe.each(["js", "wasm"])("no tensor leaks on %s", (backend) => {
  beforeAll(async () => {
    await useDevice(backend);
  });

  it("trainCh6 with its own SGD leaves the tensor count unchanged", async () => {
    const model = smallCnn({ dropout: 0.2 });
    const before = tf.memory().numTensors;
    await trainCh6(model, train, test, { epochs: 2, lr: 0.3 });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("trainCh6 with Adam adds only Adam's two slots per trainable weight", async () => {
    const model = smallCnn();
    const adam = tf.train.adam(0.01);
    const before = tf.memory().numTensors;
    await trainCh6(model, train, test, { epochs: 2, optimizer: adam });
    expect(tf.memory().numTensors - before).toBe(2 * model.trainableWeights.length);
    adam.dispose();
    model.dispose();
  });

  it("checkpoints, resume, divergence and evaluateAccuracy leave the count unchanged", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ln-train-mem-"));
    try {
      const model = smallCnn();
      // Two linear layers, so lr 1e6 really diverges (a ReLU net just dies and keeps a finite loss).
      const linear = tf.sequential({
        layers: [
          tf.layers.flatten({ inputShape: [8, 8, 1] }),
          tf.layers.dense({ units: 16 }),
          tf.layers.dense({ units: 4 }),
        ],
      });
      const before = tf.memory().numTensors;
      const controller = new AbortController();
      await trainCh6(model, train, test, {
        epochs: 2,
        lr: 0.3,
        checkpointDir: dir,
        signal: controller.signal,
        callbacks: { onBatchEnd: (b) => void (b.epoch === 2 && controller.abort()) },
      });
      await trainCh6(model, train, test, { epochs: 2, lr: 0.3, checkpointDir: dir, resume: true });
      await evaluateAccuracy(model, test);
      await expect(trainCh6(linear, train, test, { epochs: 3, lr: 1e6 })).rejects.toBeInstanceOf(
        DivergedError,
      );
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
      linear.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
