import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { FlexibleSequential, InputSizeError } from "./flexible-sequential";
import { lenet } from "./lenet";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("lenet", () => {
  it("has the seed's 61,706 parameters, layer by layer", () => {
    const net = lenet();
    // weights + biases of each layer, from the seed's nn.Sequential
    const conv1 = 5 * 5 * 1 * 6 + 6; // 156
    const conv2 = 5 * 5 * 6 * 16 + 16; // 2,416
    const dense1 = 16 * 5 * 5 * 120 + 120; // 48,120
    const dense2 = 120 * 84 + 84; // 10,164
    const dense3 = 84 * 10 + 10; // 850
    expect(conv1 + conv2 + dense1 + dense2 + dense3).toBe(61_706);
    expect(net.countParams()).toBe(61_706);
    expect(net.layers.map((l) => [l.name, l.countParams()])).toEqual([
      ["reshape", 0],
      ["conv1", conv1],
      ["sigmoid1", 0],
      ["pool1", 0],
      ["conv2", conv2],
      ["sigmoid2", 0],
      ["pool2", 0],
      ["flatten", 0],
      ["dense1", dense1],
      ["sigmoid3", 0],
      ["dense2", dense2],
      ["sigmoid4", 0],
      ["dense3", dense3],
    ]);
    expect(net).toBeInstanceOf(tf.Sequential);
  });

  it("uses the seed's layer types, with activations and pooling as layers of their own", () => {
    expect(lenet().layers.map((l) => l.getClassName())).toEqual([
      "Reshape",
      "Conv2D",
      "Activation",
      "AveragePooling2D",
      "Conv2D",
      "Activation",
      "AveragePooling2D",
      "Flatten",
      "Dense",
      "Activation",
      "Dense",
      "Activation",
      "Dense",
    ]);
    const variant = lenet({ activation: "relu", pooling: "max", numClasses: 3 });
    expect(variant.layers.filter((l) => l.getClassName() === "MaxPooling2D")).toHaveLength(2);
    expect(variant.layers.map((l) => l.name)).toContain("relu4");
    expect(variant.outputs[0].shape).toEqual([null, 3]);
    // 32x32 RGB: conv1 keeps 32, pool 16, conv2 12, pool 6: 6 * 6 * 16 features for dense1
    const rgb = lenet({ inputShape: [32, 32, 3] });
    expect(rgb.getLayer("conv1").countParams()).toBe(5 * 5 * 3 * 6 + 6);
    expect(rgb.getLayer("dense1").countParams()).toBe(6 * 6 * 16 * 120 + 120);
  });

  it("starts from Xavier-uniform kernels and zero biases, reproducibly with a seed", () => {
    const net = lenet({ seed: 7 });
    for (const layer of net.layers.filter((l) => l.countParams() > 0)) {
      const [kernel, bias] = layer.getWeights();
      const s = kernel.shape as number[];
      // conv kernels are [kh, kw, in, out]; dense kernels [in, out]
      const [fanIn, fanOut] = s.length === 4 ? [s[0] * s[1] * s[2], s[0] * s[1] * s[3]] : [s[0], s[1]];
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const values = kernel.dataSync();
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(limit);
      // uniform on [-limit, limit]: the spread is not a tiny constant
      expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(limit);
      expect([...bias.dataSync()].every((b) => b === 0)).toBe(true);
    }
    const again = lenet({ seed: 7 }).getWeights()[0].dataSync();
    expect([...again]).toEqual([...net.getWeights()[0].dataSync()]);
    expect([...lenet({ seed: 8 }).getWeights()[0].dataSync()]).not.toEqual([...again]);
  });

  it("takes [n,784], [n,28,28] and [n,28,28,1] in predict and apply, with equal results and no leaks", () => {
    const net = lenet({ seed: 1 });
    const images = tf.randomNormal([3, 28, 28, 1], 0, 1, "float32", 3);
    const forms = [images.reshape([3, 784]), images.reshape([3, 28, 28]), images];
    const reference = net.predict(images) as tf.Tensor;
    const expected = reference.arraySync();
    reference.dispose();
    const before = tf.memory().numTensors;
    for (const x of forms) {
      const byPredict = net.predict(x) as tf.Tensor;
      const byApply = net.apply(x) as tf.Tensor;
      expect(byPredict.shape).toEqual([3, 10]);
      expect(byPredict.arraySync()).toEqual(expected);
      expect(byApply.arraySync()).toEqual(expected);
      tf.dispose([byPredict, byApply]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(forms);
  });

  it("trains on flat input with fit and trainOnBatch, and leaks no reshaped copies", async () => {
    const net = lenet({ seed: 2, activation: "relu" });
    net.compile({ optimizer: tf.train.sgd(0.1), loss: "categoricalCrossentropy" });
    const x = tf.randomUniform([8, 784], 0, 1, "float32", 4);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32"), 10);
    const before = tf.memory().numTensors;
    const history = await net.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, validationData: [x, y] });
    expect(history.history.loss).toHaveLength(1);
    expect(history.history.val_loss).toHaveLength(1);
    const loss = await net.trainOnBatch(x.reshape([8, 28, 28]), y);
    expect(Number.isFinite(loss as number)).toBe(true);
    const score = net.evaluate(x, y) as tf.Scalar;
    expect(Number.isFinite(score.dataSync()[0])).toBe(true);
    score.dispose();
    // trainOnBatch's own x.reshape() above is the caller's tensor; fit/evaluate leave nothing
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 1);
    tf.dispose([x, y]);
  });

  it("round-trips through save and tf.loadLayersModel as a plain Sequential", async () => {
    const net = lenet({ seed: 5 });
    let saved: tf.io.ModelArtifacts | undefined;
    await net.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
    const topology = saved!.modelTopology as { class_name: string };
    expect(topology.class_name).toBe("Sequential");
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const x = tf.randomNormal([2, 28, 28, 1], 0, 1, "float32", 6);
    const a = net.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    const c = loaded.apply(x.reshape([2, 784])) as tf.Tensor;
    expect(b.arraySync()).toEqual(a.arraySync());
    expect(c.arraySync()).toEqual(a.arraySync());
    tf.dispose([x, a, b, c]);
  });

  it("rejects inputs without 784 values per example, naming the shapes it takes", () => {
    const net = lenet();
    for (const shape of [
      [2, 32, 32],
      [2, 32, 32, 1],
      [2, 783],
    ]) {
      const x = tf.zeros(shape);
      const before = tf.memory().numTensors;
      expect(() => net.predict(x)).toThrow(InputSizeError);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    }
    const x = tf.zeros([2, 32, 32]);
    expect(() => net.predict(x)).toThrow(
      "lenet: expected 784 values per example, shaped [n, 28, 28, 1] or any [n, ...] with 784 values " +
        "per example (such as [n, 784]); got a tensor of shape [2, 32, 32]",
    );
    x.dispose();
    // the same 784 values in another arrangement are reshaped too
    const column = tf.zeros([2, 784, 1]);
    const out = net.predict(column) as tf.Tensor;
    expect(out.shape).toEqual([2, 10]);
    tf.dispose([column, out]);
    expect(new InputSizeError("m", [1], [2]).name).toBe("InputSizeError");
    expect(net).toBeInstanceOf(FlexibleSequential);
  });

  it("rejects bad options with the valid values", () => {
    expect(() => lenet({ activation: "tanh" as "relu" })).toThrow(
      "lenet: activation must be 'sigmoid' or 'relu', got 'tanh'",
    );
    expect(() => lenet({ pooling: "min" as "max" })).toThrow("pooling must be 'avg' or 'max'");
    expect(() => lenet({ numClasses: 0 })).toThrow("numClasses must be a positive integer, got 0");
    expect(() => lenet({ inputShape: [28, 28] })).toThrow("inputShape must be [height, width, channels]");
  });
});
