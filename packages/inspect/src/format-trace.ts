import type { TraceRow } from "./trace-row";

/**
 * Axis order for printing shapes: tfjs's `NHWC` (channels last) or PyTorch's `NCHW`.
 *
 * @example
 * ```ts
 * import { type Layout, toLayout } from "@ln/inspect";
 * const layout: Layout = "NCHW";
 * console.log(toLayout([1, 28, 28, 6], layout)); // [1, 6, 28, 28]
 * ```
 */
export type Layout = "NHWC" | "NCHW";

/**
 * An NHWC shape in the given layout: for `NCHW` the last (channel) axis moves to position
 * 1 in shapes of rank 3 or more (`[1, 28, 28, 6]` → `[1, 6, 28, 28]`); others stay.
 *
 * @example
 * ```ts
 * import { toLayout } from "@ln/inspect";
 * console.log(toLayout([1, 28, 28, 6], "NCHW")); // [1, 6, 28, 28]
 * ```
 */
export function toLayout(shape: readonly number[], layout: Layout): number[] {
  if (layout === "NHWC" || shape.length < 3) return [...shape];
  return [shape[0], shape[shape.length - 1], ...shape.slice(1, -1)];
}

/** Checks a `layout` option, listing the valid values. */
export function checkLayout(where: string, layout: string): Layout {
  if (layout !== "NHWC" && layout !== "NCHW") {
    throw new RangeError(`${where}: layout must be 'NHWC' or 'NCHW', got '${layout}'`);
  }
  return layout;
}

/**
 * Options of {@link formatTrace}.
 *
 * @example
 * ```ts
 * import { type FormatTraceOptions, formatTrace, traceShapes } from "@ln/inspect";
 * import { lenet } from "@ln/zoo";
 * const options: FormatTraceOptions = { layout: "NCHW", align: false };
 * console.log(formatTrace(traceShapes(lenet(), [1, 784]), options));
 * ```
 */
export interface FormatTraceOptions {
  /** Axis order of the printed shapes. Default `'NHWC'` (tfjs); `'NCHW'` prints the book's shapes. */
  layout?: Layout;
  /** Pad so the shapes start in one column. Default true; false prints `Type output shape:  [..]`. */
  align?: boolean;
}

/**
 * One line per row, as the seed prints them (`print(layer.__class__.__name__, 'output
 * shape: \t', X.shape)`): the layer type, `output shape:`, then the shape. Rows of nested
 * models are indented two spaces per level.
 *
 * @example
 * ```ts
 * import { formatTrace, traceShapes } from "@ln/inspect";
 * import { lenet } from "@ln/zoo";
 * console.log(formatTrace(traceShapes(lenet(), [1, 28, 28, 1]), { layout: "NCHW" }));
 * // Reshape output shape:           [1, 1, 28, 28]
 * // Conv2D output shape:            [1, 6, 28, 28]
 * // Sigmoid output shape:           [1, 6, 28, 28]
 * // AveragePooling2D output shape:  [1, 6, 14, 14]
 * ```
 */
export function formatTrace(rows: readonly TraceRow[], options: FormatTraceOptions = {}): string {
  const layout = checkLayout("formatTrace", options.layout ?? "NHWC");
  const labels = rows.map((row) => `${"  ".repeat(Math.max(0, row.depth - 1))}${row.type} output shape:`);
  const width = options.align === false ? 0 : Math.max(0, ...labels.map((l) => l.length));
  return rows
    .map((row, i) => `${labels[i].padEnd(width)}  [${toLayout(row.outputShape, layout).join(", ")}]`)
    .join("\n");
}
