export { initWasmBackend, type WasmInitOptions, wasmThreads } from "./init";
export { registerWasmTrainingKernels } from "./register";
