/** The TensorFlow release whose libraries the binding is built against (PyPI's wheels). */
export const TENSORFLOW_VERSION = "2.21.0";

/** The tfjs-node (and tfjs-node-gpu) release whose binding sources are built, unchanged. */
export const TFJS_NODE_VERSION = "4.22.0";

/**
 * The two builds: `cpu` is `@tensorflow/tfjs-node` on `tensorflow-cpu`, `gpu` is
 * `@tensorflow/tfjs-node-gpu` on `tensorflow` with the CUDA 12 wheels beside it.
 *
 * @example
 * ```ts
 * import { VARIANTS } from "@ln/tensorflow";
 * console.log(VARIANTS); // [ 'cpu', 'gpu' ]
 * ```
 */
export const VARIANTS = ["cpu", "gpu"] as const;

/** One of {@link VARIANTS}. */
export type Variant = (typeof VARIANTS)[number];

/**
 * The npm package each variant makes work.
 *
 * @example
 * ```ts
 * import { PACKAGE_NAMES } from "@ln/tensorflow";
 * console.log(PACKAGE_NAMES.gpu); // @tensorflow/tfjs-node-gpu
 * ```
 */
export const PACKAGE_NAMES: Readonly<Record<Variant, string>> = {
  cpu: "@tensorflow/tfjs-node",
  gpu: "@tensorflow/tfjs-node-gpu",
};
