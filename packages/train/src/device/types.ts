import type * as tf from "@tensorflow/tfjs";

/**
 * The backend `useDevice` chose.
 *
 * @example
 * ```ts
 * const device: Device = await useDevice();
 * console.log(`${device.backend} (${device.kind}): ${device.name}`);
 * ```
 */
export interface Device {
  /** The tfjs backend name, as `tf.getBackend()` reports it: `tensorflow`, `webgpu`, `webgl`, `wasm`, `cpu`. */
  readonly backend: string;
  /** `gpu` when the work runs on a graphics processor; software adapters (SwiftShader) count as `cpu`. */
  readonly kind: "gpu" | "cpu";
  /** A readable description, e.g. `SwiftShader driver 5.0.0 (WebGPU through Dawn, software adapter)`. */
  readonly name: string;
  /**
   * Why a policy (`auto`, `gpu`, `cpu`) chose this backend, in a sentence, e.g. `no GPU (...); native
   * TensorFlow, as the model has 937.1M multiply-adds per example (>= 20M: faster than wasm)`. Absent
   * when a backend was asked for by name.
   */
  readonly reason?: string;
  /**
   * Set (and printed with `console.warn`) when the choice is one to fix: tfjs's pure-JavaScript `cpu`
   * backend, 10-100x slower than wasm, because nothing faster started; says why and what to do.
   */
  readonly warning?: string;
}

/**
 * Options of `useDevice`.
 *
 * @example
 * ```ts
 * const options: DeviceOptions = { wasmThreads: 2 }; // 2 XNNPACK threads if wasm is chosen
 * await useDevice("auto", options);
 * ```
 */
export interface DeviceOptions {
  /**
   * Threads for the wasm backend, should it be chosen (default 1; see `initWasmBackend`). Fixed when
   * wasm first starts in a process; where threads are unavailable it warns and runs one.
   */
  wasmThreads?: number;
  /**
   * The model to pick a CPU engine for (`auto` and `cpu`): native TensorFlow when its multiply-adds per
   * example reach `NATIVE_MIN_MULTIPLY_ADDS`, else wasm, the faster of the two for small models
   * (measured: docs/perf.md). Without it, native TensorFlow comes first where it is set up. Only its
   * layers' shapes are read, so a model built on any backend (and disposed afterwards) will do.
   */
  model?: tf.LayersModel;
  /**
   * The project where `ln setup tensorflow` (or `npx ln-tensorflow`) set up `@tensorflow/tfjs-node(-gpu)`:
   * they are loaded from there (default: the current folder, and the folders above it).
   */
  tensorflowProject?: string;
}

/**
 * One backend that was tried and why it was not used (a `DeviceError`'s `attempts`).
 *
 * @example
 * ```ts
 * const attempt: DeviceAttempt = { name: "WebGL", reason: "not registered (tfjs registers WebGL only in a browser)" };
 * console.log(`${attempt.name}: ${attempt.reason}`);
 * ```
 */
export interface DeviceAttempt {
  /** The candidate, e.g. `@tensorflow/tfjs-node-gpu (CUDA)` or `WebGPU (navigator.gpu)`. */
  readonly name: string;
  /** Why it was not used, in a sentence that names what is missing. */
  readonly reason: string;
}
