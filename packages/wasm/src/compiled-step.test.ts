import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { type CompiledStep, compileTrainingStep, type StepLayer } from "./compiled-step";
import { int, relativeError, rng, setupBackends, values } from "./testing/support";

beforeAll(setupBackends);

/** A Sequential's layers as a compiled step takes them (Reshape and Flatten move no values in NHWC). */
function stepLayers(model: tf.LayersModel): StepLayer[] {
  const out: StepLayer[] = [];
  for (const layer of model.layers) {
    const config = layer.getConfig();
    const name = layer.getClassName();
    const [kernel, bias] = layer.trainableWeights.map((w) => w.read());
    if (name === "Conv2D") {
      const padding = config.padding as "same" | "valid";
      const activation = config.activation as "linear";
      out.push({ type: "conv2d", filter: kernel, bias, padding, activation });
    } else if (name === "Dense") {
      out.push({ type: "dense", kernel, bias, activation: config.activation as "linear" });
    } else if (name === "AveragePooling2D") {
      out.push({ type: "avgPool2x2" });
    } else if (name === "Activation") {
      const previous = out.at(-1);
      if (previous?.type !== "conv2d" && previous?.type !== "dense")
        throw new Error("an activation after pooling");
      previous.activation = config.activation as "sigmoid";
    }
  }
  return out;
}

/** tfjs's gradients of the mean softmax cross-entropy, as @ln/train's batchGradients takes them. */
function tfjsGradients(model: tf.LayersModel, x: tf.Tensor, labels: tf.Tensor1D, classes: number) {
  return tf.tidy(() => {
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, classes), logits) as tf.Scalar;
    }, variables);
    return { loss: value.dataSync()[0], grads: variables.map((v) => grads[v.name].dataSync()) };
  });
}

function compiled(model: tf.LayersModel): CompiledStep {
  const step = compileTrainingStep(stepLayers(model), [28, 28, 1]);
  if ("reason" in step) throw new Error(step.reason);
  return step;
}

describe("compileTrainingStep", () => {
  it.each(["sigmoid", "relu"] as const)(
    "gives LeNet's (%s) loss and gradients as tfjs's step does",
    (activation) => {
      const model = lenet({ activation, seed: 3 });
      const n = 37; // not a multiple of any vector or tile width
      const r = rng(5);
      const x = tf.tensor2d(values(r, [n, 784]), [n, 784]);
      const labels = tf.tensor1d(
        Array.from({ length: n }, () => int(r, 0, 9)),
        "int32",
      );
      const step = compiled(model);
      expect(step.ready()).toBe(true);
      const want = tfjsGradients(model, x, labels, 10);
      const before = tf.memory().numTensors;
      const got = step.gradients(x, labels);
      expect(tf.memory().numTensors).toBe(before + got.grads.length);
      expect(got.loss).toBeCloseTo(want.loss, 5);
      const logits = model.predict(x) as tf.Tensor;
      const right = tf.tidy(
        () => tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labels), "int32")).dataSync()[0],
      );
      expect(got.correct).toBe(right);
      got.grads.forEach((g, i) => {
        expect(g.shape).toEqual(model.trainableWeights[i].shape);
        expect(relativeError(g.dataSync(), want.grads[i])).toBeLessThan(1e-4);
      });
      // Scaled as a shard's share: the gradients scale, the loss stays the mean.
      const half = step.gradients(x, labels, 0.5);
      expect(half.loss).toBeCloseTo(got.loss, 6);
      expect(
        relativeError(
          half.grads[0].dataSync(),
          got.grads[0].dataSync().map((v) => v / 2),
        ),
      ).toBeLessThan(1e-6);
      step.dispose();
      tf.dispose([x, labels, logits, ...got.grads, ...half.grads]);
      model.dispose();
    },
  );

  it("says why a net is not one it runs", () => {
    const filter = tf.zeros([5, 5, 1, 6]);
    const bias = tf.zeros([6]);
    const kernel = tf.zeros([10, 10]);
    const conv: StepLayer = { type: "conv2d", filter, bias, padding: "same", activation: "sigmoid" };
    expect(compileTrainingStep([conv], [28, 28, 1])).toEqual({
      reason: "the last layer is not a dense layer without activation (logits)",
    });
    expect(compileTrainingStep([conv], [28, 28, 3])).toEqual({
      reason: "layer 0: a conv2d filter of shape [5,5,1,6] on [28, 28, 3]",
    });
    const dense: StepLayer = { type: "dense", kernel, bias: tf.zeros([10]), activation: "linear" };
    expect(compileTrainingStep([conv, dense], [28, 28, 1])).toEqual({
      reason: "layer 1: a dense kernel of shape [10,10] on 4704 values",
    });
    expect(compileTrainingStep([{ type: "avgPool2x2" }, dense], [5, 5, 1])).toEqual({
      reason: "layer 0: 2x2 pooling on [5, 5, 1]",
    });
    tf.dispose([filter, bias, kernel]);
  });
});
