/**
 * Options shared by {@link setupTensorflow} and {@link checkTensorflow}. Everything the setup looks at
 * can be given here (the machine, the environment, the Node), so it can be asked about another setup and
 * tested without mocks.
 */
export interface TensorflowOptions {
  /** Build `@tensorflow/tfjs-node-gpu` against `tensorflow` + CUDA 12 instead of tfjs-node on `tensorflow-cpu`. */
  gpu?: boolean;
  /** The project whose tfjs-node to set up (default: `process.cwd()`). */
  projectDir?: string;
  /** The per-machine cache (default: `$XDG_CACHE_HOME/ln/tensorflow`, else `~/.cache/ln/tensorflow`). */
  cacheDir?: string;
  /** The environment: PATH (where tools are looked for), pip's configuration, HOME (default: `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** The Node to build the binding for and load it with (default: `process.execPath`). */
  execPath?: string;
  /** The operating system, as `process.platform` names it (default: this one). */
  platform?: string;
  /** The CPU architecture, as `process.arch` names it (default: this one). */
  arch?: string;
  /** glibc's version, null for none (default: this machine's). */
  glibc?: string | null;
  /** Progress, one line at a time (the CLI prints them). */
  onProgress?: (message: string) => void;
}
