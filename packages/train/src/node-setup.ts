// Node set-up, imported first by the Node entry (index.ts) and by the data-parallel worker: installs
// the Node platform (files, CUDA and Dawn probes, worker threads) and @ln/wasm's Node entry (the wasm
// backend's Node support and its training kernels).
import "@ln/wasm";
import { nodePlatform } from "./internal/node-host";
import { installPlatform } from "./internal/platform";

installPlatform(nodePlatform);
