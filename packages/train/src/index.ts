// Node entry. Importing it installs the Node host (files, CUDA and Dawn probes) and the wasm
// backend's Node support (its .wasm folder, threads), and registers the wasm training kernels;
// the browser entry (index.browser.ts) does the last only.
import { startShardWorkerThreads } from "./data-parallel/pool";
import { setShardWorkerStarter } from "./data-parallel/shard-workers";
import { setNodeHost } from "./internal/host";
import { nodeHostImpl } from "./internal/node-host";
import { registerWasmTrainingKernels } from "./wasm/index";
import { installWasmNodeSupport } from "./wasm/node";

setNodeHost(nodeHostImpl);
setShardWorkerStarter(startShardWorkerThreads);
installWasmNodeSupport();
registerWasmTrainingKernels();

export type { ArrayBatch, Batch, BatchSource, TensorBatch } from "./data";
export {
  currentDevice,
  type Device,
  type DeviceAttempt,
  type DeviceRequest,
  tryGpu,
  useDevice,
} from "./device";
export { CheckpointError, DivergedError, type DivergedErrorDetails, NoGpuError } from "./errors";
export { evaluateAccuracy } from "./evaluate";
export { formatReport } from "./report";
export { loadModel, saveModel } from "./save-model";
export { trainCh6 } from "./train-ch6";
export type {
  BatchInfo,
  EpochStats,
  ProgressInfo,
  TrainCallbacks,
  TrainOptions,
  TrainReport,
} from "./train-types";
export {
  initWasmBackend,
  registerWasmTrainingKernels,
  type WasmInitOptions,
  wasmThreads,
} from "./wasm/index";
export { installWasmNodeSupport } from "./wasm/node";
export { xavierInit } from "./xavier";
