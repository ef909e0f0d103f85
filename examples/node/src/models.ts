import * as zoo from "@ln/zoo";
import type * as tf from "@tensorflow/tfjs";

/** d2l's hyperparameters for a model on Fashion-MNIST: what `ln train <model>` uses unless told otherwise. */
export interface TrainDefaults {
  batchSize: number;
  lr: number;
  epochs: number;
  /** Square side the 28x28 images are resized to, or null to keep them. */
  resize: number | null;
}

/** Options every builder gets from the CLI. */
export interface BuildOptions {
  /** One example, NHWC without the batch axis, e.g. [28, 28, 1] or [224, 224, 1]. */
  inputShape: [number, number, number];
  seed?: number;
  /** LeNet only. */
  activation?: "sigmoid" | "relu";
  /** LeNet only. */
  pooling?: "avg" | "max";
}

export interface ModelEntry {
  name: string;
  summary: string;
  defaults: TrainDefaults;
  build(options: BuildOptions): tf.Sequential;
}

type Builder = (options: Record<string, unknown>) => tf.Sequential;

/**
 * Every model `ln` knows, with d2l's settings (chapters 6-8 of Dive into Deep Learning, PyTorch edition). Beyond LeNet and
 * AlexNet the builders are looked up in @ln/zoo by name, so a model appears here as soon as the zoo
 * exports it and never before.
 */
const CANDIDATES: ReadonlyArray<{
  name: string;
  exports: readonly string[];
  summary: string;
  defaults: TrainDefaults;
  /** Builder options d2l's version of the model needs beyond the defaults. */
  options?: Record<string, unknown>;
}> = [
  {
    name: "lenet",
    exports: ["lenet"],
    summary: "LeNet-5 as the seed (sigmoid, average pooling), 61,706 parameters",
    defaults: { batchSize: 256, lr: 0.9, epochs: 10, resize: null },
  },
  {
    name: "alexnet",
    exports: ["alexnet"],
    summary: "AlexNet for 1-channel 224x224 input, 46,764,746 parameters",
    defaults: { batchSize: 128, lr: 0.01, epochs: 10, resize: 224 },
  },
  {
    name: "vgg",
    exports: ["vgg11", "vgg"],
    summary: "VGG-11 with its convolutions narrowed by 4, as d2l trains it (small_conv_arch)",
    defaults: { batchSize: 128, lr: 0.05, epochs: 10, resize: 224 },
    options: { widthDivisor: 4 },
  },
  {
    name: "nin",
    exports: ["nin"],
    summary: "Network in Network",
    defaults: { batchSize: 128, lr: 0.1, epochs: 10, resize: 224 },
  },
  {
    name: "googlenet",
    exports: ["googlenet", "googLeNet"],
    summary: "GoogLeNet (Inception v1)",
    defaults: { batchSize: 128, lr: 0.1, epochs: 10, resize: 96 },
  },
  {
    name: "lenet-bn",
    exports: ["lenetBN", "lenetBn"],
    summary: "LeNet with batch normalization (d2l 8.5)",
    defaults: { batchSize: 256, lr: 1.0, epochs: 10, resize: null },
  },
  {
    name: "resnet18",
    exports: ["resnet18", "resNet18"],
    summary: "ResNet-18",
    defaults: { batchSize: 256, lr: 0.05, epochs: 10, resize: 96 },
  },
  {
    name: "densenet",
    exports: ["densenet", "denseNet"],
    summary: "DenseNet",
    defaults: { batchSize: 256, lr: 0.1, epochs: 10, resize: 96 },
  },
];

const zooExports = zoo as unknown as Record<string, unknown>;

/** The models the installed @ln/zoo provides, in the order above. */
export const MODELS: readonly ModelEntry[] = CANDIDATES.flatMap((candidate) => {
  const exportName = candidate.exports.find((e) => typeof zooExports[e] === "function");
  if (exportName === undefined) return [];
  const builder = zooExports[exportName] as Builder;
  const entry: ModelEntry = {
    name: candidate.name,
    summary: candidate.summary,
    defaults: candidate.defaults,
    build: ({ inputShape, seed, activation, pooling }) => {
      const options: Record<string, unknown> = { ...candidate.options, inputShape, seed };
      if (activation !== undefined) options.activation = activation;
      if (pooling !== undefined) options.pooling = pooling;
      return builder(options);
    },
  };
  return [entry];
});

export const MODEL_NAMES: readonly string[] = MODELS.map((m) => m.name);

export function findModel(name: string): ModelEntry | undefined {
  return MODELS.find((m) => m.name === name);
}
