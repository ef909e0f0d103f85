import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { compiledStepFor, releaseCompiledStep, trainsCompiled } from "./compiled-step";
import type { ArrayBatch } from "./data";
import { trainCh6, useDevice } from "./index";
import { relativeError, seeded, smallCnn, weightValues } from "./testing/fixtures";

/** `count` random 28x28 images with labels that depend on them (a learnable task), in batches of `size`. */
function images(count: number, size: number, seed: number): ArrayBatch[] {
  const r = seeded(seed);
  const out: ArrayBatch[] = [];
  for (let start = 0; start < count; start += size) {
    const n = Math.min(size, count - start);
    const x = Float32Array.from({ length: n * 784 }, () => r());
    const y = Int32Array.from({ length: n }, (_, i) => Math.floor(x[i * 784 + 300] * 10));
    out.push({ x, y, size: n, shape: [n, 28, 28, 1] });
  }
  return out;
}

const variablesOf = (model: tf.LayersModel) => model.trainableWeights.map((w) => w.read() as tf.Variable);

describe("the compiled step on wasm", () => {
  beforeAll(async () => {
    await useDevice("wasm");
  });

  it.each(["sigmoid", "relu"] as const)(
    "trains LeNet (%s) to the weights tfjs's engine gives",
    async (activation) => {
      const train = images(300, 64, 7); // a last batch of 44
      const test = images(64, 64, 8);
      const [compiled, engine] = [lenet({ activation, seed: 1 }), lenet({ activation, seed: 1 })];
      expect(compiledStepFor(compiled, variablesOf(compiled), 10)).toBeDefined();
      releaseCompiledStep(compiled);
      const before = tf.memory().numTensors;
      const options = { epochs: 2, lr: 0.9, init: false as const };
      const a = await trainCh6(compiled, train, test, { ...options, compiledStep: true });
      const b = await trainCh6(engine, train, test, { ...options, compiledStep: false });
      expect(tf.memory().numTensors).toBe(before);
      const [wa, wb] = [weightValues(compiled), weightValues(engine)];
      for (const [i, w] of wa.entries()) expect(relativeError(w, wb[i])).toBeLessThan(1e-3);
      a.history.forEach((h, i) => {
        expect(h.loss).toBeCloseTo(b.history[i].loss, 3);
        expect(Math.abs(h.trainAcc - b.history[i].trainAcc)).toBeLessThan(0.01);
      });
      compiled.dispose();
      engine.dispose();
    },
  );

  it("leaves models it does not run to tfjs's engine", () => {
    const dropout = smallCnn({ dropout: 0.2 }); // max pooling, dropout
    expect(compiledStepFor(dropout, variablesOf(dropout), 4)).toBeUndefined();
    const maxPooled = lenet({ pooling: "max" });
    expect(compiledStepFor(maxPooled, variablesOf(maxPooled), 10)).toBeUndefined();
    const net = lenet();
    expect(compiledStepFor(net, variablesOf(net).slice(1), 10)).toBeUndefined(); // a weight left out
    const other = lenet();
    expect(compiledStepFor(other, variablesOf(other), 5)).toBeUndefined(); // 10 logits, 5 classes
    for (const m of [dropout, maxPooled, net, other]) m.dispose();
  });

  it("says which models trainCh6 trains compiled (how more cores pay)", () => {
    const [net, maxPooled] = [lenet(), lenet({ pooling: "max" })];
    expect(trainsCompiled(net)).toBe(true);
    expect(trainsCompiled(maxPooled)).toBe(false);
    for (const m of [net, maxPooled]) m.dispose();
  });

  it("is not used off wasm", async () => {
    await useDevice("js");
    const net = lenet();
    expect(compiledStepFor(net, variablesOf(net), 10)).toBeUndefined();
    expect(trainsCompiled(net)).toBe(false);
    net.dispose();
    await useDevice("wasm");
  });
});
