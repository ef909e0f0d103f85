import { homedir } from "node:os";
import { join } from "node:path";
import { TENSORFLOW_VERSION, type Variant } from "../constants";

/** The per-machine cache root: `$XDG_CACHE_HOME/ln/tensorflow`, else `~/.cache/ln/tensorflow`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), ".cache");
  return join(base, "ln", "tensorflow");
}

/** The folder of one build: `<cacheDir>/2.21.0-cpu`. */
export function variantDir(cacheDir: string, variant: Variant): string {
  return join(cacheDir, `${TENSORFLOW_VERSION}-${variant}`);
}
