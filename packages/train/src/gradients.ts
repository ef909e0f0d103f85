import * as tf from "@tensorflow/tfjs";
import { compiledStepFor } from "./compiled-step";
import { correctCount } from "./evaluate";

/** Gradients of one batch (or shard) and what the loop records of it. */
export interface BatchGradients {
  /** d(mean loss)/d(variable), keyed by variable name; the caller disposes them. */
  grads: tf.NamedTensorMap;
  /** Mean softmax cross-entropy over the examples. */
  loss: number;
  /** Examples classified right (training-mode forward pass). */
  correct: number;
}

/**
 * Forward in training mode, mean softmax cross-entropy on logits, and its gradients with respect
 * to `variables`: the work of one SGD step short of the update. Shared by the loop and by the
 * data-parallel workers, so both compute exactly the same thing. With `scale`, the gradients are those
 * of the mean loss times `scale` (a shard's share of its batch: then the batch's gradient is the sum of
 * its shards'); the loss returned is the mean all the same. With `compiled` (the default), a model
 * @ln/wasm's compiled step runs (compiled-step.ts) takes that step on wasm: the same gradients to float
 * rounding. Disposes nothing it was given.
 */
export async function batchGradients(
  model: tf.LayersModel,
  x: tf.Tensor,
  labels: tf.Tensor1D,
  variables: tf.Variable[],
  numClasses: number,
  where: string,
  scale = 1,
  compiled = true,
): Promise<BatchGradients> {
  const step = compiled && x.dtype === "float32" ? compiledStepFor(model, variables, numClasses) : undefined;
  if (step) {
    const { grads, loss, correct } = step.gradients(x, labels, scale);
    return { grads: Object.fromEntries(variables.map((v, i) => [v.name, grads[i]])), loss, correct };
  }
  const { grads, stats } = tf.tidy(() => {
    let kept: tf.Tensor | undefined;
    const { grads } = tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), logits) as tf.Scalar;
      kept = tf.keep(tf.stack([loss, tf.cast(correctCount(logits, labels, where), "float32")]));
      return scale === 1 ? loss : tf.mul(loss, scale);
    }, variables);
    return { grads, stats: kept as tf.Tensor };
  });
  try {
    const [loss, correct] = await stats.data();
    return { grads, loss, correct };
  } catch (error) {
    tf.dispose(grads);
    throw error;
  } finally {
    stats.dispose();
  }
}
