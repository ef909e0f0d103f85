import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { DivergedError, trainCh6, useDevice } from "../index";
import {
  relativeError,
  runScriptToExit,
  smallCnn,
  squares,
  toBatches,
  weightValues,
} from "../testing/fixtures";
import { shardSizes } from "./parallel-step";

// 32, 32, 32 and a last batch of 1: shards of 16 + 16 (or 11 + 11 + 10), and one the main thread does alone.
const train = toBatches(squares(97, { seed: 1 }), 32);
const test = toBatches(squares(64, { seed: 2 }), 64);

beforeAll(async () => {
  await useDevice("wasm", { wasmThreads: 1 });
});

function maxWeightError(a: tf.LayersModel, b: tf.LayersModel): number {
  const [wa, wb] = [weightValues(a), weightValues(b)];
  return Math.max(...wa.map((w, i) => relativeError(w, wb[i])));
}

describe("shardSizes", () => {
  it("splits a batch into nearly equal shards, largest first, without empty ones", () => {
    expect(shardSizes(256, 2)).toEqual([128, 128]);
    expect(shardSizes(97, 3)).toEqual([33, 32, 32]);
    expect(shardSizes(1, 2)).toEqual([1]);
  });
});

describe("trainCh6 with dataParallel", () => {
  it("takes the same steps as one thread (SGD, 2 and 3 shards, uneven batches) and leaks no tensor", async () => {
    const options = { epochs: 2, lr: 0.5, seed: 3 };
    const single = smallCnn();
    const reference = await trainCh6(single, train, test, options);
    for (const dataParallel of [2, 3]) {
      const model = smallCnn();
      const before = tf.memory().numTensors;
      const report = await trainCh6(model, train, test, { ...options, dataParallel });
      expect(tf.memory().numTensors, `tensors after dataParallel ${dataParallel}`).toBe(before);
      expect(maxWeightError(model, single), `weights, dataParallel ${dataParallel}`).toBeLessThan(1e-5);
      expect(report.examples).toBe(reference.examples);
      for (const [i, h] of report.history.entries()) {
        const r = reference.history[i];
        expect(h.loss).toBeCloseTo(r.loss, 5);
        expect(h.trainAcc).toBe(r.trainAcc);
        expect(h.testAcc).toBe(r.testAcc);
      }
      model.dispose();
    }
  }, 60_000);

  it("applies the update on the main thread, so any optimizer works (Adam)", async () => {
    const run = async (dataParallel: number) => {
      const model = smallCnn();
      const optimizer = tf.train.adam(0.01);
      await trainCh6(model, train, test, { epochs: 1, seed: 3, optimizer, dataParallel });
      optimizer.dispose();
      return model;
    };
    expect(maxWeightError(await run(2), await run(1))).toBeLessThan(1e-5);
  }, 60_000);

  it("takes tensor batches too, and leaves them to the caller", async () => {
    const data = squares(96, { seed: 5 });
    const x = tf.tensor4d(data.x, [96, 8, 8, 1]);
    const y = tf.oneHot(tf.tensor1d(data.y, "int32"), 4);
    const batches = [{ x, y }];
    const single = smallCnn();
    await trainCh6(single, batches, batches, { epochs: 2, lr: 0.5, seed: 3 });
    const model = smallCnn();
    await trainCh6(model, batches, batches, { epochs: 2, lr: 0.5, seed: 3, dataParallel: 2 });
    expect(maxWeightError(model, single)).toBeLessThan(1e-5);
    expect(x.isDisposed || y.isDisposed).toBe(false);
    tf.dispose([x, y]);
  }, 60_000);

  it("stops on a diverging loss as one thread does, leaving no tensor behind", async () => {
    // Two linear layers: with lr 1e6 the loss reaches Infinity within a few steps.
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [8, 8, 1] }),
        tf.layers.dense({ units: 16 }),
        tf.layers.dense({ units: 4 }),
      ],
    });
    const before = tf.memory().numTensors;
    const error = await trainCh6(model, train, test, { epochs: 5, lr: 1e6, dataParallel: 2 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DivergedError);
    expect(Number.isFinite((error as DivergedError).loss)).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it("rejects what it cannot do with a message that says why", async () => {
    await expect(trainCh6(smallCnn(), train, test, { dataParallel: 0 })).rejects.toThrow(
      /dataParallel must be a positive integer, got 0/,
    );
    // A layer class the worker threads do not know: they cannot rebuild the model from its JSON.
    class Doubler extends tf.layers.Layer {
      static className = "LnTestDoubler";
      override call(inputs: tf.Tensor | tf.Tensor[]) {
        return tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, 2);
      }
    }
    tf.serialization.registerClass(Doubler);
    const model = smallCnn();
    const custom = tf.sequential({ layers: [new Doubler({ inputShape: [8, 8, 1] }), ...model.layers] });
    await expect(trainCh6(custom, train, test, { epochs: 1, dataParallel: 2 })).rejects.toThrow(
      /data-parallel worker 1: .*LnTestDoubler is not registered in this worker thread.*dataParallel: 1/,
    );
  }, 60_000);

  it("in a page that is not cross-origin isolated (no shared memory), warns naming the headers and trains on one thread", async () => {
    const options = { epochs: 1, lr: 0.5, seed: 3 };
    const single = smallCnn();
    await trainCh6(single, train, test, options);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const global = globalThis as { crossOriginIsolated?: boolean };
    global.crossOriginIsolated = false; // what a browser says of a page served without COOP/COEP
    try {
      const model = smallCnn();
      await trainCh6(model, train, test, { ...options, dataParallel: 2 });
      expect(maxWeightError(model, single)).toBe(0); // this thread alone: exactly the one-thread run
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(
        /dataParallel 2 runs on this thread alone: .*cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/,
      );
    } finally {
      delete global.crossOriginIsolated;
      warn.mockRestore();
    }
  }, 60_000);

  it("lets the process exit by itself after training", async () => {
    const child = fileURLToPath(new URL("../testing/data-parallel-exit-child.ts", import.meta.url));
    const result = await runScriptToExit(child);
    expect(result).toContain("trained 2 epochs with dataParallel 2");
  }, 70_000);
});
