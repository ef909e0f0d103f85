import type * as tf from "@tensorflow/tfjs";
import { isModel, walk } from "./internal/graph";

const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * Parameters a model or layer holds: every weight's element count, as `model.countParams()`
 * and torchinfo's "Total params". Batch-norm moving mean and variance count too (as tfjs
 * and Keras count them; PyTorch keeps them as buffers), as non-trainable.
 *
 * @param options.trainable `true`: only trainable weights; `false`: only non-trainable ones.
 * @example
 * ```ts
 * import { countParams } from "@ln/inspect";
 * import { lenet } from "@ln/zoo";
 * console.log(countParams(lenet())); // 61706
 * ```
 */
export function countParams(model: tf.layers.Layer, options: { trainable?: boolean } = {}): number {
  const weights =
    options.trainable === undefined
      ? model.weights
      : options.trainable
        ? model.trainableWeights
        : model.nonTrainableWeights;
  return weights.reduce((sum, w) => sum + product(w.shape as number[]), 0);
}

function kernelShape(layer: tf.layers.Layer, index = 0): number[] | null {
  const weight = layer.weights[index];
  return weight ? (weight.shape as number[]) : null;
}

/**
 * Multiply-adds of one (leaf) layer for the given input and output shapes (batch
 * included); see {@link countMultAdds} for the formulas.
 *
 * @example
 * ```ts
 * import { layerMultAdds } from "@ln/inspect";
 * import { lenet } from "@ln/zoo";
 * const conv1 = lenet().getLayer("conv1");
 * console.log(layerMultAdds(conv1, [[1, 28, 28, 1]], [[1, 28, 28, 6]])); // 28*28*6*5*5*1 = 117600
 * ```
 */
export function layerMultAdds(
  layer: tf.layers.Layer,
  inputShapes: number[][],
  outputShapes: number[][],
): number {
  const className = layer.getClassName();
  const input = inputShapes[0];
  const output = outputShapes[0];
  if (!input || !output) return 0;
  const channelsFirst = (layer.getConfig() as { dataFormat?: string }).dataFormat === "channelsFirst";
  // Every output position, batch included, without the channel axis.
  const positions = (shape: number[]) =>
    channelsFirst ? shape[0] * product(shape.slice(2)) : product(shape.slice(0, -1));
  switch (className) {
    case "Conv1D":
    case "Conv2D":
    case "Conv3D": {
      // kernel [...k, in_c, out_c]: each output position does k * in_c * out_c multiply-adds
      const kernel = kernelShape(layer);
      return kernel ? positions(output) * product(kernel) : 0;
    }
    case "DepthwiseConv2D": {
      // kernel [kh, kw, in_c, multiplier]: each output value reads kh * kw inputs
      const kernel = kernelShape(layer);
      return kernel ? product(output) * kernel[0] * kernel[1] : 0;
    }
    case "SeparableConv1D":
    case "SeparableConv2D": {
      const depthwise = kernelShape(layer, 0);
      const pointwise = kernelShape(layer, 1);
      if (!depthwise || !pointwise) return 0;
      const spatial = product(depthwise.slice(0, -2));
      const middle = depthwise[depthwise.length - 2] * depthwise[depthwise.length - 1];
      return positions(output) * (spatial * middle + product(pointwise));
    }
    case "Conv2DTranspose":
    case "Conv3DTranspose": {
      // each input position scatters into k * out_c outputs per input channel
      const kernel = kernelShape(layer);
      return kernel ? positions(input) * product(kernel) : 0;
    }
    case "Dense": {
      // kernel [in, out], applied at every position of the leading axes
      const kernel = kernelShape(layer);
      return kernel ? product(input.slice(0, -1)) * product(kernel) : 0;
    }
    default:
      return 0;
  }
}

function shapesOf(value: tf.Shape | tf.Shape[]): number[][] {
  const list = Array.isArray(value[0]) || value.length === 0 ? (value as tf.Shape[]) : [value as tf.Shape];
  return list.map((s) => s.map((d) => d ?? -1));
}

/**
 * Output shapes of a layer for given input shapes, by tfjs's own arithmetic
 * (`computeOutputShape`), without running it. Used where no forward pass is wanted.
 */
export function computeShapes(layer: tf.layers.Layer, inputs: number[][]): number[][] {
  return shapesOf(layer.computeOutputShape(inputs.length === 1 ? inputs[0] : inputs));
}

/**
 * Multiply-adds of one forward pass through `model` for an input of `inputShape` (batch
 * included): the number torchinfo prints as "Total mult-adds", computed from the layers'
 * shapes without running them.
 *
 * What counts, per layer, with the batch `n` (all shapes NHWC):
 * - Conv1D/2D/3D: `n * out_h * out_w * out_c * k_h * k_w * in_c` (biases not counted);
 * - DepthwiseConv2D: `n * out_h * out_w * out_c * k_h * k_w`;
 * - SeparableConv: its depthwise part plus `n * out_h * out_w * in_c * mult * out_c`;
 * - Conv2DTranspose: `n * in_h * in_w * k_h * k_w * in_c * out_c`;
 * - Dense: `n * in * out` (times any extra leading axes);
 * - everything else (pooling, activations, batch norm, dropout, reshape, add,
 *   concatenate): 0. torchinfo also counts 0 for pooling and activations; it counts
 *   batch norm's 2 * channels and adds biases, which change LeNet's total by under 2%.
 *
 * @example
 * ```ts
 * import { countMultAdds } from "@ln/inspect";
 * import { lenet } from "@ln/zoo";
 * // 28*28*6*25 + 10*10*16*25*6 + 400*120 + 120*84 + 84*10
 * console.log(countMultAdds(lenet(), [1, 28, 28, 1])); // 416520
 * ```
 */
export function countMultAdds(model: tf.LayersModel, inputShape: readonly number[]): number {
  let total = 0;
  walk<number[]>(model, [[...inputShape]], Number.POSITIVE_INFINITY, {
    run(layer, inputs) {
      const outputs = computeShapes(layer, inputs);
      total += isModel(layer) ? 0 : layerMultAdds(layer, inputs, outputs);
      return outputs;
    },
  });
  return total;
}
