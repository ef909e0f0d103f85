// A data-parallel worker thread in Node (started by node-threads.ts): the Node platform and @ln/wasm's
// Node support, then the shared worker body over the thread's parent port.
import "../node-setup";
import { parentPort } from "node:worker_threads";
import { serveShards } from "./serve-shards";

const port = parentPort!;
serveShards({
  post: (message) => port.postMessage(message),
  onMessage: (handler) => port.on("message", handler),
});
