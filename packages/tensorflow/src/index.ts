export { checkTensorflow, formatStatus, type TensorflowStatus } from "./check";
export { PACKAGE_NAMES, TENSORFLOW_VERSION, TFJS_NODE_VERSION, VARIANTS, type Variant } from "./constants";
export {
  MissingToolError,
  TensorflowNotReadyError,
  TensorflowSetupError,
  type ToolRequirement,
  UnsupportedPlatformError,
} from "./errors";
export type { CacheManifest } from "./internal/cache";
export type { CudaFindings } from "./internal/cuda";
export type { ProbeResult } from "./internal/probe";
export { applyNodeShim, type LoadTfjsNodeOptions, loadTfjsNode } from "./node-shim";
export type { TensorflowOptions } from "./options";
export { type SetupOptions, type SetupResult, setupTensorflow } from "./setup";
