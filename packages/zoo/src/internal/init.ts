import * as tf from "@tensorflow/tfjs";

/**
 * d2l's `init_weights`: Xavier (Glorot) uniform kernels and zero biases.
 *
 * With a `seed`, each kernel gets its own seed (`seed`, `seed + 1`, ...) in the order
 * layers are built, so two models built with the same seed start from the same weights
 * while no two layers share a random stream.
 */
export function xavier(seed?: number) {
  let next = seed;
  return {
    kernel(): ReturnType<typeof tf.initializers.glorotUniform> {
      if (next === undefined) return tf.initializers.glorotUniform({});
      return tf.initializers.glorotUniform({ seed: next++ });
    },
    bias: "zeros" as const,
  };
}

export type Xavier = ReturnType<typeof xavier>;
