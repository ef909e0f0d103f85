import { alexnet, googlenet, lenet, resnet18 } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { formatTrace } from "./format-trace";
import { traceShapes } from "./trace";
import type { TraceRow } from "./trace-row";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Each row's output shape, as tfjs's own arithmetic gives it for the row's input. */
function computedShape(model: tf.LayersModel, row: TraceRow): number[] {
  const layer = model.getLayer(row.name);
  const input = row.inputShapes.length === 1 ? row.inputShapes[0] : row.inputShapes;
  return layer.computeOutputShape(input) as number[];
}

describe("traceShapes on LeNet", () => {
  const net = lenet({ seed: 1 });

  it("prints the book's NCHW shapes, line by line, like the seed's loop", () => {
    // d2l 7.6: X = torch.randn(1, 1, 28, 28); for layer in net: print(...)
    const expected = [
      "Reshape output shape:           [1, 1, 28, 28]",
      "Conv2D output shape:            [1, 6, 28, 28]",
      "Sigmoid output shape:           [1, 6, 28, 28]",
      "AveragePooling2D output shape:  [1, 6, 14, 14]",
      "Conv2D output shape:            [1, 16, 10, 10]",
      "Sigmoid output shape:           [1, 16, 10, 10]",
      "AveragePooling2D output shape:  [1, 16, 5, 5]",
      "Flatten output shape:           [1, 400]",
      "Dense output shape:             [1, 120]",
      "Sigmoid output shape:           [1, 120]",
      "Dense output shape:             [1, 84]",
      "Sigmoid output shape:           [1, 84]",
      "Dense output shape:             [1, 10]",
    ];
    const lines = formatTrace(traceShapes(net, [1, 28, 28, 1]), { layout: "NCHW" }).split("\n");
    expect(lines).toHaveLength(expected.length);
    for (const [i, line] of lines.entries()) expect(line).toBe(expected[i]);
  });

  it("returns rows with names, classes, NHWC shapes and parameters", () => {
    const rows = traceShapes(net, [1, 28, 28, 1]);
    expect(rows[1]).toEqual({
      index: 1,
      name: "conv1",
      className: "Conv2D",
      type: "Conv2D",
      depth: 1,
      outputShape: [1, 28, 28, 6],
      outputShapes: [[1, 28, 28, 6]],
      inputShapes: [[1, 28, 28, 1]],
      params: 156,
      trainableParams: 156,
      multAdds: 28 * 28 * 6 * 5 * 5 * 1,
    });
    expect(rows.map((r) => r.index)).toEqual([...rows.keys()]);
    expect(rows[2]).toMatchObject({ name: "sigmoid1", className: "Activation", type: "Sigmoid" });
    expect(rows.reduce((sum, r) => sum + r.params, 0)).toBe(61_706);
  });

  it("agrees with every layer's computeOutputShape", () => {
    for (const row of traceShapes(net, [2, 28, 28, 1])) {
      expect(row.outputShape).toEqual(computedShape(net, row));
    }
  });

  it("takes [1,784], [1,28,28] and a tensor of one's own, and leaks nothing", () => {
    const reference = traceShapes(net, [1, 28, 28, 1]).slice(1);
    const own = tf.randomNormal([1, 28, 28]);
    const before = tf.memory().numTensors;
    for (const input of [[1, 784], [1, 28, 28], own]) {
      const rows = traceShapes(net, input);
      expect(rows[0].outputShape).toEqual([1, 28, 28, 1]);
      expect(rows.slice(1)).toEqual(reference);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(own.isDisposed).toBe(false);
    own.dispose();
  });

  it("rejects a bad input shape or depth, naming what it takes", () => {
    expect(() => traceShapes(net, [1, 0, 28, 1])).toThrow(
      "traceShapes: inputShape must be positive integers with the batch axis first, such as [1, 28, 28, 1] (NHWC); got [1,0,28,1]",
    );
    expect(() => traceShapes(net, [1, 28, 28, 1], { depth: 0 })).toThrow("depth must be a positive integer");
    expect(() => traceShapes({} as tf.LayersModel, [1])).toThrow(
      "model must be a tf.Sequential or tf.LayersModel",
    );
    const unbuilt = tf.sequential({ name: "unbuilt" });
    expect(() => traceShapes(unbuilt, [1, 4])).toThrow("traceShapes: unbuilt has no input shape yet");
  });
});

describe("traceShapes on AlexNet", () => {
  let net: tf.Sequential;
  let rows: TraceRow[];
  let leaked: number;
  beforeAll(() => {
    net = alexnet({ seed: 1 });
    const before = tf.memory().numTensors;
    rows = traceShapes(net, [1, 224, 224, 1]); // one forward pass: seconds on the cpu backend
    leaked = tf.memory().numTensors - before;
  }, 120_000);

  it("gives the book's NCHW shapes from 1x1x224x224", () => {
    const nchw = (r: TraceRow) => formatTrace([r], { layout: "NCHW", align: false }).split(":  ")[1];
    // d2l 8.1's listing, without the activations and dropout (which keep the shape before them)
    const book = [
      "[1, 96, 54, 54]",
      "[1, 96, 26, 26]",
      "[1, 256, 26, 26]",
      "[1, 256, 12, 12]",
      "[1, 384, 12, 12]",
      "[1, 384, 12, 12]",
      "[1, 256, 12, 12]",
      "[1, 256, 5, 5]",
      "[1, 6400]",
      "[1, 4096]",
      "[1, 4096]",
      "[1, 10]",
    ];
    const shaped = rows.filter((r) => r.className !== "Activation" && r.className !== "Dropout");
    expect(shaped.map(nchw)).toEqual(book);
    rows.forEach((row, i) => {
      if (row.className === "Activation" || row.className === "Dropout") {
        expect(row.outputShape).toEqual(rows[i - 1].outputShape);
      }
    });
    expect(rows.map((r) => r.type).slice(0, 3)).toEqual(["Conv2D", "ReLU", "MaxPooling2D"]);
  });

  it("agrees with computeOutputShape, counts 46,764,746 parameters and leaks nothing", () => {
    for (const row of rows) expect(row.outputShape).toEqual(computedShape(net, row));
    expect(rows.reduce((sum, r) => sum + r.params, 0)).toBe(46_764_746);
    expect(leaked).toBe(0);
  });

  it("counts AlexNet's mult-adds as the hand arithmetic does", () => {
    const conv = (out: number, outC: number, k: number, inC: number) => out * out * outC * k * k * inC;
    const expected =
      conv(54, 96, 11, 1) + // 33,872,256
      conv(26, 256, 5, 96) + // 415,334,400
      conv(12, 384, 3, 256) + // 127,401,984
      conv(12, 384, 3, 384) + // 191,102,976
      conv(12, 256, 3, 384) + // 127,401,984
      6400 * 4096 + // 26,214,400
      4096 * 4096 + // 16,777,216
      4096 * 10; // 40,960
    expect(expected).toBe(938_146_176);
    expect(rows.reduce((sum, r) => sum + r.multAdds, 0)).toBe(expected);
  });
});

describe("traceShapes on functional and nested models", () => {
  // input -> [conv 1x1 | nested Sequential(conv 3x3, relu)] -> concatenate -> pool -> flatten -> dense
  function branchy() {
    const input = tf.input({ shape: [8, 8, 2], name: "image" });
    const left = tf.layers
      .conv2d({ name: "left", filters: 3, kernelSize: 1 })
      .apply(input) as tf.SymbolicTensor;
    const block = tf.sequential({
      name: "block",
      layers: [
        tf.layers.conv2d({
          name: "inner_conv",
          inputShape: [8, 8, 2],
          filters: 4,
          kernelSize: 3,
          padding: "same",
        }),
        tf.layers.batchNormalization({ name: "inner_bn" }),
        tf.layers.activation({ name: "inner_relu", activation: "relu" }),
      ],
    });
    const right = block.apply(input) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate({ name: "join" }).apply([left, right]) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({ name: "gap" }).apply(joined) as tf.SymbolicTensor;
    const output = tf.layers.dense({ name: "out", units: 5 }).apply(pooled) as tf.SymbolicTensor;
    return tf.model({ name: "branchy", inputs: input, outputs: output });
  }
  const model = branchy();

  it("walks the graph in topological order and expands the nested model", () => {
    const rows = traceShapes(model, [2, 8, 8, 2]);
    expect(rows.map((r) => [r.name, r.depth, r.outputShape])).toEqual([
      ["left", 1, [2, 8, 8, 3]],
      ["block", 1, [2, 8, 8, 4]],
      ["inner_conv", 2, [2, 8, 8, 4]],
      ["inner_bn", 2, [2, 8, 8, 4]],
      ["inner_relu", 2, [2, 8, 8, 4]],
      ["join", 1, [2, 8, 8, 7]],
      ["gap", 1, [2, 7]],
      ["out", 1, [2, 5]],
    ]);
    expect(rows[5].inputShapes).toEqual([
      [2, 8, 8, 3],
      [2, 8, 8, 4],
    ]);
    const block = rows[1];
    // conv 3*3*2*4 + 4, batch norm 4 * (gamma, beta, moving mean, moving variance)
    expect(block.params).toBe(3 * 3 * 2 * 4 + 4 + 4 * 4);
    expect(block.trainableParams).toBe(3 * 3 * 2 * 4 + 4 + 4 * 2);
    expect(block.multAdds).toBe(2 * 8 * 8 * 4 * 3 * 3 * 2);
    const lines = formatTrace(rows).split("\n");
    expect(lines[2]).toMatch(/^ {2}Conv2D output shape: +\[2, 8, 8, 4\]$/); // nested: indented
    // aligned: every shape starts in the column after the longest label and two spaces
    const column = "GlobalAveragePooling2D output shape:".length + 2;
    expect(lines.map((line) => line.indexOf("["))).toEqual(lines.map(() => column));
  });

  it("keeps a nested model as one row at depth 1, with its mult-adds, and leaks nothing", () => {
    const before = tf.memory().numTensors;
    const rows = traceShapes(model, [1, 8, 8, 2], { depth: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(rows.map((r) => r.name)).toEqual(["left", "block", "join", "gap", "out"]);
    expect(rows[1]).toMatchObject({ className: "Sequential", outputShape: [1, 8, 8, 4] });
    expect(rows[1].multAdds).toBe(8 * 8 * 4 * 3 * 3 * 2);
  });
});

describe("traceShapes on the zoo's functional models", () => {
  it("GoogLeNet: concatenated branches, in an order where every input is ready", () => {
    const net = googlenet({ inputShape: [32, 32, 1], widthDivisor: 8, seed: 1 });
    const before = tf.memory().numTensors;
    const rows = traceShapes(net, [1, 32, 32, 1]);
    expect(tf.memory().numTensors).toBe(before);
    // every layer but the input runs once
    expect(rows).toHaveLength(net.layers.length - 1);
    for (const row of rows) expect(row.outputShape).toEqual(computedShape(net, row));
    const concat = rows.find((r) => r.name === "inception3a_concat")!;
    // 64/8 + 128/8 + 32/8 + 32/8 channels from four branches
    expect(concat.inputShapes.map((s) => s[3])).toEqual([8, 16, 4, 4]);
    expect(concat.outputShape).toEqual([1, 4, 4, 32]);
    expect(rows.at(-1)!.outputShape).toEqual([1, 10]);
    expect(rows.reduce((sum, r) => sum + r.params, 0)).toBe(net.countParams());
  });

  it("ResNet-18: residual adds take the block's two paths", () => {
    const net = resnet18({ inputShape: [32, 32, 1], widthDivisor: 8, seed: 1 });
    const rows = traceShapes(net, [2, 32, 32, 1]);
    for (const row of rows) expect(row.outputShape).toEqual(computedShape(net, row));
    const add = rows.find((r) => r.name === "stage2_block1_add")!;
    expect(add.inputShapes).toEqual([
      [2, 4, 4, 16],
      [2, 4, 4, 16],
    ]);
    const names = rows.map((r) => r.name);
    expect(names.indexOf("stage2_block1_shortcut")).toBeLessThan(names.indexOf("stage2_block1_add"));
    expect(names.indexOf("stage2_block1_bn2")).toBeLessThan(names.indexOf("stage2_block1_add"));
  });
});
