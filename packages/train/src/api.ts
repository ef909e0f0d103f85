// The API both entries share (index.ts for Node, index.browser.ts for browsers); each entry installs
// its platform on import. Kept free of Node modules.

export {
  initWasmBackend,
  registerWasmTrainingKernels,
  splitKernelCalls,
  type WasmInitOptions,
  wasmThreads,
} from "@ln/wasm";
export { trainsCompiled } from "./compiled-step";
export type { ArrayBatch, Batch, BatchSource, DatasetSource, TensorBatch } from "./data";
export {
  currentDevice,
  DEVICE_REQUESTS,
  type Device,
  type DeviceAttempt,
  type DeviceOptions,
  type DeviceRequest,
  multiplyAddsPerExample,
  NATIVE_MIN_MULTIPLY_ADDS,
  requestForBackend,
  tryGpu,
  useDevice,
} from "./device";
export {
  CheckpointError,
  DeviceError,
  DivergedError,
  type DivergedErrorDetails,
  NoGpuError,
} from "./errors";
export { evaluateAccuracy } from "./evaluate";
export {
  type BatchProgress,
  type EpochSummary,
  formatDuration,
  formatRate,
  ProgressBar,
  type ProgressBarOptions,
  type ProgressStream,
} from "./progress-bar";
export { progressBar } from "./progress-callbacks";
export { formatReport } from "./report";
export { loadModel, saveModel } from "./save-model";
export { trainCh6 } from "./train-ch6";
export type {
  BatchInfo,
  EpochBeginInfo,
  EpochStats,
  ProgressInfo,
  TrainBeginInfo,
  TrainCallbacks,
  TrainOptions,
  TrainReport,
} from "./train-types";
export { xavierInit } from "./xavier";
