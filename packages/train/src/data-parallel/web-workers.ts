// A browser's data-parallel workers: module Web Workers running dist/data-parallel-worker.browser.js.
// The browser platform carries it.
import { type ShardThread, startPool } from "./pool";
import type { ShardWorkerConfig, ShardWorkers } from "./shard-workers";

/**
 * The worker script's URL, written as `new Worker(new URL("./file.js", import.meta.url), { type:
 * "module" })`, the pattern Vite and webpack 5 recognise: they bundle the worker and rewrite the URL.
 * The built script sits beside this bundle in dist/ (esbuild leaves the URL as written: bundle the
 * worker as a second entry point beside the app's bundle).
 */
function startWebWorker(): Worker {
  try {
    return new Worker(new URL("./data-parallel-worker.browser.js", import.meta.url), { type: "module" });
  } catch (error) {
    // The CommonJS build has no import.meta.url, so no way to find the script.
    throw new Error(
      `the worker script data-parallel-worker.browser.js could not be started (${(error as Error).message}); ` +
        "dataParallel in a browser needs @ln/train's ES module build, which bundlers pick by default",
      { cause: error },
    );
  }
}

function webWorker(): ShardThread {
  const worker = startWebWorker();
  return {
    post: (message) => worker.postMessage(message),
    listen(onReply, onFailure) {
      worker.addEventListener("message", (event: MessageEvent) => onReply(event.data));
      worker.addEventListener("error", (event: ErrorEvent) => {
        // A script that failed to load (404, a wrong MIME type, a COEP mismatch) gives an event without a message.
        onFailure(
          new Error(
            event.message ||
              "its script (data-parallel-worker.browser.js) did not load or failed as it started; check the " +
                "browser's network panel and console",
          ),
        );
      });
      worker.addEventListener("messageerror", () =>
        onFailure(
          new Error("a message could not be read (shared memory needs a cross-origin isolated page)"),
        ),
      );
    },
    terminate: async () => worker.terminate(),
  };
}

/** Starts `config.count` Web Workers and waits until each has built its model. */
export function startWebWorkers(config: ShardWorkerConfig): Promise<ShardWorkers> {
  return startPool(config, webWorker);
}
