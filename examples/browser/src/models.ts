import { lenet, lenetBN, resnet18 } from "@ln/zoo";
import type * as tf from "@tensorflow/tfjs";

/** A model the page can train, with d2l's hyperparameters for it on Fashion-MNIST. */
export interface ModelChoice {
  id: string;
  label: string;
  note: string;
  lr: number;
  batchSize: number;
  epochs: number;
  build(): tf.LayersModel;
}

export const MODELS: readonly ModelChoice[] = [
  {
    id: "lenet",
    label: "LeNet (sigmoid, average pooling)",
    note: "The seed's LeNet-5, as d2l §7.6: 61,706 parameters. Sigmoid is slow to start: the loss sits near 2.3 for a while.",
    lr: 0.9,
    batchSize: 256,
    epochs: 10,
    build: () => lenet(),
  },
  {
    id: "lenet-relu",
    label: "LeNet (ReLU, max pooling)",
    note: "The modern variant (d2l §7.6 exercises): same shapes, learns much faster; needs a smaller learning rate.",
    lr: 0.1,
    batchSize: 256,
    epochs: 10,
    build: () => lenet({ activation: "relu", pooling: "max" }),
  },
  {
    id: "lenet-bn",
    label: "LeNet with batch normalization",
    note: "d2l §8.5: batch norm after each conv and dense layer lets a large learning rate work.",
    lr: 1.0,
    batchSize: 256,
    epochs: 10,
    build: () => lenetBN(),
  },
  {
    id: "resnet18-narrow",
    label: "ResNet-18 (narrowed ÷8, 28×28)",
    note: "d2l §8.6's residual network at an eighth of the width, on the 28×28 images: slower per image than LeNet.",
    lr: 0.05,
    batchSize: 256,
    epochs: 10,
    build: () => resnet18({ inputShape: [28, 28, 1], widthDivisor: 8 }),
  },
];

export function findModel(id: string): ModelChoice {
  const model = MODELS.find((m) => m.id === id);
  if (!model)
    throw new RangeError(`unknown model ${id}; expected one of ${MODELS.map((m) => m.id).join(", ")}`);
  return model;
}
