import { DEVICE_REQUESTS, type Device, useDevice } from "@ln/train";
import { ValueError } from "./args";

/** --device's parser: one of useDevice's DEVICE_REQUESTS, else a one-line error that lists them. */
export function parseDevice(raw: string): string {
  if (!(DEVICE_REQUESTS as readonly string[]).includes(raw))
    throw new ValueError(`must be one of: ${DEVICE_REQUESTS.join(", ")}`);
  return raw;
}

/**
 * Starts the backend asked for. The CLI picks the backend, because a library never picks one behind
 * its user's back (the program calls `useDevice` itself), and it does so before any tensor exists, so
 * tfjs never falls back to its slow pure-JS `cpu` backend on its own.
 */
export function startDevice(request: string): Promise<Device> {
  return useDevice(request);
}

/** `wasm: WebAssembly (SIMD, 1 thread)`, or just the backend when the name adds nothing. */
export function describeDevice(device: Device): string {
  return device.name && device.name !== device.backend ? `${device.backend}: ${device.name}` : device.backend;
}
