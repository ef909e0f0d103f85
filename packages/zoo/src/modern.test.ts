import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { googlenet } from "./googlenet";
import { lenetBN } from "./lenet-bn";
import { nin } from "./nin";
import { resnet18 } from "./resnet";
import { vgg11 } from "./vgg";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

// Parameter arithmetic, written out independently of the models' code.
const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + cout;
const dense = (fin: number, fout: number) => fin * fout + fout;
const bn = (c: number) => 4 * c; // gamma, beta, moving mean, moving variance

/** Runs a small batch through the model and returns the output shape; checks for leaks. */
function forwardShape(model: tf.LayersModel, batch: number[]): number[] {
  const before = tf.memory().numTensors;
  const shape = tf.tidy(() => (model.predict(tf.randomNormal(batch)) as tf.Tensor).shape);
  expect(tf.memory().numTensors).toBe(before);
  return shape;
}

describe("vgg11", () => {
  it("d2l's narrow VGG-11 (widthDivisor 4) for 224x224x1: parameters and block shapes", () => {
    const net = vgg11({ widthDivisor: 4 });
    const convs =
      conv(3, 1, 16) +
      conv(3, 16, 32) +
      conv(3, 32, 64) +
      conv(3, 64, 64) +
      conv(3, 64, 128) +
      conv(3, 128, 128) +
      conv(3, 128, 128) +
      conv(3, 128, 128);
    const dense3 = dense(7 * 7 * 128, 4096) + dense(4096, 4096) + dense(4096, 10);
    expect(net.countParams()).toBe(convs + dense3);
    expect([1, 2, 3, 4, 5].map((b) => net.getLayer(`block${b}_pool`).outputShape)).toEqual([
      [null, 112, 112, 16],
      [null, 56, 56, 32],
      [null, 28, 28, 64],
      [null, 14, 14, 128],
      [null, 7, 7, 128],
    ]);
    net.dispose();
  });

  it("full width by default; runs small", () => {
    const net = vgg11({ inputShape: [32, 32, 1], widthDivisor: 8, denseUnits: 16, numClasses: 3 });
    expect(forwardShape(net, [2, 32, 32, 1])).toEqual([2, 3]);
    const full = vgg11({ inputShape: [32, 32, 1], denseUnits: 4 });
    expect(full.getLayer("block5_conv2").getConfig().filters).toBe(512);
    expect(() => vgg11({ widthDivisor: 0 })).toThrow("vgg11: widthDivisor must be a positive integer, got 0");
  });
});

describe("nin", () => {
  it("d2l's NiN for 224x224x1: parameters and shapes", () => {
    const net = nin();
    const block = (k: number, cin: number, c: number) => conv(k, cin, c) + 2 * conv(1, c, c);
    expect(net.countParams()).toBe(
      block(11, 1, 96) + block(5, 96, 256) + block(3, 256, 384) + block(3, 384, 10),
    );
    // d2l 8.3's listing, NHWC
    expect(
      [
        "nin1_mlp2_relu",
        "pool1",
        "nin2_mlp2_relu",
        "pool2",
        "nin3_mlp2_relu",
        "pool3",
        "nin4_mlp2_relu",
        "global_pool",
      ].map((n) => net.getLayer(n).outputShape),
    ).toEqual([
      [null, 54, 54, 96],
      [null, 26, 26, 96],
      [null, 26, 26, 256],
      [null, 12, 12, 256],
      [null, 12, 12, 384],
      [null, 5, 5, 384],
      [null, 5, 5, 10],
      [null, 10],
    ]);
    net.dispose();
    expect(forwardShape(nin({ inputShape: [96, 96, 1], widthDivisor: 8 }), [1, 96, 96, 1])).toEqual([1, 10]);
  });
});

describe("googlenet", () => {
  const inception = (cin: number, c1: number, c2: [number, number], c3: [number, number], c4: number) => ({
    params:
      conv(1, cin, c1) +
      conv(1, cin, c2[0]) +
      conv(3, c2[0], c2[1]) +
      conv(1, cin, c3[0]) +
      conv(5, c3[0], c3[1]) +
      conv(1, cin, c4),
    out: c1 + c2[1] + c3[1] + c4,
  });

  it("d2l's GoogLeNet for 96x96x1: parameters and stage shapes", () => {
    const net = googlenet();
    let params = conv(7, 1, 64) + conv(1, 64, 64) + conv(3, 64, 192);
    let channels = 192;
    const blocks: Array<[number, [number, number], [number, number], number]> = [
      [64, [96, 128], [16, 32], 32],
      [128, [128, 192], [32, 96], 64],
      [192, [96, 208], [16, 48], 64],
      [160, [112, 224], [24, 64], 64],
      [128, [128, 256], [24, 64], 64],
      [112, [144, 288], [32, 64], 64],
      [256, [160, 320], [32, 128], 128],
      [256, [160, 320], [32, 128], 128],
      [384, [192, 384], [48, 128], 128],
    ];
    for (const b of blocks) {
      const block = inception(channels, ...b);
      params += block.params;
      channels = block.out;
    }
    expect(channels).toBe(1024);
    expect(net.countParams()).toBe(params + dense(1024, 10));
    // d2l 8.4's listing: 64x24x24, 192x12x12, 480x6x6, 832x3x3, 1024, 10 (NHWC here)
    expect(
      ["stem_pool1", "stem_pool2", "stage3_pool", "stage4_pool", "global_pool", "dense"].map(
        (n) => net.getLayer(n).outputShape,
      ),
    ).toEqual([
      [null, 24, 24, 64],
      [null, 12, 12, 192],
      [null, 6, 6, 480],
      [null, 3, 3, 832],
      [null, 1024],
      [null, 10],
    ]);
    net.dispose();
    expect(forwardShape(googlenet({ inputShape: [32, 32, 1], widthDivisor: 8 }), [2, 32, 32, 1])).toEqual([
      2, 10,
    ]);
  });
});

describe("resnet18", () => {
  it("d2l's ResNet-18 for 1 channel: parameters (batch-norm statistics included) and stage shapes", () => {
    const net = resnet18({ inputShape: [224, 224, 1] });
    const residual = (cin: number, c: number, project: boolean) =>
      conv(3, cin, c) + bn(c) + conv(3, c, c) + bn(c) + (project ? conv(1, cin, c) : 0);
    const stages =
      residual(64, 64, false) * 2 +
      residual(64, 128, true) +
      residual(128, 128, false) +
      residual(128, 256, true) +
      residual(256, 256, false) +
      residual(256, 512, true) +
      residual(512, 512, false);
    const total = conv(7, 1, 64) + bn(64) + stages + dense(512, 10);
    expect(net.countParams()).toBe(total);
    // the moving statistics are the non-trainable part: 2 per batch-norm channel
    const bnChannels = 64 + 4 * 64 + 4 * 128 + 4 * 256 + 4 * 512;
    const trainable = net.trainableWeights.reduce(
      (sum, w) => sum + (w.shape as number[]).reduce((a, b) => a * b, 1),
      0,
    );
    expect(trainable).toBe(total - 2 * bnChannels);
    // d2l 8.6's listing for 224: 64x56x56, 64x56x56, 128x28x28, 256x14x14, 512x7x7
    expect(
      [
        "stem_pool",
        "stage1_block2_relu2",
        "stage2_block2_relu2",
        "stage3_block2_relu2",
        "stage4_block2_relu2",
      ].map((n) => net.getLayer(n).outputShape),
    ).toEqual([
      [null, 56, 56, 64],
      [null, 56, 56, 64],
      [null, 28, 28, 128],
      [null, 14, 14, 256],
      [null, 7, 7, 512],
    ]);
    net.dispose();
    expect(forwardShape(resnet18({ inputShape: [32, 32, 1], widthDivisor: 8 }), [2, 32, 32, 1])).toEqual([
      2, 10,
    ]);
  });
});

describe("lenetBN", () => {
  it("d2l's LeNet with batch norm: parameters, and flat input", () => {
    const net = lenetBN();
    const expected =
      conv(5, 1, 6) +
      bn(6) +
      conv(5, 6, 16) +
      bn(16) +
      dense(16 * 4 * 4, 120) +
      bn(120) +
      dense(120, 84) +
      bn(84) +
      dense(84, 10);
    expect(expected).toBe(45_330);
    expect(net.countParams()).toBe(expected);
    expect(net.getLayer("flatten").outputShape).toEqual([null, 256]);
    expect(forwardShape(net, [3, 784])).toEqual([3, 10]);
    expect(net.getLayer("bn1").getConfig()).toMatchObject({ momentum: 0.9, epsilon: 1e-5 });
  });
});
