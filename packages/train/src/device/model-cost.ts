// The size of a model for the CPU engine choice: multiply-adds per example, from its layers' shapes
// alone, and the measured point from which native TensorFlow beats wasm.
import type * as tf from "@tensorflow/tfjs";

/**
 * From this many multiply-adds per example, native TensorFlow (tfjs-node) trains faster than ln's wasm
 * on a CPU, so `useDevice("auto" | "cpu", { model })` picks it; below, wasm (with `dataParallel`) does.
 * Measured on 2 cores with `bench/tensorflow` (docs/perf.md, "Native TensorFlow"): TensorFlow against
 * wasm (1 thread, dataParallel 2) was 1.45x at 2.14M (LeNet on 56x56) and 6.25x at 134M (AlexNet on
 * 96x96); LeNet (0.42M) is even on a quiet machine (0.97x) and swings either way on a busy one, so the
 * threshold sits just above it and keeps it on wasm, which needs no native setup.
 *
 * @example
 * ```ts
 * import { multiplyAddsPerExample, NATIVE_MIN_MULTIPLY_ADDS } from "@ln/train";
 * import { lenet } from "@ln/zoo";
 * console.log(multiplyAddsPerExample(lenet()) < NATIVE_MIN_MULTIPLY_ADDS); // true: wasm for LeNet
 * ```
 */
export const NATIVE_MIN_MULTIPLY_ADDS = 1_000_000;

/**
 * Multiply-adds of one example's forward pass: each kernel's size times the positions it is applied at
 * (a convolution's output height x width, 1 for a dense layer), summed over the layers, nested models
 * included. Biases, activations and pooling are left out: they are a small share and cost both engines
 * alike. LeNet: 416,520; AlexNet at 224x224: 938,146,176.
 *
 * @example
 * ```ts
 * import { multiplyAddsPerExample } from "@ln/train";
 * import { lenet } from "@ln/zoo";
 * console.log(multiplyAddsPerExample(lenet())); // 416520
 * ```
 */
export function multiplyAddsPerExample(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const nested = (layer as unknown as { layers?: unknown }).layers;
    if (Array.isArray(nested)) {
      total += multiplyAddsPerExample(layer as unknown as tf.LayersModel);
      continue;
    }
    const out = layer.outputShape;
    const shape = (Array.isArray(out[0]) ? out[0] : out) as (number | null)[];
    const positions = shape.slice(1, -1).reduce<number>((p, d) => p * (d ?? 1), 1);
    for (const weight of layer.weights) {
      // originalName: `name` gets a suffix (conv1/kernel_1) when another model used the same layer name.
      const name = (weight as { originalName?: string }).originalName ?? weight.name;
      if (!name.endsWith("kernel")) continue;
      total += weight.shape.reduce<number>((p, d) => p * (d ?? 1), 1) * positions;
    }
  }
  return total;
}
