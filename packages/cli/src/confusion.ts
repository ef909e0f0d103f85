import type { Batch } from "@ln/data";
import { ConfusionMatrix } from "@ln/metrics";
import * as tf from "@tensorflow/tfjs";

/**
 * Predicts every test batch in inference mode (dropout off, as the seed's `net.eval()`) and counts
 * predicted against true classes.
 */
export async function confusionOn(
  model: tf.LayersModel,
  data: Iterable<Batch>,
  numClasses: number,
): Promise<ConfusionMatrix> {
  const matrix = new ConfusionMatrix(numClasses);
  for (const batch of data) {
    const predicted = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, batch.shape);
      // predict() runs with training = false: dropout is the identity, as at inference.
      const logits = model.predict(x) as tf.Tensor;
      return tf.argMax(logits, 1);
    });
    const classes = await predicted.data();
    predicted.dispose();
    matrix.add(Array.from(classes), Array.from(batch.y));
  }
  return matrix;
}
