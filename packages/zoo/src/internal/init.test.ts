// Seeded weights: `lenet({ seed })` must start from exactly the weights that @ln/train's
// `xavierInit(model, { seed })` (what `trainCh6` runs by default) draws, so a seed means one thing across
// the project. The values below were drawn by train's xavierInit (packages/train/src/xavier.ts) on a
// freshly built LeNet and LeNet-BN with seed 42: a change to zoo's rule fails here; a change to train's
// rule should fail train's own test that compares xavierInit with these builders.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { lenet } from "../lenet";
import { lenetBN } from "../lenet-bn";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** The first three values of each kernel, by layer name. */
function firstKernelValues(model: tf.LayersModel): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const layer of model.layers) {
    for (const weight of layer.weights) {
      if (!/kernel$/.test(weight.originalName)) continue;
      out[layer.name] = Array.from(weight.read().dataSync().subarray(0, 3));
    }
  }
  return out;
}

describe("seeded Xavier weights (the rule of @ln/train's xavierInit)", () => {
  it("LeNet, seed 42: kernel i of model.weights gets glorotUniform({ seed: 42 + i })", () => {
    expect(firstKernelValues(lenet({ seed: 42 }))).toEqual({
      conv1: [0.0684601366519928, 0.017155248671770096, 0.12798289954662323],
      conv2: [0.08614476770162582, -0.028240082785487175, 0.05250786989927292],
      dense1: [-0.07735977321863174, -0.08647707849740982, -0.06835290789604187],
      dense2: [-0.045438043773174286, 0.07310445606708527, 0.011032593436539173],
      dense3: [-0.07289274781942368, -0.20304951071739197, 0.24374157190322876],
    });
  });

  it("LeNet-BN, seed 42: biases and batch-norm weights count in the index too", () => {
    expect(firstKernelValues(lenetBN({ seed: 42 }))).toEqual({
      conv1: [0.0684601366519928, 0.017155248671770096, 0.12798289954662323],
      conv2: [-0.027672816067934036, 0.044522300362586975, 0.006719104014337063],
      dense1: [0.012020330876111984, -0.0782366394996643, 0.08642467111349106],
      dense2: [-0.029722910374403, -0.15952293574810028, 0.15865926444530487],
      dense3: [-0.016865428537130356, 0.25133514404296875, 0.02960118278861046],
    });
  });

  it("biases are zero, and without a seed kernels are drawn at build (different each time, within the limit)", () => {
    const seeded = lenet({ seed: 42 });
    for (const w of seeded.weights.filter((w) => /bias$/.test(w.originalName))) {
      expect(Array.from(w.read().dataSync()).every((v) => v === 0)).toBe(true);
    }
    const [a, b] = [lenet(), lenet()].map((m) => m.getLayer("conv1").getWeights()[0].dataSync());
    expect(Array.from(a)).not.toEqual(Array.from(b));
    const limit = Math.sqrt(6 / (5 * 5 * 1 + 5 * 5 * 6)); // Glorot uniform: fan_in + fan_out of a 5x5 conv 1->6
    expect(Math.max(...Array.from(a, Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...Array.from(a, Math.abs))).toBeGreaterThan(limit / 2);
  });
});
