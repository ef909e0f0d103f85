import { DEVICE_REQUESTS, type Device, useDevice } from "@ln/train";
import * as tf from "@tensorflow/tfjs";
import { ValueError } from "./args";

/** --device's parser: one of useDevice's DEVICE_REQUESTS, else a one-line error that lists them. */
export function parseDevice(raw: string): string {
  if (!(DEVICE_REQUESTS as readonly string[]).includes(raw))
    throw new ValueError(`must be one of: ${DEVICE_REQUESTS.join(", ")}`);
  return raw;
}

/**
 * Starts the backend asked for. The CLI picks the backend, because a library never picks one behind
 * its user's back (the program calls `useDevice` itself), and it does so before any tensor of the run
 * exists, so tfjs never falls back to its slow pure-JS `cpu` backend on its own.
 *
 * For `auto` and `cpu`, `sizeModel` builds the model once more on tfjs's JavaScript backend, only for
 * useDevice's CPU rule to count its multiply-adds per example (native TensorFlow for big models, wasm
 * for small ones), and disposes it; AlexNet's takes about half a second. wasm, where it starts, runs on
 * `wasmThreads` threads (how a run uses them: training.ts's coresFor).
 */
export async function startDevice(
  request: string,
  sizeModel?: () => tf.LayersModel,
  wasmThreads?: number,
): Promise<Device> {
  const threads = wasmThreads === undefined ? {} : { wasmThreads };
  if (sizeModel === undefined || (request !== "auto" && request !== "cpu"))
    return useDevice(request, threads);
  await tf.setBackend("cpu");
  // tfjs's cpu backend advises installing tfjs-node on its first tensor; here it only holds a model to size.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  const model = sizeModel();
  try {
    return await useDevice(request, { model, ...threads });
  } finally {
    model.dispose();
  }
}

/** `wasm: WebAssembly (SIMD, 1 thread)`, or just the backend when the name adds nothing. */
export function describeDevice(device: Device): string {
  return device.name && device.name !== device.backend ? `${device.backend}: ${device.name}` : device.backend;
}

/**
 * The lines that say which engine runs and why (`auto`/`cpu`: the policy's reason; a backend asked for
 * by name: that it was asked for), and the warning when it is tfjs's slow pure-JS backend.
 */
export function deviceLines(device: Device, request: string): string {
  const why = device.reason ?? `asked for with --device ${request}`;
  return `training on ${describeDevice(device)}\n  why: ${why}\n${device.warning ? `warning: ${device.warning}\n` : ""}`;
}
