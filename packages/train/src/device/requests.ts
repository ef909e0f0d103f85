// The requests useDevice knows, as a runtime list, and the one translation between a tfjs backend
// name and the request that starts it ("cpu" names the CPU policy; tfjs's JavaScript backend is "js").

/** The policies: `auto` (GPU first), `gpu` (a GPU or NoGpuError), `cpu` (the fastest CPU backend). */
const POLICIES = ["auto", "gpu", "cpu"] as const;

/** One backend each, in the order GPU first; `js` is tfjs's pure-JavaScript `cpu` backend. */
const BACKEND_REQUESTS = ["tensorflow", "webgpu", "webgl", "wasm", "js"] as const;

/**
 * Every request `useDevice` knows, policies first, then one per backend (a program can list, offer
 * or check them; any other registered tfjs backend's name is accepted too).
 *
 * @example
 * ```ts
 * import { DEVICE_REQUESTS, useDevice } from "@ln/train";
 * const wanted = process.argv[2] ?? "auto";
 * if (!(DEVICE_REQUESTS as readonly string[]).includes(wanted)) throw new Error(`one of ${DEVICE_REQUESTS.join(", ")}`);
 * await useDevice(wanted);
 * ```
 */
export const DEVICE_REQUESTS = [...POLICIES, ...BACKEND_REQUESTS] as const;

/**
 * What `useDevice` accepts: one of {@link DEVICE_REQUESTS}, or the name of another registered tfjs backend.
 *
 * @example
 * ```ts
 * import { type DeviceRequest, useDevice } from "@ln/train";
 * const request: DeviceRequest = "wasm";
 * await useDevice(request);
 * ```
 */
export type DeviceRequest = (typeof DEVICE_REQUESTS)[number] | (string & {});

/**
 * The request that starts the tfjs backend named `backend` (as `tf.getBackend()` and `Device.backend`
 * name it): the name itself, except tfjs's `cpu` backend, which is requested as `"js"` because
 * `"cpu"` is the CPU policy.
 *
 * @example
 * ```ts
 * import { requestForBackend, useDevice } from "@ln/train";
 * const device = await useDevice("js"); // { backend: "cpu", ... }
 * await useDevice(requestForBackend(device.backend)); // "js" again, not the "cpu" policy
 * ```
 */
export function requestForBackend(backend: string): DeviceRequest {
  return backend === "cpu" ? "js" : backend;
}

/** Whether `request` is one of the policies (`auto`, `gpu`, `cpu`). */
export function isPolicy(request: string): request is (typeof POLICIES)[number] {
  return (POLICIES as readonly string[]).includes(request);
}

/** The valid requests, for error messages, with the backends registered now. */
export function validRequests(registered: readonly string[]): string {
  return (
    `expected ${POLICIES.map((p) => `"${p}"`).join(", ")} or a backend name: ` +
    `${BACKEND_REQUESTS.join(", ")} ("js" is tfjs's cpu backend) ` +
    `(registered now: ${registered.join(", ") || "none"})`
  );
}
