// The device API: the policy (policy.ts) over its candidates (native.ts, webgpu.ts, backends.ts),
// the runtime list of requests (requests.ts) and the types.
export { currentDevice, tryGpu, useDevice } from "./policy";
export { DEVICE_REQUESTS, type DeviceRequest, requestForBackend } from "./requests";
export type { Device, DeviceAttempt, DeviceOptions } from "./types";
