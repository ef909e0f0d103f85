import type * as fsPromises from "node:fs/promises";

/**
 * What the library needs from Node.js: files (checkpoints, saveModel) and the raw probes that
 * device.ts uses to decide which backends can run. The Node entry installs it; the browser entry
 * never does, so browser bundles carry no Node module.
 */
export interface NodeHost {
  readonly fs: typeof fsPromises;
  /** `path.join` */
  join(...parts: string[]): string;
  /** `path.dirname` */
  dirname(path: string): string;
  /** `path.basename` */
  basename(path: string): string;
  /** `process.platform` */
  readonly platform: string;
  /** An environment variable, or undefined. */
  env(name: string): string | undefined;
  /** Whether a file exists (sync; used for library probes). */
  exists(path: string): boolean;
  /** The output of `ldconfig -p`, or "" where there is no ldconfig. */
  ldconfigCache(): string;
  /** Whether `import(name)` would find the package, without loading it. */
  canResolve(name: string): boolean;
  /**
   * The folder (ending in the path separator) of package `name`'s resolved main file, e.g. where
   * `@tensorflow/tfjs-backend-wasm` keeps its `.wasm` binaries; undefined when not installed.
   */
  packageDir(name: string): string | undefined;
  /** `import(name)` from this package's location. */
  importModule(name: string): Promise<unknown>;
  /** A short random suffix for temporary names. */
  randomSuffix(): string;
}

let host: NodeHost | undefined;

/** Installs the Node host (called once by the Node entry). */
export function setNodeHost(value: NodeHost): void {
  host = value;
}

/** The Node host, or undefined in a browser. */
export function nodeHost(): NodeHost | undefined {
  return host;
}

/** The Node host, or an Error naming `what` and why it needs Node. */
export function requireNodeHost(what: string): NodeHost {
  if (host === undefined) {
    throw new Error(
      `${what} needs Node.js (it reads and writes files); in a browser use ` +
        `model.save("indexeddb://name") and tf.loadLayersModel("indexeddb://name")`,
    );
  }
  return host;
}
