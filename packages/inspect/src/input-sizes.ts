import type * as tf from "@tensorflow/tfjs";
import { computeShapes } from "./count";
import { walk } from "./internal/graph";
import { checkInputSpec } from "./internal/input-spec";

/** The model's declared input shape without the batch axis, when it has one fully known input. */
export function declaredInput(model: tf.LayersModel): number[] | null {
  if (model.inputs.length !== 1) return null;
  const dims = model.inputs[0].shape.slice(1);
  return dims.every((d) => d != null) ? (dims as number[]) : null;
}

type Outcome = "fits" | "empty" | "mismatch";

/** Runs tfjs's shape arithmetic for one input shape: does every layer take it? */
function tryShape(model: tf.LayersModel, input: number[]): Outcome {
  try {
    walk<number[]>(model, [input], Number.POSITIVE_INFINITY, {
      run(layer, inputs) {
        if (checkInputSpec(layer, inputs)) throw "mismatch";
        const outputs = computeShapes(layer, inputs);
        if (outputs.some((s) => s.some((d) => d <= 0))) throw "empty";
        return outputs;
      },
    });
    return "fits";
  } catch (outcome) {
    return outcome === "empty" ? "empty" : "mismatch";
  }
}

/** What {@link squareInputSizes} found. */
export interface SquareInputSizes {
  /** The side the model was built for. */
  declared: number;
  /** The smallest side that leaves something after every window, or null if none up to `limit`. */
  nonEmpty: number | null;
  /** Every side from 1 to `limit` that every layer takes, in order. */
  fits: number[];
  /** The largest side tried: max(512, 4 x declared). */
  limit: number;
}

/**
 * Which square image sizes fit the model: tries every side from 1 to a limit with the
 * model's own channel count, walking tfjs's conv/pool arithmetic (no forward pass, no
 * kernel runs). Null where the model has no square image input.
 *
 * @example
 * ```ts
 * import { squareInputSizes } from "@ln/inspect";
 * import { alexnet } from "@ln/zoo";
 * const sizes = squareInputSizes(alexnet()); // built for 224x224
 * console.log(sizes?.nonEmpty); // 67: AlexNet rebuilt for a smaller side leaves nothing after a window
 * console.log(sizes?.fits[0], sizes?.fits.at(-1)); // 195 226: the sides its 6400-feature dense layer takes
 * ```
 */
export function squareInputSizes(model: tf.LayersModel): SquareInputSizes | null {
  const declared = declaredInput(model);
  if (declared?.length !== 3 || declared[0] !== declared[1]) return null;
  const limit = Math.max(512, 4 * declared[0]);
  let nonEmpty: number | null = null;
  const fits: number[] = [];
  for (let side = 1; side <= limit; side++) {
    const outcome = tryShape(model, [1, side, side, declared[2]]);
    if (outcome !== "empty" && nonEmpty === null) nonEmpty = side;
    if (outcome === "fits") fits.push(side);
  }
  return { declared: declared[0], nonEmpty, fits, limit };
}
