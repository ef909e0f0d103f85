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
