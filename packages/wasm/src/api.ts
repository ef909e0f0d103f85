// The API both entries share (index.ts for Node, index.browser.ts for browsers); each entry installs
// its platform and registers the kernels on import. Kept free of Node modules.

export {
  type CompiledGradients,
  CompiledStep,
  compileTrainingStep,
  type StepActivation,
  type StepLayer,
} from "./compiled-step";
export { LnConv2DBackpropFilterBias } from "./conv2d-backprop-filter-bias";
export { initWasmBackend, type WasmInitOptions, wasmThreads } from "./init";
export { kernelThreads, type SplitCallTiming, splitKernelCalls, timeSplitCalls } from "./kernel-threads";
export { registerWasmTrainingKernels, trainingKernelNames } from "./register";
export { useWinograd } from "./winograd-conv";
