import { LnConv2DBackpropFilterBias } from "@ln/wasm";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { useDevice } from "./index";
import { unfuseInputConvs } from "./input-convs";
import { relativeError } from "./testing/fixtures";

beforeAll(async () => {
  await useDevice("wasm");
});

/** LeNet's head on 12x12 inputs: reshape, conv on data, pool, conv on features, dense. */
function net() {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    layers: [
      tf.layers.reshape({ targetShape: [12, 12, 1], inputShape: [144] }),
      tf.layers.conv2d({
        filters: 3,
        kernelSize: 5,
        padding: "same",
        activation: "sigmoid",
        kernelInitializer: init(1),
        biasInitializer: "ones",
      }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: "relu", kernelInitializer: init(2) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, kernelInitializer: init(3) }),
    ],
  });
}

/** Loss, gradients and the kernels one gradient step ran. */
async function step(model: tf.LayersModel, x: tf.Tensor) {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let out: { loss: number; grads: number[][] } | undefined;
  const profile = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar,
      variables,
    );
    out = { loss: value.dataSync()[0], grads: variables.map((v) => Array.from(grads[v.name].dataSync())) };
    tf.dispose([value, grads]);
  });
  return { ...out!, kernels: profile.kernels.map((k) => k.name) };
}

describe("unfuseInputConvs", () => {
  it("gives the same loss and gradients without the first conv's unused input gradient", async () => {
    const model = net();
    const x = tf.randomUniform([8, 144], 0, 1, "float32", 5);
    const fused = await step(model, x);
    const restore = unfuseInputConvs(model);
    const plain = await step(model, x);
    expect(plain.loss).toBeCloseTo(fused.loss, 6);
    for (const [i, g] of plain.grads.entries())
      expect(relativeError(g, fused.grads[i]), `grad ${i}`).toBeLessThan(1e-5);
    // Fused: an input gradient for each conv; unfused first conv: only the second conv's is left.
    const count = (names: string[]) => names.filter((n) => n === "Conv2DBackpropInput").length;
    expect(count(fused.kernels)).toBe(2);
    expect(count(plain.kernels)).toBe(1);
    // The first conv and its bias in one fused kernel, as tfjs's own layer runs them: no separate add.
    // The first conv and its bias in one kernel, as the layer's own call runs them: no extra add.
    const adds = (names: string[]) => names.filter((n) => n === "Add").length;
    expect(adds(plain.kernels)).toBe(adds(fused.kernels));
    restore();
    expect(count((await step(model, x)).kernels)).toBe(2);
    expect(Object.hasOwn(model.layers[1], "call")).toBe(false);
    x.dispose();
  });

  // The first conv's filter and bias gradients: one @ln/wasm kernel on wasm (no Sum of its dy), tfjs's
  // Conv2DBackpropFilter and sum on a backend without it (cpu here, as tfjs-node and webgl).
  it.each([
    ["wasm", 1],
    ["cpu", 0],
  ] as const)(
    "takes the first conv's bias gradient with its filter's on %s where it can",
    async (backend, fused) => {
      const model = net();
      const x = tf.randomUniform([16, 144], 0, 1, "float32", 6);
      const stock = await step(model, x);
      const restore = unfuseInputConvs(model);
      try {
        await tf.setBackend(backend);
        const ours = await step(model, x);
        await tf.setBackend("wasm");
        for (const [i, g] of ours.grads.entries())
          expect(relativeError(g, stock.grads[i]), `${backend}: grad ${i}`).toBeLessThan(1e-5);
        const named = (names: string[], name: string) => names.filter((n) => n === name).length;
        expect(named(ours.kernels, LnConv2DBackpropFilterBias)).toBe(fused);
        expect(named(ours.kernels, "Conv2DBackpropFilter")).toBe(2 - fused);
        expect(named(ours.kernels, "Sum")).toBe(named(stock.kernels, "Sum") - fused);
        // Steady state: a step leaves no tensor behind.
        await tf.setBackend(backend);
        const before = tf.memory().numTensors;
        await step(model, x);
        await step(model, x);
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        await tf.setBackend("wasm");
        restore();
        x.dispose();
      }
    },
  );
});
