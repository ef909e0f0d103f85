export { initWasmBackend, type WasmInitOptions } from "./init";
export { registerWasmTrainingKernels } from "./register";
