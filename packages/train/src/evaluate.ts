import { Accumulator } from "@ln/metrics";
import * as tf from "@tensorflow/tfjs";
import { type BatchSource, batchSpec, batchTensors, iterate } from "./data";

/**
 * Classification accuracy of `model` over every example of `data`, in inference mode
 * (`training: false`: dropout off), as d2l's `evaluate_accuracy_gpu` but counting every batch.
 * The model must output one score (logit or probability) per class.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { evaluateAccuracy } from "@ln/train";
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [2] })] });
 * const data = [{ x: tf.tensor2d([[1, 0], [0, 1]]), y: tf.tensor1d([0, 1], "int32") }];
 * console.log(await evaluateAccuracy(model, data)); // 0, 0.5 or 1
 * ```
 */
export async function evaluateAccuracy(model: tf.LayersModel, data: BatchSource): Promise<number> {
  return accuracyOver(model, data, "evaluateAccuracy", "data");
}

/**
 * `evaluateAccuracy` for a caller named `where`, whose argument `name` is `data`: errors name both.
 * @internal
 */
export async function accuracyOver(
  model: tf.LayersModel,
  data: BatchSource,
  where: string,
  name: string,
): Promise<number> {
  const { correct, count } = await countCorrect(model, data, where);
  if (count === 0) throw new RangeError(`${where}: ${name} yielded no examples`);
  return correct / count;
}

/** (correct, examples) over `data` in inference mode. */
async function countCorrect(
  model: tf.LayersModel,
  data: BatchSource,
  where: string,
): Promise<{ correct: number; count: number }> {
  const metric = new Accumulator(2); // (correct predictions, examples)
  const spec = batchSpec(model);
  for await (const batch of iterate(data, where)) {
    let size = 0;
    const correct = tf.tidy(() => {
      const t = batchTensors(batch, where, spec);
      size = t.size;
      const scores = model.apply(t.x, { training: false }) as tf.Tensor;
      return correctCount(scores, t.labels, where);
    });
    const [value] = await correct.data();
    correct.dispose();
    metric.add(value, size);
  }
  return { correct: metric.get(0), count: metric.get(1) };
}

/** Number of rows whose arg-max equals the label, as a scalar tensor. */
export function correctCount(scores: tf.Tensor, labels: tf.Tensor1D, where: string): tf.Scalar {
  if (scores.rank !== 2 || scores.shape[0] !== labels.shape[0]) {
    throw new RangeError(
      `${where}: the model must output [batch, classes]; got [${scores.shape}] for ${labels.shape[0]} labels`,
    );
  }
  return tf.sum(tf.cast(tf.equal(tf.argMax(scores, 1), labels), "int32"));
}
