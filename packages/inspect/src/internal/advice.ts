import type * as tf from "@tensorflow/tfjs";
import { declaredInput, squareInputSizes } from "../input-sizes";
import type { Mismatch } from "./input-spec";

const shapeText = (shape: readonly (number | null)[]) => `[${shape.map((d) => d ?? "n").join(", ")}]`;
const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** How a failed trace went wrong, for advice. */
export interface Failure {
  mismatch?: Mismatch;
  /** The layer's output had an axis of size 0 (the input was too small for its window). */
  empty?: boolean;
}

function sizeAdvice(model: tf.LayersModel, modelInput: number[], failure: Failure): string {
  const declared = declaredInput(model);
  const sizes = squareInputSizes(model);
  if (!sizes || sizes.fits.length === 0) {
    return declared
      ? `this model was built for input ${shapeText([null, ...declared])}; resize or reshape to that`
      : "check the input size against the model's first layers";
  }
  const { fits, nonEmpty, limit } = sizes;
  const least = fits[0];
  const most = fits[fits.length - 1];
  const contiguous = most - least + 1 === fits.length;
  const built = sizes.declared;
  const pick = fits.includes(built) ? built : least;
  const pickWhy = pick === built ? ` (the size ${model.name} was built for)` : "";
  const side = modelInput.length === 4 ? `${modelInput[1]}x${modelInput[2]}` : shapeText(modelInput);
  const parts: string[] = [];
  if (failure.empty && nonEmpty !== null) {
    parts.push(`${side} is too small: the layers shrink anything under ${nonEmpty}x${nonEmpty} to nothing`);
  }
  if (contiguous && most === limit) {
    const builtFor = pick === built ? `; it was built for ${built}x${built} (use resize: ${built})` : "";
    parts.push(`resize to at least ${least}x${least}${builtFor}`);
    return parts.join("; ");
  }
  const range =
    fits.length === 1
      ? `only ${least}x${least} fits all of its layers`
      : contiguous
        ? `only ${least}x${least} to ${most}x${most} fit all of its layers`
        : `only some sizes from ${least}x${least} to ${most}x${most} fit all of its layers`;
  parts.push(range);
  return `${parts.join(", and ")}: resize to ${pick}x${pick}, use resize: ${pick}${pickWhy}`;
}

/**
 * What the user should change, in one sentence: add a batch or channel axis, reshape,
 * transpose NCHW to NHWC, change the channel count, or resize the images to a size every
 * layer takes (found by walking the conv/pool arithmetic, never hard-coded).
 */
export function advise(
  model: tf.LayersModel,
  modelInput: number[],
  layerInput: number[],
  failure: Failure,
): string {
  const declared = declaredInput(model);
  const atModelInput =
    layerInput.length === modelInput.length && layerInput.every((d, i) => d === modelInput[i]);
  const { mismatch } = failure;
  if (declared && mismatch?.kind === "rank" && atModelInput) {
    const wanted = shapeText([modelInput[0], ...declared]);
    if (modelInput.length === declared.length && modelInput.every((d, i) => d === declared[i])) {
      return `add the batch axis: use [1, ${declared.join(", ")}] (x.expandDims(0))`;
    }
    if (modelInput.length > 0 && product(modelInput.slice(1)) === product(declared)) {
      return `reshape the input to ${wanted} (x.reshape(${wanted}))`;
    }
    if (modelInput.length === declared.length) {
      return `add the missing axis: this model takes ${shapeText([null, ...declared])}, such as ${wanted}`;
    }
    return `this model takes ${shapeText([null, ...declared])}`;
  }
  if (mismatch?.kind === "axis" && mismatch.size !== undefined && atModelInput && declared) {
    const channels = mismatch.size;
    const rank = modelInput.length;
    const last = mismatch.axis === rank - 1;
    if (last && rank === 4 && modelInput[1] === channels && modelInput[3] !== channels) {
      return (
        `this looks like NCHW (channels first), but tfjs layers take NHWC (channels last): ` +
        `x.transpose([0, 2, 3, 1]) turns ${shapeText(modelInput)} into ` +
        `${shapeText([modelInput[0], modelInput[2], modelInput[3], modelInput[1]])}`
      );
    }
    if (last && rank === 4) {
      const got = modelInput[3];
      const convert =
        channels === 1 && got === 3 ? " (tf.image.rgbToGrayscale turns RGB into 1 channel)" : "";
      return (
        `feed ${channels}-channel images${convert}, or build the model for ${got} channels ` +
        `(inputShape [${modelInput[1]}, ${modelInput[2]}, ${got}])`
      );
    }
  }
  if (mismatch?.kind === "rank" && !atModelInput) {
    return declared
      ? `a layer before it gave the wrong rank; this model takes ${shapeText([null, ...declared])}`
      : "a layer before it gave the wrong rank";
  }
  return sizeAdvice(model, modelInput, failure);
}
