// Node entry. Importing it installs the Node host (files, CUDA and Dawn probes); importing @ln/wasm
// (through device.ts) sets up the wasm backend and registers its training kernels.
import { startShardWorkerThreads } from "./data-parallel/pool";
import { setShardWorkerStarter } from "./data-parallel/shard-workers";
import { setNodeHost } from "./internal/host";
import { nodeHostImpl } from "./internal/node-host";

setNodeHost(nodeHostImpl);
setShardWorkerStarter(startShardWorkerThreads);

export * from "./api";
