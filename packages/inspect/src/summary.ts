import type * as tf from "@tensorflow/tfjs";
import { countParams } from "./count";
import { checkLayout, type Layout, toLayout } from "./format-trace";
import { declaredInput } from "./input-sizes";
import { checkInputShape, traceShapes } from "./trace";
import type { TraceRow } from "./trace-row";

/**
 * Options of {@link summary} and {@link summarize}.
 *
 * @example
 * ```ts
 * import { type SummaryOptions, summary } from "@ln/inspect";
 * import { alexnet } from "@ln/zoo";
 * const options: SummaryOptions = { inputShape: [1, 224, 224, 1], layout: "NCHW" };
 * console.log(summary(alexnet(), options));
 * ```
 */
export interface SummaryOptions {
  /**
   * Input shape with the batch axis, NHWC, such as `[1, 28, 28, 1]`. Default: the model's own
   * input shape with a batch of 1 (as Keras's `model.summary()`); required when the model's input
   * has unknown sizes.
   */
  inputShape?: readonly number[];
  /** How deep to expand nested models (see `traceShapes`). Default 3. */
  depth?: number;
  /** Axis order of the printed shapes. Default `'NHWC'`. */
  layout?: Layout;
}

/**
 * The numbers behind {@link summary}'s table; bytes as float32, like torchinfo.
 *
 * @example
 * ```ts
 * import { type ModelSummary, summarize } from "@ln/inspect";
 * import { lenet } from "@ln/zoo";
 * const s: ModelSummary = summarize(lenet(), { inputShape: [1, 28, 28, 1] });
 * console.log(s.paramBytes / 1e6); // 0.246824 MB
 * ```
 */
export interface ModelSummary {
  model: string;
  className: string;
  inputShape: number[];
  outputShape: number[];
  rows: TraceRow[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  /** Sum of the rows' mult-adds at depth 1 (each nested model counts its layers once). */
  multAdds: number;
  /** Bytes of the input tensor. */
  inputBytes: number;
  /**
   * torchinfo's "Forward/backward pass size": output bytes of every leaf layer that holds
   * parameters, times 2 (the activation and its gradient).
   */
  forwardBackwardBytes: number;
  /** Bytes of all weights. */
  paramBytes: number;
  /** `inputBytes + forwardBackwardBytes + paramBytes`. */
  totalBytes: number;
  layout: Layout;
}

const FLOAT_BYTES = 4;
const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * Traces `model` (a real forward pass, see `traceShapes`) and returns the numbers of a
 * torchinfo summary: rows, parameter totals, mult-adds and estimated memory.
 *
 * @throws ShapeError when the input does not fit the model.
 * @example
 * ```ts
 * import { summarize } from "@ln/inspect";
 * import { lenet } from "@ln/zoo";
 * const s = summarize(lenet(), { inputShape: [1, 28, 28, 1] });
 * console.log(s.totalParams, s.multAdds); // 61706 416520
 * ```
 */
export function summarize(model: tf.LayersModel, options: SummaryOptions = {}): ModelSummary {
  const where = "summary";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${where}: options must be an object such as { inputShape: [1, 28, 28, 1] }`);
  }
  const inputShape = checkInputShape(where, options.inputShape ?? declaredInputShape(where, model));
  const layout = checkLayout(where, options.layout ?? "NHWC");
  const rows = traceShapes(model, inputShape, { depth: options.depth });
  const leaves = rows.filter((row, i) => !(rows[i + 1] && rows[i + 1].depth > row.depth));
  const totalParams = countParams(model);
  const trainableParams = countParams(model, { trainable: true });
  const inputBytes = product(inputShape) * FLOAT_BYTES;
  const forwardBackwardBytes = leaves
    .filter((row) => row.params > 0)
    .reduce(
      (sum, row) => sum + row.outputShapes.reduce((s, shape) => s + product(shape), 0) * FLOAT_BYTES * 2,
      0,
    );
  const paramBytes = model.weights.reduce((sum, w) => sum + product(w.shape as number[]) * FLOAT_BYTES, 0);
  const last = rows.filter((r) => r.depth === 1).at(-1);
  return {
    model: model.name,
    className: model.getClassName(),
    inputShape,
    outputShape: last ? last.outputShape : inputShape,
    rows,
    totalParams,
    trainableParams,
    nonTrainableParams: totalParams - trainableParams,
    multAdds: rows.filter((r) => r.depth === 1).reduce((sum, r) => sum + r.multAdds, 0),
    inputBytes,
    forwardBackwardBytes,
    paramBytes,
    totalBytes: inputBytes + forwardBackwardBytes + paramBytes,
    layout,
  };
}

/** The model's input shape with a batch of 1, or an error asking for `inputShape`. */
function declaredInputShape(where: string, model: tf.LayersModel): number[] {
  const dims = declaredInput(model);
  if (dims == null) {
    const raw = model.inputs?.length === 1 ? model.inputs[0].shape.slice(1) : null;
    const known = raw ? `[n, ${raw.map((d) => d ?? "?").join(", ")}]` : "unknown";
    throw new TypeError(
      `${where}: ${model.name}'s input shape is ${known}; pass { inputShape } with the batch axis, such as { inputShape: [1, 28, 28, 1] }`,
    );
  }
  return [1, ...dims];
}

const grouped = (n: number) => n.toLocaleString("en-US");
const megabytes = (bytes: number) => (bytes / 1e6).toFixed(2);

/** torchinfo's unit for mult-adds: K, M, G or T, whichever keeps the number readable. */
function readableCount(n: number): [unit: string, text: string] {
  const units: Array<[number, string]> = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "K"],
  ];
  for (const [size, unit] of units) {
    if (n >= size) {
      const value = n / size;
      return [` (${unit})`, Number.isInteger(value) ? grouped(value) : value.toFixed(2)];
    }
  }
  return ["", grouped(n)];
}

function treeName(row: TraceRow, idx: number): string {
  const branch = row.depth === 1 ? "├─" : `${"│    ".repeat(row.depth - 1)}└─`;
  return `${branch}${row.name} (${row.type}): ${row.depth}-${idx}`;
}

/**
 * Formats a {@link ModelSummary} as torchinfo does: one row per layer with its output
 * shape, parameters and mult-adds (`--` for none), then the totals and the memory estimate.
 *
 * @example
 * ```ts
 * import { formatSummary, summarize } from "@ln/inspect";
 * import { lenet } from "@ln/zoo";
 * console.log(formatSummary(summarize(lenet(), { inputShape: [1, 28, 28, 1] })));
 * ```
 */
export function formatSummary(s: ModelSummary): string {
  // depth-idx as torchinfo: the position of the row among the rows of its depth so far
  const counters = new Map<number, number>();
  const names = s.rows.map((row) => {
    const idx = (counters.get(row.depth) ?? 0) + 1;
    counters.set(row.depth, idx);
    return treeName(row, idx);
  });
  const shape = (dims: number[]) => `[${toLayout(dims, s.layout).join(", ")}]`;
  const table: string[][] = [
    [`${s.model} (${s.className})`, shape(s.outputShape), "--", "--"],
    ...s.rows.map((row, i) => [
      names[i],
      shape(row.outputShape),
      row.params > 0 ? grouped(row.params) : "--",
      row.multAdds > 0 ? grouped(row.multAdds) : "--",
    ]),
  ];
  const header = ["Layer (type:depth-idx)", `Output Shape (${s.layout})`, "Param #", "Mult-Adds"];
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c].length)) + 4);
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join("")
      .trimEnd();
  const rule = "=".repeat(widths.reduce((a, b) => a + b, 0));
  const [unit, multAdds] = readableCount(s.multAdds);
  return [
    rule,
    line(header),
    rule,
    ...table.map(line),
    rule,
    `Total params: ${grouped(s.totalParams)}`,
    `Trainable params: ${grouped(s.trainableParams)}`,
    `Non-trainable params: ${grouped(s.nonTrainableParams)}`,
    `Total mult-adds${unit}: ${multAdds}`,
    rule,
    `Input size (MB): ${megabytes(s.inputBytes)}`,
    `Forward/backward pass size (MB): ${megabytes(s.forwardBackwardBytes)}`,
    `Params size (MB): ${megabytes(s.paramBytes)}`,
    `Estimated Total Size (MB): ${megabytes(s.totalBytes)}`,
    rule,
  ].join("\n");
}

/**
 * A torchinfo-style summary of `model` as text: layer (name and type), output shape,
 * parameters and mult-adds per layer from a real forward pass; then total, trainable and
 * non-trainable parameters, total mult-adds, and memory in MB (float32, as torchinfo):
 * input, forward/backward pass, params, and their sum.
 *
 * @throws ShapeError when the input does not fit the model.
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { summary } from "@ln/inspect";
 * import { lenet } from "@ln/zoo";
 * await tf.setBackend("cpu");
 * console.log(summary(lenet(), { inputShape: [1, 28, 28, 1] }));
 * ```
 */
export function summary(model: tf.LayersModel, options: SummaryOptions = {}): string {
  return formatSummary(summarize(model, options));
}
