import * as tf from "@tensorflow/tfjs";

/**
 * d2l's `init_weights`: Xavier (Glorot) uniform kernels and zero biases.
 *
 * Without a seed each kernel is drawn as its layer is built. With a `seed`, the builder calls `done(model)`
 * on the finished model, which draws every kernel exactly as @ln/train's `xavierInit(model, { seed })`
 * does (kernels are built as zeros until then, so nothing is drawn twice): walking `model.layers` in
 * order and counting every weight (kernels, biases, batch-norm statistics), the weight at index i gets
 * `glorotUniform({ seed: seed + i })`. So `lenet({ seed })` starts from the same weights that
 * `trainCh6(lenet(), ..., { seed })` re-draws, and `init.test.ts` pins the first values of that draw.
 */
export function xavier(seed?: number) {
  return {
    kernel(): "zeros" | ReturnType<typeof tf.initializers.glorotUniform> {
      return seed === undefined ? tf.initializers.glorotUniform({}) : "zeros";
    },
    bias: "zeros" as const,
    /** Returns `model`, with its kernels drawn from `seed` when there is one. */
    done<M extends tf.LayersModel>(model: M): M {
      if (seed !== undefined) drawSeeded(model, seed);
      return model;
    },
  };
}

export type Xavier = ReturnType<typeof xavier>;

/** The rule of @ln/train's `xavierInit` (packages/train/src/xavier.ts); keep the two the same. */
function drawSeeded(model: tf.LayersModel, seed: number): void {
  tf.tidy(() => {
    let index = 0;
    for (const layer of model.layers) {
      for (const weight of layer.weights) {
        const leaf = weight.originalName.split("/").pop() ?? "";
        if (/kernel$/i.test(leaf) && weight.shape.length >= 2) {
          const init = tf.initializers.glorotUniform({ seed: seed + index });
          weight.write(init.apply(weight.shape as number[], "float32"));
        }
        index++;
      }
    }
  });
}
