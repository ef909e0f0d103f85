// Node's data-parallel workers: worker threads running the built worker script. The Node platform
// carries it; browser bundles never import it.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { type ShardThread, startPool } from "./pool";
import type { ShardWorkerConfig, ShardWorkers } from "./shard-workers";

/** The worker script: the built one beside this bundle, or (running from sources) worker.ts through tsx. */
function workerFile(): string {
  // ESM build: import.meta.url; CJS build: __filename (import.meta is empty there).
  const here = typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) return join(dirname(here), "worker-dev.mjs");
  return join(dirname(here), here.endsWith(".cjs") ? "data-parallel-worker.cjs" : "data-parallel-worker.js");
}

function workerThread(): ShardThread {
  const thread = new Worker(workerFile());
  return {
    post: (message) => thread.postMessage(message),
    listen(onReply, onFailure) {
      thread.on("message", onReply);
      thread.on("error", onFailure);
      thread.on("exit", (code) => onFailure(new Error(`the thread exited (code ${code})`)));
    },
    terminate: () => thread.terminate(),
  };
}

/** Starts `config.count` worker threads and waits until each has built its model. */
export function startShardWorkerThreads(config: ShardWorkerConfig): Promise<ShardWorkers> {
  return startPool(config, workerThread);
}
