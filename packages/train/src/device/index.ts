// The device API: the policy (policy.ts) over its candidates (native.ts, webgpu.ts, backends.ts),
// the runtime list of requests (requests.ts), the model size its CPU rule reads (model-cost.ts), the types.
export { multiplyAddsPerExample, NATIVE_MIN_MULTIPLY_ADDS } from "./model-cost";
export { currentDevice, tryGpu, useDevice } from "./policy";
export { DEVICE_REQUESTS, type DeviceRequest, requestForBackend } from "./requests";
export type { Device, DeviceAttempt, DeviceOptions } from "./types";
