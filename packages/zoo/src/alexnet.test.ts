import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { alexnet } from "./alexnet";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("alexnet", () => {
  // One model for the file: 46.7M weights take a moment to initialize on the cpu backend.
  let net: tf.Sequential;
  beforeAll(() => {
    net = alexnet({ seed: 1 });
  });

  it("has the seed's 46,764,746 parameters, layer by layer", () => {
    const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + cout;
    const dense = (fin: number, fout: number) => fin * fout + fout;
    const expected = {
      conv1: conv(11, 1, 96), // 11,712
      conv2: conv(5, 96, 256), // 614,656
      conv3: conv(3, 256, 384), // 885,120
      conv4: conv(3, 384, 384), // 1,327,488
      conv5: conv(3, 384, 256), // 884,992
      dense1: dense(256 * 5 * 5, 4096), // 26,218,496
      dense2: dense(4096, 4096), // 16,781,312
      dense3: dense(4096, 10), // 40,970
    };
    const sum = Object.values(expected).reduce((a, b) => a + b, 0);
    expect(sum).toBe(46_764_746);
    expect(net.countParams()).toBe(46_764_746);
    const withParams = Object.fromEntries(
      net.layers.filter((l) => l.countParams() > 0).map((l) => [l.name, l.countParams()]),
    );
    expect(withParams).toEqual(expected);
  });

  it("follows the seed's layer order and computes the book's shapes for 224x224x1", () => {
    expect(net.layers.map((l) => `${l.name}:${l.getClassName()}`)).toEqual([
      "conv1:Conv2D",
      "relu1:Activation",
      "pool1:MaxPooling2D",
      "conv2:Conv2D",
      "relu2:Activation",
      "pool2:MaxPooling2D",
      "conv3:Conv2D",
      "relu3:Activation",
      "conv4:Conv2D",
      "relu4:Activation",
      "conv5:Conv2D",
      "relu5:Activation",
      "pool3:MaxPooling2D",
      "flatten:Flatten",
      "dense1:Dense",
      "relu6:Activation",
      "dropout1:Dropout",
      "dense2:Dense",
      "relu7:Activation",
      "dropout2:Dropout",
      "dense3:Dense",
    ]);
    expect(net.inputs[0].shape).toEqual([null, 224, 224, 1]);
    expect(net.getLayer("conv1").outputShape).toEqual([null, 54, 54, 96]);
    expect(net.getLayer("pool3").outputShape).toEqual([null, 5, 5, 256]);
    expect(net.getLayer("flatten").outputShape).toEqual([null, 6400]);
    expect(net.getLayer("dropout1").getConfig().rate).toBe(0.5);
  });

  it("builds for other sizes and class counts, and rejects bad options", () => {
    const small = alexnet({ inputShape: [227, 227, 3], numClasses: 5, dropout: 0.2 });
    // 227 -> conv1 55 -> pool 27 -> pool 13 -> pool 6: 6 * 6 * 256 features
    expect(small.getLayer("flatten").outputShape).toEqual([null, 6 * 6 * 256]);
    expect(small.outputs[0].shape).toEqual([null, 5]);
    expect(small.getLayer("dropout2").getConfig().rate).toBe(0.2);
    small.dispose();
    expect(() => alexnet({ dropout: 1 })).toThrow("alexnet: dropout must be a number in [0, 1), got 1");
    expect(() => alexnet({ inputShape: [224, 224, 0] })).toThrow("inputShape must be");
  });
});
