import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { ShapeError } from "./shape-error";
import { summarize, summary } from "./summary";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("summary", () => {
  const net = lenet({ seed: 3 });

  it("gives LeNet's totals and torchinfo's memory estimate", () => {
    const s = summarize(net, { inputShape: [1, 28, 28, 1] });
    expect(s.totalParams).toBe(61_706);
    expect(s.trainableParams).toBe(61_706);
    expect(s.nonTrainableParams).toBe(0);
    // conv1 + conv2 + dense1 + dense2 + dense3, as out_h*out_w*out_c*k_h*k_w*in_c and in*out
    expect(s.multAdds).toBe(
      28 * 28 * 6 * 5 * 5 * 1 + 10 * 10 * 16 * 5 * 5 * 6 + 400 * 120 + 120 * 84 + 84 * 10,
    );
    expect(s.multAdds).toBe(416_520);
    expect(s.inputBytes).toBe(28 * 28 * 4);
    // torchinfo: outputs of the layers that hold parameters, float32, times 2 for gradients
    expect(s.forwardBackwardBytes).toBe((28 * 28 * 6 + 10 * 10 * 16 + 120 + 84 + 10) * 4 * 2);
    expect(s.paramBytes).toBe(61_706 * 4);
    expect(s.totalBytes).toBe(s.inputBytes + s.forwardBackwardBytes + s.paramBytes);
    expect(s.outputShape).toEqual([1, 10]);
  });

  it("prints a torchinfo table: one row per layer, then totals and memory in MB", () => {
    const lines = summary(net, { inputShape: [1, 28, 28, 1], layout: "NCHW" }).split("\n");
    const rule = lines[0];
    expect(rule).toMatch(/^=+$/);
    expect(lines[1]).toMatch(/^Layer \(type:depth-idx\) +Output Shape \(NCHW\) +Param # +Mult-Adds$/);
    const row = (name: string) => lines.find((l) => l.startsWith(name))?.split(/\s{2,}/);
    expect(row("lenet (Sequential)")).toEqual(["lenet (Sequential)", "[1, 10]", "--", "--"]);
    expect(row("├─conv1 (Conv2D): 1-2")).toEqual([
      "├─conv1 (Conv2D): 1-2",
      "[1, 6, 28, 28]",
      "156",
      "117,600",
    ]);
    expect(row("├─sigmoid1 (Sigmoid): 1-3")).toEqual([
      "├─sigmoid1 (Sigmoid): 1-3",
      "[1, 6, 28, 28]",
      "--",
      "--",
    ]);
    expect(row("├─dense1 (Dense): 1-9")).toEqual(["├─dense1 (Dense): 1-9", "[1, 120]", "48,120", "48,000"]);
    expect(lines.filter((l) => l.startsWith("├─"))).toHaveLength(13);
    expect(lines.slice(-11)).toEqual([
      rule,
      "Total params: 61,706",
      "Trainable params: 61,706",
      "Non-trainable params: 0",
      "Total mult-adds (K): 416.52",
      rule,
      "Input size (MB): 0.00",
      "Forward/backward pass size (MB): 0.05",
      "Params size (MB): 0.25",
      "Estimated Total Size (MB): 0.30",
      rule,
    ]);
    // every column lines up: the table is as wide as the rule
    for (const line of lines.slice(3, 17)) expect(line.length).toBeLessThanOrEqual(rule.length);
  });

  it("counts batch-norm statistics as non-trainable and expands nested models to depth", () => {
    const inner = tf.sequential({
      name: "features",
      layers: [
        tf.layers.conv2d({ name: "conv", inputShape: [6, 6, 1], filters: 2, kernelSize: 3 }),
        tf.layers.batchNormalization({ name: "bn" }),
      ],
    });
    const outer = tf.sequential({
      name: "outer",
      layers: [inner, tf.layers.flatten({ name: "flat" }), tf.layers.dense({ name: "fc", units: 3 })],
    });
    const deep = summarize(outer, { inputShape: [1, 6, 6, 1] });
    const conv = 3 * 3 * 1 * 2 + 2;
    const fc = 4 * 4 * 2 * 3 + 3;
    expect(deep.totalParams).toBe(conv + 2 * 4 + fc);
    expect(deep.nonTrainableParams).toBe(2 * 2); // moving mean and variance
    expect(deep.multAdds).toBe(4 * 4 * 2 * 3 * 3 * 1 + 32 * 3);
    expect(deep.rows.map((r) => `${r.depth}:${r.name}`)).toEqual([
      "1:features",
      "2:conv",
      "2:bn",
      "1:flat",
      "1:fc",
    ]);
    const text = summary(outer, { inputShape: [1, 6, 6, 1] });
    expect(text).toMatch(/\n│ {4}└─conv \(Conv2D\): 2-1 /);
    expect(text).toMatch(/\n├─fc \(Dense\): 1-3 /);
    const shallow = summarize(outer, { inputShape: [1, 6, 6, 1], depth: 1 });
    expect(shallow.rows.map((r) => r.name)).toEqual(["features", "flat", "fc"]);
    expect(shallow.multAdds).toBe(deep.multAdds);
    // batch-norm output bytes count: it holds parameters
    expect(deep.forwardBackwardBytes).toBe((32 + 32 + 3) * 4 * 2);
  });

  it("takes the model's own input shape (batch 1) when none is given, as Keras does", () => {
    expect(summary(net)).toBe(summary(net, { inputShape: [1, 28, 28, 1] }));
    const input = tf.input({ shape: [null, null, 1] });
    const open = tf.model({
      inputs: input,
      outputs: tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor,
    });
    expect(() => summary(open)).toThrow(
      /input shape is \[n, \?, \?, 1\]; pass \{ inputShape \} with the batch axis/,
    );
    expect(summarize(open, { inputShape: [1, 5, 5, 1] }).outputShape).toEqual([1, 1]);
  });

  it("throws on bad options, and ShapeError when the input does not fit", () => {
    expect(() => summary(net, null as never)).toThrow("summary: options must be an object");
    expect(() => summary(net, { inputShape: [1, 28, 28, 1], layout: "CHW" as "NCHW" })).toThrow(
      "summary: layout must be 'NHWC' or 'NCHW', got 'CHW'",
    );
    expect(() => summary(net, { inputShape: [1, 30, 30, 1] })).toThrow(ShapeError);
  });
});
