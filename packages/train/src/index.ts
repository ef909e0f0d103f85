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

export * from "./api";
export { installWasmNodeSupport } from "./wasm/node";
