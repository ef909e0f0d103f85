import { alexnet, lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { countMultAdds, countParams, layerMultAdds } from "./count";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("countParams", () => {
  it("counts every weight, or the trainable or non-trainable ones", () => {
    expect(countParams(lenet())).toBe(61_706);
    const bn = tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape: [5] })] });
    expect(countParams(bn)).toBe(20);
    expect(countParams(bn, { trainable: true })).toBe(10);
    expect(countParams(bn, { trainable: false })).toBe(10);
  });
});

describe("countMultAdds", () => {
  it("LeNet: out_h*out_w*out_c*k_h*k_w*in_c per conv, in*out per dense", () => {
    const conv1 = 28 * 28 * 6 * (5 * 5 * 1); // 117,600
    const conv2 = 10 * 10 * 16 * (5 * 5 * 6); // 240,000
    const dense = 400 * 120 + 120 * 84 + 84 * 10; // 58,920
    expect(countMultAdds(lenet(), [1, 28, 28, 1])).toBe(conv1 + conv2 + dense);
    expect(countMultAdds(lenet(), [4, 784])).toBe(4 * (conv1 + conv2 + dense)); // per traced batch
  });

  it("AlexNet without running it: 938,146,176 for 1x224x224x1", () => {
    const conv = (out: number, outC: number, k: number, inC: number) => out * out * outC * k * k * inC;
    const expected =
      conv(54, 96, 11, 1) +
      conv(26, 256, 5, 96) +
      conv(12, 384, 3, 256) +
      conv(12, 384, 3, 384) +
      conv(12, 256, 3, 384);
    const net = alexnet();
    expect(countMultAdds(net, [1, 224, 224, 1])).toBe(expected + 6400 * 4096 + 4096 * 4096 + 4096 * 10);
    net.dispose();
  });

  it("per layer: depthwise, separable and transposed convolutions", () => {
    const depthwise = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: "same" });
    depthwise.apply(tf.input({ shape: [8, 8, 4] }));
    // each of the 8*8*(4*2) outputs reads a 3x3 window
    expect(layerMultAdds(depthwise, [[1, 8, 8, 4]], [[1, 8, 8, 8]])).toBe(8 * 8 * 8 * 3 * 3);
    const separable = tf.layers.separableConv2d({ filters: 5, kernelSize: 3, padding: "same" });
    separable.apply(tf.input({ shape: [8, 8, 4] }));
    expect(layerMultAdds(separable, [[1, 8, 8, 4]], [[1, 8, 8, 5]])).toBe(8 * 8 * (3 * 3 * 4 + 4 * 5));
    const transposed = tf.layers.conv2dTranspose({ filters: 3, kernelSize: 2, strides: 2 });
    transposed.apply(tf.input({ shape: [4, 4, 6] }));
    expect(layerMultAdds(transposed, [[1, 4, 4, 6]], [[1, 8, 8, 3]])).toBe(4 * 4 * 2 * 2 * 6 * 3);
    const pool = tf.layers.maxPooling2d({ poolSize: 2 });
    expect(layerMultAdds(pool, [[1, 8, 8, 4]], [[1, 4, 4, 4]])).toBe(0);
  });
});
