import type { GradConfig, KernelConfig } from "@tensorflow/tfjs-core";
import { avgPoolConfig } from "./avg-pool";
import { avgPoolGradConfig } from "./avg-pool-grad";
import { batchMatMulConfig } from "./batch-mat-mul";
import { castConfig } from "./cast";
import { conv2dConfig, fusedConv2dConfig } from "./conv2d";
import { conv2dBackpropFilterConfig } from "./conv2d-backprop-filter";
import { conv2dBackpropFilterBiasConfig } from "./conv2d-backprop-filter-bias";
import { conv2dBackpropInputConfig } from "./conv2d-backprop-input";
import { fusedMatMulConfig } from "./fused-mat-mul";
import { identityConfig } from "./identity";
import { maxPoolGradConfig } from "./max-pool-grad";
import { lnReluGradConfig, reluGradConfig } from "./relu-grad";
import { sigmoidConfig } from "./sigmoid";
import { lnSigmoidGradConfig, sigmoidGradConfig } from "./sigmoid-grad";
import { sumConfig } from "./sum";
import { unsortedSegmentSumConfig } from "./unsorted-segment-sum";

/** Kernels a training step needs that the wasm backend does not have at all. */
export function missingKernelConfigs(): KernelConfig[] {
  return [conv2dBackpropFilterConfig, unsortedSegmentSumConfig];
}

/** Faster replacements for stock wasm kernels that dominate a training step. */
export function fasterKernelConfigs(): KernelConfig[] {
  return [
    conv2dBackpropInputConfig,
    batchMatMulConfig,
    fusedMatMulConfig,
    avgPoolConfig,
    avgPoolGradConfig,
    maxPoolGradConfig,
    identityConfig,
    castConfig,
    conv2dConfig,
    fusedConv2dConfig,
    sumConfig,
    sigmoidConfig,
  ];
}

/**
 * Kernels of our own, no stock counterpart: fused gradients, which {@link gradientConfigs} call on wasm, and
 * LnConv2DBackpropFilterBias, which @ln/train's convolutions on data call where a backend has it.
 */
export function fusedKernelConfigs(): KernelConfig[] {
  return [lnSigmoidGradConfig, lnReluGradConfig, conv2dBackpropFilterBiasConfig];
}

/** Gradients replaced for every backend: a fused kernel where the backend has it, else tfjs's own. */
export function gradientConfigs(): GradConfig[] {
  return [sigmoidGradConfig, reluGradConfig];
}

/** Every kernel `registerWasmTrainingKernels` installs for wasm. */
export function trainingKernelConfigs(): KernelConfig[] {
  return [...missingKernelConfigs(), ...fasterKernelConfigs(), ...fusedKernelConfigs()];
}
