import type { KernelConfig } from "@tensorflow/tfjs";
import { conv2dBackpropFilterConfig } from "./conv2d-backprop-filter";

/** Every kernel `registerWasmTrainingKernels` installs for wasm: missing ones and
 * faster replacements. */
export function trainingKernelConfigs(): KernelConfig[] {
  return [conv2dBackpropFilterConfig];
}
