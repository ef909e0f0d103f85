import type { StartShardWorkers } from "../data-parallel/shard-workers";
import type { ProgressStream } from "../progress-bar";
import { consoleStream } from "./console-stream";
import type { NodeHost } from "./host";

/**
 * Everything @ln/train needs from the runtime, behind one seam so that browser bundles reach no
 * Node module. Each entry point installs its platform once, on import: index.ts the Node one
 * (node-setup.ts), index.browser.ts the browser one (browser-setup.ts). Tests install fakes.
 */
export interface TrainPlatform {
  /** The runtime it serves. */
  readonly name: "node" | "browser";
  /** Files (checkpoints, saveModel) and the probes useDevice runs; absent where there are none. */
  readonly host?: NodeHost;
  /** Starts data-parallel workers (Node's worker threads, a browser's Web Workers); absent where there are none. */
  readonly startShardWorkers?: StartShardWorkers;
  /** What to use instead of files here, for error messages (the browser: IndexedDB). */
  readonly filesAlternative?: string;
  /** Where progress bars write by default (Node: `process.stdout`); absent: the console. */
  readonly output?: ProgressStream;
}

/**
 * A browser: no files (models are kept in IndexedDB instead). browser-setup.ts adds the Web Workers of
 * data-parallel training; tests use this as it is.
 */
export const browserPlatform: TrainPlatform = {
  name: "browser",
  filesAlternative:
    'in a browser use model.save("indexeddb://name") and tf.loadLayersModel("indexeddb://name")',
};

let installed: TrainPlatform | undefined;

/** Installs the runtime's platform (each entry point once, on import) and returns the one it replaces. */
export function installPlatform(value: TrainPlatform): TrainPlatform | undefined {
  const previous = installed;
  installed = value;
  return previous;
}

/** Where a progress bar writes when told nothing: the platform's output, else the console. */
export function defaultOutput(): ProgressStream {
  return installed?.output ?? consoleStream();
}

/** The installed platform, or undefined when no entry point of @ln/train was imported. */
export function platform(): TrainPlatform | undefined {
  return installed;
}
