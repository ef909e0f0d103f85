import type { TraceRow } from "./trace-row";

/**
 * The layer where a trace stopped: {@link ShapeError}'s `layer`.
 *
 * @example
 * ```ts
 * import { type FailedLayer, ShapeError, traceShapes } from "@ln/inspect";
 * import { alexnet } from "@ln/zoo";
 * try {
 *   traceShapes(alexnet(), [1, 28, 28, 1]);
 * } catch (error) {
 *   const layer: FailedLayer = (error as ShapeError).layer;
 *   console.log(layer.name); // "pool2"
 * }
 * ```
 */
export interface FailedLayer {
  /** Position the layer's row would have had in the trace. */
  index: number;
  name: string;
  className: string;
  /** Depth of nesting: 1 for the model's own layers. */
  depth: number;
}

/**
 * Everything a {@link ShapeError} carries, before its message is written.
 *
 * @example
 * ```ts
 * import { ShapeError, type ShapeErrorDetails } from "@ln/inspect";
 * const details: ShapeErrorDetails = {
 *   model: "m", modelInput: [1, 4], rows: [], inputShape: [1, 4], inputShapes: [[1, 4]],
 *   layer: { index: 0, name: "dense", className: "Dense", depth: 1 },
 *   expected: "3 features in the last axis", hint: "feed [n, 3]",
 * };
 * console.log(new ShapeError(details).message);
 * ```
 */
export interface ShapeErrorDetails {
  /** Name of the traced model. */
  model: string;
  /** Shape the whole model was fed. */
  modelInput: number[];
  rows: TraceRow[];
  layer: FailedLayer;
  /** Shape(s) the failing layer got: the first input's shape; every input's in `inputShapes`. */
  inputShape: number[];
  inputShapes: number[][];
  /** What the layer needed, in words. */
  expected: string;
  /** What the user should change. */
  hint: string;
  /** The message tfjs gave, when the layer threw. */
  cause?: unknown;
}

/**
 * Thrown by `traceShapes` (and so `summary`) when a layer cannot take what reaches it: a
 * wrong rank, a wrong channel or feature count, an input that shrinks to nothing. Its
 * message prints the rows traced so far, then the failing layer, its input, what it
 * needed, and what to change; the same facts are fields for programs.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { ShapeError, traceShapes } from "@ln/inspect";
 * import { alexnet } from "@ln/zoo";
 * try {
 *   traceShapes(alexnet(), [1, 28, 28, 1]);
 * } catch (error) {
 *   if (error instanceof ShapeError) {
 *     console.log(error.layer.name, error.inputShape, error.expected);
 *     console.log(error.hint); // "... use resize: 224 ..."
 *   }
 * }
 * ```
 */
export class ShapeError extends Error {
  override name = "ShapeError";
  /** Rows traced before the failure. */
  readonly rows: TraceRow[];
  /** The layer that could not take its input. */
  readonly layer: FailedLayer;
  /** The shape of the (first) input that reached it. */
  readonly inputShape: number[];
  /** Every input's shape, for layers with several inputs. */
  readonly inputShapes: number[][];
  /** What the layer needed, in words, such as "rank 4: [batch, height, width, channels]". */
  readonly expected: string;
  /** What to change, such as "resize the images to 224x224 (use resize: 224)". */
  readonly hint: string;
  /** Name and input shape of the traced model. */
  readonly model: string;
  readonly modelInput: number[];

  constructor(details: ShapeErrorDetails) {
    super(formatShapeError(details), details.cause === undefined ? undefined : { cause: details.cause });
    this.rows = details.rows;
    this.layer = details.layer;
    this.inputShape = details.inputShape;
    this.inputShapes = details.inputShapes;
    this.expected = details.expected;
    this.hint = details.hint;
    this.model = details.model;
    this.modelInput = details.modelInput;
  }
}

const shapeText = (shape: number[]) => `[${shape.join(", ")}]`;

function formatShapeError(d: ShapeErrorDetails): string {
  const { layer } = d;
  const at = `layer ${layer.index} '${layer.name}' (${layer.className})`;
  const lines = [
    `${d.model} cannot take input ${shapeText(d.modelInput)}: ${at} needs ${d.expected}, ` +
      `got ${shapeText(d.inputShape)}.`,
    "",
    d.rows.length ? "Traced so far (NHWC):" : "Nothing traced: the first layer failed.",
  ];
  const width = {
    index: String(layer.index).length,
    name: Math.max(0, ...d.rows.map((r) => "  ".repeat(r.depth - 1).length + r.name.length)),
    type: Math.max(0, ...d.rows.map((r) => r.type.length)),
  };
  for (const row of d.rows) {
    const name = "  ".repeat(row.depth - 1) + row.name;
    lines.push(
      `  ${String(row.index).padStart(width.index)}  ${name.padEnd(width.name)}  ` +
        `${row.type.padEnd(width.type)}  ${shapeText(row.outputShape)}`,
    );
  }
  lines.push(
    `Failed at ${at}`,
    `  input:  ${d.inputShapes.map(shapeText).join(", ")}`,
    `  needed: ${d.expected}`,
    `  fix:    ${d.hint}`,
  );
  if (d.cause instanceof Error) lines.push(`  tfjs:   ${d.cause.message}`);
  return lines.join("\n");
}
