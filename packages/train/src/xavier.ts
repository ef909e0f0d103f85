import * as tf from "@tensorflow/tfjs";

/**
 * d2l's `init_weights`: re-draws every kernel (dense and convolution weights) from Xavier's
 * (Glorot's) uniform distribution and sets every bias to zero. Other weights (batch-norm scales
 * and statistics, embeddings) are left as they are. Pass `seed` for the same draw every time: the
 * weight at index i of the layers' weights (all counted) gets `glorotUniform({ seed: seed + i })`,
 * the rule @ln/zoo's seeded builders follow too (xavier.test.ts holds them to it).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { xavierInit } from "@ln/train";
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 10, inputShape: [784] })] });
 * xavierInit(model, { seed: 42 }); // kernel ~ U(-a, a), a = sqrt(6 / (784 + 10)); bias = 0
 * ```
 */
export function xavierInit(model: tf.LayersModel, options: { seed?: number } = {}): void {
  const { seed } = options;
  tf.tidy(() => {
    let index = 0;
    for (const layer of model.layers) {
      for (const weight of layer.weights) {
        const leaf = weight.originalName.split("/").pop() ?? "";
        if (/kernel$/i.test(leaf) && weight.shape.length >= 2) {
          const init = tf.initializers.glorotUniform(seed === undefined ? {} : { seed: seed + index });
          weight.write(init.apply(weight.shape as number[], "float32"));
        } else if (/bias$/i.test(leaf)) {
          weight.write(tf.zeros(weight.shape as number[]));
        }
        index++;
      }
    }
  });
}
