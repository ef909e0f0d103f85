import { alexnet, lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { ShapeError } from "./shape-error";
import { traceShapes } from "./trace";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Runs `fn`, which must throw a ShapeError, and returns it. */
function shapeErrorOf(fn: () => unknown): ShapeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ShapeError);
    return error as ShapeError;
  }
  throw new Error("expected a ShapeError, but nothing was thrown");
}

// tfjs's output size of a window: 'valid' ceil((n - k + 1) / s), 'same' ceil(n / s)
const valid = (n: number, k: number, s: number) => Math.ceil((n - k + 1) / s);
const same = (n: number, s: number) => Math.ceil(n / s);
/** AlexNet's side after each layer that changes it, from a square input side. */
function alexSides(side: number) {
  const conv1 = valid(side, 11, 4);
  const pool1 = valid(conv1, 3, 2);
  const conv2 = same(pool1, 1);
  const pool2 = valid(conv2, 3, 2);
  const pool3 = valid(pool2, 3, 2); // conv3..5 are 'same', stride 1
  return [conv1, pool1, conv2, pool2, pool3];
}

describe("ShapeError", () => {
  const net = alexnet({ seed: 1 });

  it("AlexNet at 28x28 fails inside the trace, with the table so far and what to change", () => {
    const before = tf.memory().numTensors;
    const error = shapeErrorOf(() => traceShapes(net, [1, 28, 28, 1]));
    expect(tf.memory().numTensors).toBe(before);
    expect(error.name).toBe("ShapeError");
    expect(error.rows.map((r) => [r.name, r.outputShape])).toEqual([
      ["conv1", [1, 5, 5, 96]],
      ["relu1", [1, 5, 5, 96]],
      ["pool1", [1, 2, 2, 96]],
      ["conv2", [1, 2, 2, 256]],
      ["relu2", [1, 2, 2, 256]],
    ]);
    expect(error.layer).toEqual({ index: 5, name: "pool2", className: "MaxPooling2D", depth: 1 });
    expect(error.inputShape).toEqual([1, 2, 2, 256]);
    expect(error.expected).toBe("height and width of at least 3x3 (pool 3x3, stride 2x2, padding 'valid')");

    // The smallest side every window leaves something of, and the sides whose last pool
    // gives the 5x5x256 = 6400 features dense1 takes, by the arithmetic above.
    const sides = Array.from({ length: 400 }, (_, i) => i + 1);
    const least = sides.find((s) => alexSides(s).every((d) => d >= 1));
    const fitting = sides.filter((s) => alexSides(s)[4] === 5);
    expect(least).toBe(67);
    expect(error.hint).toBe(
      `28x28 is too small: the layers shrink anything under ${least}x${least} to nothing, and only ` +
        `${fitting[0]}x${fitting[0]} to ${fitting.at(-1)}x${fitting.at(-1)} fit all of its layers: ` +
        "resize to 224x224, use resize: 224 (the size alexnet was built for)",
    );
    const lines = error.message.split("\n");
    expect(lines[0]).toBe(
      "alexnet cannot take input [1, 28, 28, 1]: layer 5 'pool2' (MaxPooling2D) needs height and width " +
        "of at least 3x3 (pool 3x3, stride 2x2, padding 'valid'), got [1, 2, 2, 256].",
    );
    expect(lines.slice(2, 8)).toEqual([
      "Traced so far (NHWC):",
      "  0  conv1  Conv2D        [1, 5, 5, 96]",
      "  1  relu1  ReLU          [1, 5, 5, 96]",
      "  2  pool1  MaxPooling2D  [1, 2, 2, 96]",
      "  3  conv2  Conv2D        [1, 2, 2, 256]",
      "  4  relu2  ReLU          [1, 2, 2, 256]",
    ]);
    expect(lines.slice(8)).toEqual([
      "Failed at layer 5 'pool2' (MaxPooling2D)",
      "  input:  [1, 2, 2, 256]",
      `  needed: ${error.expected}`,
      `  fix:    ${error.hint}`,
    ]);
  });

  it("names the dense layer when the convolutions fit but the features do not", () => {
    const error = shapeErrorOf(() => traceShapes(net, [1, 100, 100, 1]));
    const last = alexSides(100)[4];
    expect(error.layer.name).toBe("dense1");
    expect(error.inputShape).toEqual([1, last * last * 256]);
    expect(error.expected).toBe("6400 features in the last axis");
    expect(error.hint).toMatch(/use resize: 224/);
    expect(error.hint).not.toMatch(/too small/);
  });

  it("a wrong rank: says which axes are missing", () => {
    const noChannel = shapeErrorOf(() => traceShapes(net, [1, 224, 224]));
    expect(noChannel.layer.name).toBe("conv1");
    expect(noChannel.rows).toEqual([]);
    expect(noChannel.expected).toBe("rank 4: [batch, height, width, channels]");
    expect(noChannel.hint).toBe("reshape the input to [1, 224, 224, 1] (x.reshape([1, 224, 224, 1]))");
    expect(noChannel.message).toMatch(/Nothing traced: the first layer failed/);
    const noBatch = shapeErrorOf(() => traceShapes(net, [224, 224, 1]));
    expect(noBatch.hint).toBe("add the batch axis: use [1, 224, 224, 1] (x.expandDims(0))");
  });

  it("a wrong channel count: RGB, or NCHW from PyTorch habits", () => {
    const rgb = shapeErrorOf(() => traceShapes(net, [1, 224, 224, 3]));
    expect(rgb.expected).toBe("1 channel in the last axis (NHWC)");
    expect(rgb.hint).toBe(
      "feed 1-channel images (tf.image.rgbToGrayscale turns RGB into 1 channel), " +
        "or build the model for 3 channels (inputShape [224, 224, 3])",
    );
    const nchw = shapeErrorOf(() => traceShapes(net, [1, 1, 224, 224]));
    expect(nchw.hint).toBe(
      "this looks like NCHW (channels first), but tfjs layers take NHWC (channels last): " +
        "x.transpose([0, 2, 3, 1]) turns [1, 1, 224, 224] into [1, 224, 224, 1]",
    );
  });

  it("LeNet at 32x32: its Reshape cannot take 1024 values, and tfjs's reason is kept", () => {
    const net = lenet();
    const before = tf.memory().numTensors;
    const error = shapeErrorOf(() => traceShapes(net, [1, 32, 32, 1]));
    expect(tf.memory().numTensors).toBe(before);
    expect(error.layer).toMatchObject({ index: 0, name: "reshape", className: "Reshape" });
    expect(error.expected).toBe("784 values per example, to reshape them to [28, 28, 1]");
    expect(error.hint).toBe(
      "only 28x28 fits all of its layers: resize to 28x28, use resize: 28 (the size lenet was built for)",
    );
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toMatch(/ {2}tfjs: {3}.+/);
  });

  it("a model of global pooling takes any size from a minimum", () => {
    const model = tf.sequential({
      name: "gap_net",
      layers: [
        tf.layers.conv2d({ inputShape: [32, 32, 1], filters: 2, kernelSize: 5, name: "c" }),
        tf.layers.maxPooling2d({ poolSize: 2, name: "p" }),
        tf.layers.globalAveragePooling2d({ name: "g" }),
      ],
    });
    const error = shapeErrorOf(() => traceShapes(model, [1, 4, 4, 1]));
    expect(error.layer.name).toBe("c");
    // 5x5 kernel then 2x2 pool: side - 4 >= 2, so 6x6 is the least
    expect(error.hint).toBe(
      "4x4 is too small: the layers shrink anything under 6x6 to nothing; " +
        "resize to at least 6x6; it was built for 32x32 (use resize: 32)",
    );
  });
});
