import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { PACKAGE_NAMES } from "./constants";
import { TensorflowNotReadyError } from "./errors";

/**
 * Restores the `util` functions Node 23 removed and tfjs-node 4.22.0 still calls (`util.isNullOrUndefined`,
 * `util.isArray`), only where they are missing. Call it before tfjs-node loads; {@link loadTfjsNode} does.
 * Returns the names it restored (none on Node 20 and 22).
 *
 * @example
 * ```ts
 * import { applyNodeShim } from "@ln/tensorflow";
 * console.log(applyNodeShim()); // [] on Node 20/22, [ 'isNullOrUndefined', 'isArray' ] on Node 24
 * ```
 */
export function applyNodeShim(): string[] {
  const util = process.getBuiltinModule("node:util") as unknown as Record<string, unknown>;
  const restored: string[] = [];
  if (typeof util.isNullOrUndefined !== "function") {
    util.isNullOrUndefined = (v: unknown) => v === null || v === undefined;
    restored.push("isNullOrUndefined");
  }
  if (typeof util.isArray !== "function") {
    util.isArray = Array.isArray;
    restored.push("isArray");
  }
  return restored;
}

/** Options of {@link loadTfjsNode}. */
export interface LoadTfjsNodeOptions {
  /** Load `@tensorflow/tfjs-node-gpu` instead of `@tensorflow/tfjs-node`. */
  gpu?: boolean;
  /** The folder to resolve the package from, as Node would from a file there (default: `process.cwd()`). */
  from?: string;
}

/**
 * Loads tfjs-node (or tfjs-node-gpu) as set up by {@link setupTensorflow}: applies {@link applyNodeShim}
 * first, then `require`s the package resolved from `from`, and returns its module (`tf` with the
 * `tensorflow` backend registered; importing tfjs-node also makes it the current backend). Nothing is
 * imported before this is called, so a project without native TensorFlow never pays for it.
 *
 * Throws {@link TensorflowNotReadyError} when the package is not installed, or its binding is not built or
 * does not load (`cause` holds the loader's error), with the command that fixes it.
 *
 * @example
 * ```ts
 * import { loadTfjsNode } from "@ln/tensorflow";
 * const tf = await loadTfjsNode<typeof import("@tensorflow/tfjs-node")>();
 * console.log(tf.getBackend()); // tensorflow
 * ```
 */
export async function loadTfjsNode<T = unknown>(options: LoadTfjsNodeOptions = {}): Promise<T> {
  const name = options.gpu ? PACKAGE_NAMES.gpu : PACKAGE_NAMES.cpu;
  const from = resolve(options.from ?? process.cwd());
  const command = `npx ln-tensorflow${options.gpu ? " --gpu" : ""}`;
  const require = createRequire(join(from, "package.json"));
  let path: string;
  try {
    path = require.resolve(name);
  } catch (error) {
    throw new TensorflowNotReadyError(name, `${name} is not installed where ${from} can load it.`, {
      hint: `Run \`${command}\` (or \`ln setup tensorflow${options.gpu ? " --gpu" : ""}\`) in the project: it installs and builds it.`,
      cause: error,
    });
  }
  applyNodeShim();
  try {
    return require(path) as T;
  } catch (error) {
    throw new TensorflowNotReadyError(
      name,
      `${name} is installed (${path}) but does not load: ${(error as Error).message.split("\n")[0]}`,
      {
        hint: `Run \`${command}\` to build its binding against TensorFlow 2.21; \`${command} --check\` says what is missing.`,
        cause: error,
      },
    );
  }
}
