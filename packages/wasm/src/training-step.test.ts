import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { relativeError, rng, setupBackends, values } from "./testing/support";

beforeAll(setupBackends);

/** A small net that touches every training kernel we replace or add: padding + a
 * strided conv (AlexNet's stem), 'same' and 'valid' convs, both poolings, batch norm,
 * a 1-input-channel first layer, dense layers. */
function smallNet(): tf.LayersModel {
  const L = tf.layers;
  return tf.sequential({
    layers: [
      L.zeroPadding2d({ padding: 1, inputShape: [14, 14, 1] }),
      L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: "valid" }),
      L.activation({ activation: "relu" }),
      // No bias before batch norm: its true gradient is 0, and Adam would turn the
      // rounding noise of either backend into full-size steps.
      L.conv2d({ filters: 6, kernelSize: 3, padding: "same", useBias: false }),
      L.batchNormalization({}),
      L.activation({ activation: "sigmoid" }),
      L.averagePooling2d({ poolSize: 2, strides: 2 }),
      L.conv2d({ filters: 5, kernelSize: 2, padding: "valid", activation: "relu" }),
      L.maxPooling2d({ poolSize: 2, strides: 1 }),
      L.flatten(),
      L.dense({ units: 12, activation: "sigmoid" }),
      L.dense({ units: 10 }),
    ],
  });
}

/** ResNet's downsampling block (strided 3x3 + strided 1x1 shortcut, batch norm, add)
 * feeding GoogLeNet-style parallel branches joined by concat, then global pooling. */
function branchyNet(): tf.LayersModel {
  const L = tf.layers;
  const input = tf.input({ shape: [14, 14, 1] });
  const stem = L.conv2d({ filters: 4, kernelSize: 3, padding: "same", activation: "relu" }).apply(
    input,
  ) as tf.SymbolicTensor;
  let main = L.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: "same", useBias: false }).apply(
    stem,
  ) as tf.SymbolicTensor;
  main = L.batchNormalization({}).apply(main) as tf.SymbolicTensor;
  const shortcut = L.conv2d({ filters: 6, kernelSize: 1, strides: 2 }).apply(stem) as tf.SymbolicTensor;
  const sum = L.activation({ activation: "relu" }).apply(
    L.add().apply([main, shortcut]) as tf.SymbolicTensor,
  );
  const b1 = L.conv2d({ filters: 3, kernelSize: 1, activation: "relu" }).apply(sum as tf.SymbolicTensor);
  const b2 = L.conv2d({ filters: 3, kernelSize: 5, padding: "same", activation: "relu" }).apply(
    sum as tf.SymbolicTensor,
  );
  const b3 = L.maxPooling2d({ poolSize: 3, strides: 1, padding: "same" }).apply(sum as tf.SymbolicTensor);
  const cat = L.concatenate({ axis: -1 }).apply([b1, b2, b3] as tf.SymbolicTensor[]) as tf.SymbolicTensor;
  const pooled = L.globalAveragePooling2d({}).apply(cat) as tf.SymbolicTensor;
  const out = L.dense({ units: 10 }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const batch = 4;
const r = rng(21);
const xs = values(r, [batch, 14, 14, 1]);
const labels = [3, 1, 4, 1];

/** Builds the net with fixed weights, takes `steps` steps, returns the weights and
 * the tensor/data-id counts after each step. */
async function train(backend: string, optimizerName: "sgd" | "adam", steps: number, build = smallNet) {
  await tf.setBackend(backend);
  const model = build();
  const wr = rng(22);
  model.setWeights(model.getWeights().map((w) => tf.tensor(values(wr, w.shape), w.shape)));
  const optimizer = optimizerName === "sgd" ? tf.train.sgd(0.5) : tf.train.adam(0.01);
  const x = tf.tensor4d(xs, [batch, 14, 14, 1]);
  const y = tf.tensor1d(labels, "int32");
  const counts: { tensors: number; dataIds: number }[] = [];
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      optimizer.minimize(() => {
        const logits = model.apply(x, { training: true }) as tf.Tensor;
        return tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), logits) as tf.Scalar;
      });
    });
    counts.push({ tensors: tf.memory().numTensors, dataIds: tf.engine().backend.numDataIds() });
  }
  const weights = model.getWeights().map((w) => w.dataSync().slice());
  x.dispose();
  y.dispose();
  model.dispose();
  optimizer.dispose();
  return { weights, counts };
}

describe("a training step on wasm", () => {
  for (const opt of ["sgd", "adam"] as const) {
    it(`matches cpu after 3 ${opt} steps`, async () => {
      const cpu = await train("cpu", opt, 3);
      const wasm = await train("wasm", opt, 3);
      expect(wasm.weights.length).toBe(cpu.weights.length);
      for (let i = 0; i < cpu.weights.length; i++) {
        expect(relativeError(wasm.weights[i], cpu.weights[i]), `weight ${i}`).toBeLessThan(1e-4);
      }
    });

    it(`leaks no tensors and no wasm memory per ${opt} step`, async () => {
      const { counts } = await train("wasm", opt, 4);
      // Step 1 creates the optimizer's slots; from then on every step is neutral.
      expect(counts[2]).toEqual(counts[1]);
      expect(counts[3]).toEqual(counts[1]);
    });
  }

  it("matches cpu on a residual block with a strided shortcut and concatenated branches (SGD)", async () => {
    const cpu = await train("cpu", "sgd", 2, branchyNet);
    const wasm = await train("wasm", "sgd", 2, branchyNet);
    for (let i = 0; i < cpu.weights.length; i++) {
      expect(relativeError(wasm.weights[i], cpu.weights[i]), `weight ${i}`).toBeLessThan(1e-4);
    }
  });
});
