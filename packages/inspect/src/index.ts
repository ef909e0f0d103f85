export { countMultAdds, countParams, layerMultAdds } from "./count";
export { type FormatTraceOptions, formatTrace, type Layout, toLayout } from "./format-trace";
export { type SquareInputSizes, squareInputSizes } from "./input-sizes";
export { type FailedLayer, ShapeError, type ShapeErrorDetails } from "./shape-error";
export {
  formatSummary,
  type ModelSummary,
  type SummaryOptions,
  summarize,
  summary,
} from "./summary";
export { type TraceOptions, traceShapes } from "./trace";
export type { TraceRow } from "./trace-row";
