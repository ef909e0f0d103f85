import { getKernel, type KernelConfig, registerKernel, unregisterKernel } from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { registerFusedGradient, restoreStockGradient } from "./fused-gradient";
import {
  fasterKernelConfigs,
  fusedKernelConfigs,
  gradientConfigs,
  missingKernelConfigs,
  trainingKernelConfigs,
} from "./kernels";
import { captureStock, isOurs } from "./stock";

/**
 * Registers, for the `wasm` backend, every kernel a training step needs that wasm
 * lacks (e.g. Conv2DBackpropFilter, UnsortedSegmentSum) and replaces the stock ones
 * that are too slow to train with, and replaces the sigmoid and relu gradients with
 * ones that run a fused kernel on wasm (tfjs's own op chains on every other backend).
 * Idempotent; works before or after the backend initializes.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { registerWasmTrainingKernels } from "@ln/wasm";
 * registerWasmTrainingKernels();
 * await tf.setBackend("wasm");
 * ```
 */
export function registerWasmTrainingKernels(): void {
  for (const config of trainingKernelConfigs()) {
    const current = getKernel(config.kernelName, "wasm");
    if (isOurs(current)) continue;
    // Remember the stock kernel before it goes: our replacements build on it, and it
    // needs its setup (its cwrap) to run when the backend initializes.
    const stock = captureStock(config.kernelName);
    if (current != null) unregisterKernel(config.kernelName, "wasm");
    const replacement: KernelConfig = {
      ...config,
      setupFunc: stock?.setupFunc,
      disposeFunc: stock?.disposeFunc,
    };
    registerKernel(replacement);
  }
  for (const config of gradientConfigs()) registerFusedGradient(config);
}

/**
 * Puts the stock wasm kernels back in place of our faster replacements (the missing
 * kernels stay) and tfjs's gradients in place of the fused ones: the baseline a benchmark
 * compares against. Undo with {@link registerWasmTrainingKernels}. Internal: not part of
 * the public API.
 */
export function restoreStockKernels(): void {
  for (const config of fasterKernelConfigs()) {
    const stock = captureStock(config.kernelName);
    if (stock == null || !isOurs(getKernel(config.kernelName, "wasm"))) continue;
    unregisterKernel(config.kernelName, "wasm");
    registerKernel(stock);
  }
  for (const config of fusedKernelConfigs()) {
    if (isOurs(getKernel(config.kernelName, "wasm"))) unregisterKernel(config.kernelName, "wasm");
  }
  for (const config of gradientConfigs()) restoreStockGradient(config.kernelName);
}

/**
 * The kernels {@link registerWasmTrainingKernels} installs for `wasm`: `added` are kernels the
 * stock backend lacks (training a conv net fails without them), `replaced` are stock kernels
 * swapped for faster ones.
 *
 * @example
 * ```ts
 * import { trainingKernelNames } from "@ln/wasm";
 * console.log(trainingKernelNames().added); // ["Conv2DBackpropFilter", "UnsortedSegmentSum"]
 * ```
 */
export function trainingKernelNames(): { added: string[]; replaced: string[] } {
  return {
    added: missingKernelConfigs().map((c) => c.kernelName),
    replaced: fasterKernelConfigs().map((c) => c.kernelName),
  };
}
