import * as tf from "@tensorflow/tfjs";
import { type Batch, batchSpec, batchTensors, isTensorBatch } from "./data";
import { parallelGradients } from "./data-parallel/parallel-step";
import type { ShardWorkers } from "./data-parallel/shard-workers";
import type { DivergenceWatch } from "./divergence";
import { DivergedError } from "./errors";
import { batchGradients } from "./gradients";

const WHERE = "trainCh6";

/** What one training step works on. */
export interface TrainStep {
  model: tf.LayersModel;
  batch: Batch;
  optimizer: tf.Optimizer;
  /** The model's trainable variables, whose gradients the step takes. */
  variables: tf.Variable[];
  /** Classes the model's logits score, for the one-hot labels. */
  numClasses: number;
  /** Data-parallel workers: with them, the batch's gradients are computed in shards. */
  workers?: ShardWorkers;
  /** Watches the losses across steps for an explosion (NaN and infinities are refused without one). */
  watch?: DivergenceWatch;
  /** Whether the step may run as @ln/wasm's compiled step (TrainOptions.compiledStep). */
  compiled: boolean;
  /** The learning rate, the epoch (1-based) and the batch's index in it: what `DivergedError` reports. */
  lr: number;
  epoch: number;
  i: number;
}

/** What the loop records of one step (d2l's `l`, `accuracy(y_hat, y)` and `X.shape[0]`). */
export interface StepResult {
  /** The batch's mean loss. */
  loss: number;
  /** Examples the training-mode forward pass classified right. */
  correct: number;
  /** Examples in the batch. */
  size: number;
}

/**
 * One SGD step: forward, loss and backward (on this thread, or in shards with `workers`), then the
 * optimizer's update. The loss is read and checked first: a NaN or infinite loss (or, with `watch`, one
 * that exploded) throws `DivergedError` and the step is not applied.
 */
export async function trainStep(step: TrainStep): Promise<StepResult> {
  const { optimizer, workers, epoch, i, lr, watch } = step;
  const { grads, loss, correct, size } = workers
    ? await parallelGradients({ ...step, workers, where: WHERE })
    : await localGradients(step);
  try {
    if (watch) watch.check(loss, { epoch, batch: i, lr });
    else if (!Number.isFinite(loss)) throw new DivergedError({ epoch, batch: i, lr, loss });
  } catch (error) {
    tf.dispose(grads);
    throw error;
  }
  tf.tidy(() => optimizer.applyGradients(grads));
  tf.dispose(grads);
  return { loss, correct, size };
}

async function localGradients({ model, batch, variables, numClasses, compiled }: TrainStep) {
  const t = tf.tidy(() => batchTensors(batch, WHERE, batchSpec(model)));
  try {
    const grads = await batchGradients(model, t.x, t.labels, variables, numClasses, WHERE, 1, compiled);
    return { ...grads, size: t.size };
  } finally {
    // Tensors the batch came with stay the caller's.
    const given: unknown[] = isTensorBatch(batch) ? [batch.x, batch.y] : [];
    tf.dispose([t.x, t.labels].filter((u) => !given.includes(u)));
  }
}
