import type * as fsPromises from "node:fs/promises";
import { platform } from "./platform";

/**
 * What the library needs from Node.js: files (checkpoints, saveModel) and the raw probes that
 * device/ uses to decide which backends can run. The Node platform carries it; the browser one
 * has none, so browser bundles carry no Node module.
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
  /**
   * Whether `import(name)` would find the package, without loading it: from this package's location, or
   * from the folder `from` (a project's, as Node resolves from a file there).
   */
  canResolve(name: string, from?: string): boolean;
  /** `process.cwd()` */
  cwd(): string;
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

/** The installed platform's Node host, or undefined (a browser). */
export function nodeHost(): NodeHost | undefined {
  return platform()?.host;
}

/** The Node host, or an Error naming `what`, why it needs Node and what to use instead here. */
export function requireNodeHost(what: string): NodeHost {
  const installed = platform();
  if (installed?.host) return installed.host;
  const instead = installed
    ? installed.filesAlternative
    : 'no entry point of @ln/train is loaded: import "@ln/train", not a file inside it';
  throw new Error(`${what} needs Node.js (it reads and writes files)${instead ? `; ${instead}` : ""}`);
}
