// The `tensorflow` device for real: @ln/tensorflow sets up tfjs-node 4.22.0 on TensorFlow 2.21 in a
// temporary project (the real wheel in the shared per-machine cache, ~/.cache/ln/tensorflow, downloaded
// the first time; a real compile of the binding, ~20 s), then @ln/train trains the zoo's LeNet on it.
// Needs python3 + pip, g++, make and strip (.ci/run installs them): CI always runs it; elsewhere it is
// skipped, saying why, where one is missing.
import "../node-setup";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setupTensorflow } from "@ln/tensorflow";
import { lenet } from "@ln/zoo";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArrayBatch } from "../data";
import { evaluateAccuracy } from "../evaluate";
import { batchGradients } from "../gradients";
import { loadModel, saveModel } from "../save-model";
import { relativeError, seeded } from "../testing/fixtures";
import { trainCh6 } from "../train-ch6";
import { useDevice } from "./index";

const found = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const missing = ["python3", "g++", "make", "strip"].filter((tool) => !found(tool));
const run = missing.length === 0 || Boolean(process.env.CI);

const root = mkdtempSync(join(tmpdir(), "ln-train-tensorflow-"));
const project = join(root, "project");
mkdirSync(project);
writeFileSync(join(project, "package.json"), '{ "name": "ln-train-native-test", "private": true }\n');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `count` batches of 28x28 images of `size` examples with labels a LeNet can learn (the mean brightness). */
function batches(count: number, size: number, seed: number): ArrayBatch[] {
  const next = seeded(seed);
  return Array.from({ length: count }, () => {
    const y = Int32Array.from({ length: size }, () => Math.floor(next() * 10));
    const x = new Float32Array(size * 784);
    for (let i = 0; i < size; i++) for (let p = 0; p < 784; p++) x[i * 784 + p] = (y[i] / 10) * next();
    return { x, y, size, shape: [size, 28, 28, 1] };
  });
}

describe.skipIf(!run)("the tensorflow device (tfjs-node on TensorFlow 2.21, set up for real)", () => {
  beforeAll(async () => {
    const setup = await setupTensorflow({ projectDir: project });
    console.log(`tfjs-node set up for the test: ${JSON.stringify(setup.seconds)}`);
  }, 600_000);

  it("starts through useDevice, and gradients of the zoo's LeNet match the cpu backend", async () => {
    const device = await useDevice("tensorflow", { tensorflowProject: project });
    expect(device).toMatchObject({ backend: "tensorflow", kind: "cpu" });
    expect(device.name).toBe("TensorFlow 2.21.0 on the CPU (tfjs-node)");
    const [batch] = batches(1, 32, 1);
    const gradients = async (request: string) => {
      await useDevice(request, { tensorflowProject: project });
      const model = lenet({ seed: 5 });
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const x = tf.tensor4d(batch.x, [32, 28, 28, 1]);
      const labels = tf.tensor1d(batch.y as Int32Array, "int32");
      const { grads, loss } = await batchGradients(model, x, labels, variables, 10, "test");
      const values = await Promise.all(variables.map(async (v) => Array.from(await grads[v.name].data())));
      tf.dispose([x, labels, grads]);
      model.dispose();
      return { loss, values };
    };
    const before = tf.memory().numTensors;
    const native = await gradients("tensorflow");
    const reference = await gradients("js");
    expect(tf.memory().numTensors).toBe(before);
    expect(relativeError([native.loss], [reference.loss])).toBeLessThan(1e-5);
    for (const [i, g] of native.values.entries()) {
      expect(relativeError(g, reference.values[i]), `gradient ${i}`).toBeLessThan(1e-4);
    }
  });

  it("differentiates ReLU with TensorFlow's ReluGrad, matching the cpu backend", async () => {
    // Like the zoo's AlexNet: convolutions with a bias, then separate ReLU layers.
    const reluNet = () => {
      const init = (seed: number) => tf.initializers.glorotUniform({ seed });
      return tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [28, 28, 1],
            filters: 8,
            kernelSize: 5,
            strides: 2,
            kernelInitializer: init(1),
            biasInitializer: "ones",
          }),
          tf.layers.reLU(),
          tf.layers.conv2d({
            filters: 16,
            kernelSize: 3,
            padding: "same",
            kernelInitializer: init(2),
            biasInitializer: "ones",
          }),
          tf.layers.reLU(),
          tf.layers.flatten(),
          tf.layers.dense({ units: 32, kernelInitializer: init(3) }),
          tf.layers.reLU(),
          tf.layers.dense({ units: 10, kernelInitializer: init(4) }),
        ],
      });
    };
    const [batch] = batches(1, 16, 4);
    const gradients = async (request: string) => {
      await useDevice(request, { tensorflowProject: project });
      const model = reluNet();
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const x = tf.tensor4d(batch.x, [16, 28, 28, 1]);
      const labels = tf.tensor1d(batch.y as Int32Array, "int32");
      let values: number[][] = [];
      const profile = await tf.profile(async () => {
        const { grads } = await batchGradients(model, x, labels, variables, 10, "test");
        values = await Promise.all(variables.map(async (v) => Array.from(await grads[v.name].data())));
        tf.dispose(grads);
      });
      tf.dispose([x, labels]);
      model.dispose();
      return { values, kernels: profile.kernels.map((k) => k.name) };
    };
    const before = tf.memory().numTensors;
    const native = await gradients("tensorflow");
    const reference = await gradients("js");
    expect(tf.memory().numTensors).toBe(before);
    for (const [i, g] of native.values.entries()) {
      expect(relativeError(g, reference.values[i]), `gradient ${i}`).toBeLessThan(1e-4);
    }
    const count = (name: string) => native.kernels.filter((k) => k === name).length;
    expect(count("LnTensorflowReluGrad")).toBe(3);
    expect(count("Step")).toBe(0);
    expect(reference.kernels).toContain("Step"); // the js backend keeps tfjs's own gradient
  });

  it("trains LeNet with the loss falling, evaluates, checkpoints, resumes, saves and loads; no tensor leaks", async () => {
    await useDevice("tensorflow", { tensorflowProject: project });
    const train = batches(12, 64, 2);
    const test = batches(2, 64, 3);
    const dir = join(root, "checkpoints");
    const before = tf.memory().numTensors;

    const model = lenet({ seed: 1 });
    const losses: number[] = [];
    const first = await trainCh6(model, train, test, {
      epochs: 1,
      lr: 0.9,
      seed: 1,
      checkpointDir: dir,
      callbacks: { onBatchEnd: (b) => void losses.push(b.loss) },
    });
    expect(first.device.backend).toBe("tensorflow");
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)));
    expect(readdirSync(dir).length).toBeGreaterThan(0);

    // A fresh model carries on from the checkpoint: epoch 2 only.
    const again = lenet({ seed: 9 });
    const resumed = await trainCh6(again, train, test, {
      epochs: 2,
      lr: 0.9,
      checkpointDir: dir,
      resume: true,
    });
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(resumed.history[0]).toEqual(first.history[0]);

    const accuracy = await evaluateAccuracy(again, test);
    expect(accuracy).toBeGreaterThanOrEqual(0);
    const saved = join(root, "model");
    await saveModel(again, saved);
    const loaded = await loadModel(saved);
    expect(await evaluateAccuracy(loaded, test)).toBe(accuracy);

    for (const m of [model, again, loaded]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("says plainly that native TensorFlow uses every core itself when dataParallel > 1", async () => {
    await useDevice("tensorflow", { tensorflowProject: project });
    const model = lenet({ seed: 1 });
    const before = tf.memory().numTensors;
    await expect(
      trainCh6(model, batches(2, 16, 4), batches(1, 16, 5), { epochs: 1, dataParallel: 2, init: false }),
    ).rejects.toThrow(/native TensorFlow \(tfjs-node\) uses every core itself/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("'auto' picks native TensorFlow for AlexNet's size and wasm for LeNet's, saying why", async () => {
    const { alexnet } = await import("@ln/zoo");
    const big = alexnet();
    const forAlexnet = await useDevice("auto", { model: big, tensorflowProject: project });
    big.dispose();
    expect(forAlexnet.backend).toBe("tensorflow");
    expect(forAlexnet.reason).toMatch(
      /; native TensorFlow: the model has 938M multiply-adds per example \(>= /,
    );
    const small = lenet();
    const forLenet = await useDevice("cpu", { model: small, tensorflowProject: project });
    small.dispose();
    expect(forLenet.backend).toBe("wasm");
    expect(forLenet.reason).toMatch(/^wasm: the model has 0\.417M multiply-adds per example \(< /);
  });
});

if (!run) {
  it.skip(`native TensorFlow tests skipped: ${missing.join(", ")} not found (CI installs them; see .ci/run)`, () => {});
}
