export { Accumulator } from "./accumulator";
export { accuracy, argmaxRows, type NumericArray } from "./accuracy";
export { type ClassMetrics, ConfusionMatrix } from "./confusion-matrix";
