// The device policy: which candidates each request tries, in what order, and what a failure throws.
// The candidates live beside it: native.ts (tfjs-node, CUDA), webgpu.ts, backends.ts (WebGL, wasm, js).
import * as tf from "@tensorflow/tfjs";
import { DeviceError, NoGpuError } from "../errors";
import { inNode } from "../internal/environment";
import { jsCpu, wasm, webgl } from "./backends";
import { activate, type Candidate } from "./candidate";
import { nodeOnly, tfjsNodeCpu, tfjsNodeGpu } from "./native";
import { type DeviceRequest, isPolicy, validRequests } from "./requests";
import type { Device, DeviceAttempt, DeviceOptions } from "./types";
import { webgpuBrowser, webgpuNode } from "./webgpu";

let lastDevice: Device | undefined;

/**
 * Picks and starts a tfjs backend, GPU first, and returns what it chose. Calls `tf.setBackend` and
 * waits for `tf.ready()`.
 *
 * - `'auto'` (default): the first GPU that starts, else the fastest CPU backend.
 * - `'gpu'`: a GPU or a {@link NoGpuError} listing every candidate and why it failed.
 * - `'cpu'`: `@tensorflow/tfjs-node`, then `wasm`, then `cpu`.
 * - a backend name (`'tensorflow'`, `'webgpu'`, `'webgl'`, `'wasm'`, or any registered one): that
 *   backend. `'webgpu'` accepts a software adapter (SwiftShader). As `'cpu'` names the policy above,
 *   tfjs's pure-JavaScript `cpu` backend (the slow reference) is `'js'` (see `requestForBackend`).
 *
 * Any other failure is a {@link DeviceError} whose `attempts` say what was tried and why it failed
 * (none for an unknown name). `DEVICE_REQUESTS` lists the requests.
 *
 * GPU candidates in Node: `@tensorflow/tfjs-node-gpu` (an optional peer, loaded only once its CUDA
 * 11.2 / cuDNN 8 libraries are found), then WebGPU through the `webgpu` package (Dawn). In a browser:
 * WebGPU, then WebGL. Software adapters are not GPUs.
 *
 * @example
 * ```ts
 * import { useDevice } from "@ln/train";
 * const device = await useDevice(); // e.g. { backend: "wasm", kind: "cpu", name: "WebAssembly (SIMD, 1 thread)" }
 * await useDevice("wasm", { wasmThreads: 2 }); // wasm with 2 threads (chosen before wasm first starts)
 * console.log(`training on ${device.name}`);
 * ```
 */
export async function useDevice(
  request: DeviceRequest = "auto",
  options: DeviceOptions = {},
): Promise<Device> {
  if (typeof request !== "string" || request === "") {
    throw new TypeError(`useDevice: expected a string request, got ${String(request)}; ${expected()}`);
  }
  const candidates = isPolicy(request)
    ? policyCandidates(request, options)
    : namedCandidates(request, options);
  if (candidates.length === 0) {
    throw new DeviceError(request, [], `useDevice: unknown device "${request}"; ${expected()}`);
  }
  const attempts: DeviceAttempt[] = [];
  for (const candidate of candidates) {
    const outcome = await candidate.start();
    if ("device" in outcome) {
      lastDevice = outcome.device;
      return outcome.device;
    }
    attempts.push({ name: candidate.name, reason: outcome.reason });
  }
  if (request === "gpu") throw new NoGpuError(attempts);
  if (isPolicy(request)) throw new DeviceError(request, attempts);
  throw new DeviceError(request, attempts, `useDevice("${request}"): the backend could not be started`);
}

/**
 * d2l's `try_gpu()`: a GPU if one starts, otherwise the CPU; the same as `useDevice('auto')`.
 *
 * @example
 * ```ts
 * import { tryGpu } from "@ln/train";
 * const device = await tryGpu();
 * console.log(device.kind); // "gpu" or "cpu"
 * ```
 */
export function tryGpu(): Promise<Device> {
  return useDevice("auto");
}

/**
 * Describes the backend tfjs is using now: what `useDevice` returned if it chose it, otherwise a
 * description from the backend name. Starts nothing.
 *
 * @example
 * ```ts
 * import { currentDevice } from "@ln/train";
 * console.log(currentDevice().backend); // e.g. "cpu"
 * ```
 */
export function currentDevice(): Device {
  const backend = tf.getBackend();
  if (lastDevice?.backend === backend) return lastDevice;
  return { backend, kind: backend === "webgl" || backend === "webgpu" ? "gpu" : "cpu", name: backend };
}

function expected(): string {
  return validRequests(Object.keys(tf.engine().registryFactory).sort());
}

function policyCandidates(policy: "auto" | "gpu" | "cpu", options: DeviceOptions): Candidate[] {
  const host = inNode();
  const gpus = host ? [tfjsNodeGpu(host), webgpuNode(host, false)] : [webgpuBrowser(false), webgl(false)];
  const cpus = [...(host ? [tfjsNodeCpu(host)] : []), wasm(options), jsCpu()];
  return policy === "gpu" ? gpus : policy === "cpu" ? cpus : [...gpus, ...cpus];
}

function namedCandidates(name: string, options: DeviceOptions): Candidate[] {
  const host = inNode();
  switch (name) {
    case "tensorflow":
      if (tf.findBackendFactory("tensorflow")) return [registered("tensorflow")];
      return host ? [tfjsNodeGpu(host), tfjsNodeCpu(host)] : [nodeOnly()];
    case "webgpu":
      return [host ? webgpuNode(host, true) : webgpuBrowser(true)];
    case "webgl":
      return [webgl(true)];
    case "wasm":
      return [wasm(options)];
    case "js":
      return [jsCpu()];
    default:
      return tf.findBackendFactory(name) ? [registered(name)] : [];
  }
}

/** A backend registered by someone else (e.g. by importing its package). */
function registered(backend: string): Candidate {
  return {
    name: backend,
    kind: "cpu",
    async start() {
      const failure = await activate(backend);
      if (failure) return { reason: failure };
      return { device: currentDevice() };
    },
  };
}
