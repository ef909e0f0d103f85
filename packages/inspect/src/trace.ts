import * as tf from "@tensorflow/tfjs";
import { countMultAdds, countParams, layerMultAdds } from "./count";
import { advise, type Failure } from "./internal/advice";
import { isModel, walk } from "./internal/graph";
import { checkInputSpec, windowWords } from "./internal/input-spec";
import { layerType } from "./internal/layer-type";
import { ShapeError } from "./shape-error";
import type { TraceRow } from "./trace-row";

/**
 * Options of {@link traceShapes}.
 *
 * @example
 * ```ts
 * import { type TraceOptions, traceShapes } from "@ln/inspect";
 * import { lenet } from "@ln/zoo";
 * const options: TraceOptions = { depth: 1 }; // nested models as one row each
 * const rows = traceShapes(lenet(), [1, 28, 28, 1], options);
 * ```
 */
export interface TraceOptions {
  /**
   * How deep to expand nested models: 1 shows the model's own layers only (a nested model
   * is one row), 2 also the layers inside them, and so on. Default 3, as torchinfo.
   */
  depth?: number;
}

function checkModel(where: string, model: unknown): asserts model is tf.LayersModel {
  if (!(model instanceof tf.LayersModel)) {
    throw new TypeError(`${where}: model must be a tf.Sequential or tf.LayersModel, got ${String(model)}`);
  }
  if (!model.inputs || model.inputs.length === 0) {
    throw new TypeError(
      `${where}: ${model.name} has no input shape yet; give its first layer an inputShape ` +
        "(or use tf.input) so its layers can be built",
    );
  }
  if (model.inputs.length !== 1) {
    throw new TypeError(
      `${where}: models with one input are supported; ${model.name} has ${model.inputs.length}`,
    );
  }
}

/** Checks an input shape: positive integers, batch axis first. */
export function checkInputShape(where: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(
      `${where}: inputShape must be positive integers with the batch axis first, ` +
        `such as [1, 28, 28, 1] (NHWC); got ${JSON.stringify(shape)}`,
    );
  }
  return [...shape];
}

function checkDepth(where: string, depth: number): number {
  if (!Number.isInteger(depth) || depth < 1) {
    throw new RangeError(`${where}: depth must be a positive integer, got ${String(depth)}`);
  }
  return depth;
}

function expectedFromConfig(layer: tf.layers.Layer): string {
  if (layer.getClassName() === "Reshape") {
    const { targetShape } = layer.getConfig() as { targetShape: number[] };
    const size = targetShape.reduce((a, b) => a * b, 1);
    return `${size} values per example, to reshape them to [${targetShape.join(", ")}]`;
  }
  return "an input it can take";
}

/** Whether the layer's own shape rule gives an output with a dimension below 1 for these inputs. */
function predictsEmptyOutput(layer: tf.layers.Layer, inputShapes: number[][]): boolean {
  let predicted: tf.Shape | tf.Shape[];
  try {
    predicted = layer.computeOutputShape(inputShapes.length === 1 ? inputShapes[0] : inputShapes);
  } catch {
    return false; // no rule for these inputs: running the layer gives tfjs's own reason
  }
  const shapes = (Array.isArray(predicted[0]) ? predicted : [predicted]) as tf.Shape[];
  return shapes.some((shape) => shape.some((d) => d != null && d < 1));
}

/**
 * Runs a real forward pass through `model` one layer at a time, as the seed's
 * `for layer in net: X = layer(X); print(...)`, and returns one row per layer: its name,
 * class, output shape (NHWC, batch included), parameters and multiply-adds.
 *
 * A Sequential runs layer by layer; a functional model node by node in topological order;
 * nested models are expanded down to `depth` (their row comes before their layers').
 * Dropout and batch norm run in inference mode. `input` is a shape with the batch axis
 * (filled with standard normal values, like the seed's `randn(1, 1, 28, 28)`) or a tensor
 * of your own, which is left undisposed. Every tensor the trace makes is freed, also
 * when it throws.
 *
 * @throws ShapeError when a layer cannot take what reaches it: wrong rank, wrong channel
 *   or feature count, an input too small for a window. The error carries the rows traced
 *   so far and says what to change.
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { formatTrace, traceShapes } from "@ln/inspect";
 * import { lenet } from "@ln/zoo";
 * await tf.setBackend("cpu");
 * const rows = traceShapes(lenet(), [1, 28, 28, 1]);
 * console.log(formatTrace(rows, { layout: "NCHW" }));
 * // Reshape output shape:           [1, 1, 28, 28]
 * // Conv2D output shape:            [1, 6, 28, 28]
 * // ...
 * ```
 */
export function traceShapes(
  model: tf.LayersModel,
  input: readonly number[] | tf.Tensor,
  options: TraceOptions = {},
): TraceRow[] {
  const where = "traceShapes";
  checkModel(where, model);
  const modelInput = input instanceof tf.Tensor ? [...input.shape] : checkInputShape(where, input);
  const maxDepth = checkDepth(where, options.depth ?? 3);
  const rows: TraceRow[] = [];
  const openModels: number[] = [];

  const renumber = () => {
    for (const [i, row] of rows.entries()) row.index = i;
  };

  // tidy frees every tensor made inside, including when a layer throws; the caller's own
  // input tensor was made outside and is not touched.
  tf.tidy(() => {
    const x = input instanceof tf.Tensor ? input : tf.randomNormal(modelInput);
    walk<tf.Tensor>(model, [x], maxDepth, {
      run(layer, inputs, depth, callArgs) {
        const inputShapes = inputs.map((t) => [...t.shape]);
        const fail = (failure: Failure, expected: string, cause?: unknown) => {
          renumber();
          return new ShapeError({
            model: model.name,
            modelInput,
            rows: rows.map((r) => ({ ...r })),
            layer: { index: rows.length, name: layer.name, className: layer.getClassName(), depth },
            inputShape: inputShapes[0] ?? [],
            inputShapes,
            expected,
            hint: advise(model, modelInput, inputShapes[0] ?? [], failure),
            cause,
          });
        };
        const mismatch = layer.built ? checkInputSpec(layer, inputShapes) : null;
        if (mismatch) throw fail({ mismatch }, mismatch.expected);
        // Refuse before any kernel runs: on the wasm backend a window larger than its input
        // writes out of bounds and breaks the backend for the rest of the process.
        if (layer.built && predictsEmptyOutput(layer, inputShapes)) {
          throw fail(
            { empty: true },
            windowWords(layer) ?? "an input large enough to leave a non-empty output",
          );
        }
        let result: tf.Tensor | tf.Tensor[];
        try {
          const feed = inputs.length === 1 ? inputs[0] : inputs;
          result = layer.apply(feed, { ...callArgs, training: false }) as tf.Tensor | tf.Tensor[];
        } catch (error) {
          // apply may have built the layer just now; its spec can name what it needed
          const late = checkInputSpec(layer, inputShapes);
          throw fail({ mismatch: late ?? undefined }, late?.expected ?? expectedFromConfig(layer), error);
        }
        const outputs = Array.isArray(result) ? result : [result];
        const outputShapes = outputs.map((t) => [...t.shape]);
        if (outputShapes.some((shape) => shape.some((d) => d === 0))) {
          throw fail(
            { empty: true },
            windowWords(layer) ?? "an input large enough to leave a non-empty output",
          );
        }
        rows.push({
          index: rows.length,
          name: layer.name,
          className: layer.getClassName(),
          type: layerType(layer),
          depth,
          outputShape: outputShapes[0],
          outputShapes,
          inputShapes,
          params: countParams(layer),
          trainableParams: countParams(layer, { trainable: true }),
          multAdds: isModel(layer)
            ? countMultAdds(layer, inputShapes[0])
            : layerMultAdds(layer, inputShapes, outputShapes),
        });
        return outputs;
      },
      enter() {
        openModels.push(rows.length);
      },
      exit(nested, depth, inputs, outputs) {
        const at = openModels.pop() ?? rows.length;
        const children = rows.slice(at).filter((r) => r.depth === depth + 1);
        const outputShapes = outputs.map((t) => [...t.shape]);
        rows.splice(at, 0, {
          index: at,
          name: nested.name,
          className: nested.getClassName(),
          type: nested.getClassName(),
          depth,
          outputShape: outputShapes[0],
          outputShapes,
          inputShapes: inputs.map((t) => [...t.shape]),
          params: countParams(nested),
          trainableParams: countParams(nested, { trainable: true }),
          multAdds: children.reduce((sum, r) => sum + r.multAdds, 0),
        });
      },
    });
  });
  renumber();
  return rows;
}
