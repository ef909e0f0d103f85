// Node entry. Importing it installs Node's half of the wasm setup (the installed backend's .wasm
// folder, threads through worker_threads) and registers the training kernels for the wasm backend:
// registering is this package's purpose (see README.md).
import { nodePlatform } from "./node";
import { installPlatform } from "./platform";
import { registerWasmTrainingKernels } from "./register";

installPlatform(nodePlatform);
registerWasmTrainingKernels();

export * from "./api";
