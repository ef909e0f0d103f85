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
  build(options: BuildOptions): tf.LayersModel;
}

/** Every model `ln` knows, with d2l's settings (chapters 6-8 of Dive into Deep Learning, PyTorch edition). */
export const MODELS: readonly ModelEntry[] = [
  {
    name: "lenet",
    summary: "LeNet-5 as the seed (sigmoid, average pooling), 61,706 parameters",
    defaults: { batchSize: 256, lr: 0.9, epochs: 10, resize: null },
    build: ({ inputShape, seed, activation, pooling }) =>
      zoo.lenet({ inputShape, seed, activation, pooling }),
  },
  {
    name: "alexnet",
    summary: "AlexNet for 1-channel 224x224 input, 46,764,746 parameters",
    defaults: { batchSize: 128, lr: 0.01, epochs: 10, resize: 224 },
    build: ({ inputShape, seed }) => zoo.alexnet({ inputShape, seed }),
  },
  {
    name: "vgg",
    summary: "VGG-11 with its convolutions narrowed by 4, as d2l trains it (small_conv_arch)",
    defaults: { batchSize: 128, lr: 0.05, epochs: 10, resize: 224 },
    build: ({ inputShape, seed }) => zoo.vgg11({ inputShape, seed, widthDivisor: 4 }),
  },
  {
    name: "nin",
    summary: "Network in Network",
    defaults: { batchSize: 128, lr: 0.1, epochs: 10, resize: 224 },
    build: ({ inputShape, seed }) => zoo.nin({ inputShape, seed }),
  },
  {
    name: "googlenet",
    summary: "GoogLeNet (Inception v1)",
    defaults: { batchSize: 128, lr: 0.1, epochs: 10, resize: 96 },
    build: ({ inputShape, seed }) => zoo.googlenet({ inputShape, seed }),
  },
  {
    name: "lenet-bn",
    summary: "LeNet with batch normalization (d2l 8.5)",
    defaults: { batchSize: 256, lr: 1.0, epochs: 10, resize: null },
    build: ({ inputShape, seed }) => zoo.lenetBN({ inputShape, seed }),
  },
  {
    name: "resnet18",
    summary: "ResNet-18",
    defaults: { batchSize: 256, lr: 0.05, epochs: 10, resize: 96 },
    build: ({ inputShape, seed }) => zoo.resnet18({ inputShape, seed }),
  },
];

export const MODEL_NAMES: readonly string[] = MODELS.map((m) => m.name);

export function findModel(name: string): ModelEntry | undefined {
  return MODELS.find((m) => m.name === name);
}
