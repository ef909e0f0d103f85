// The device policy: which candidates each request tries, in what order, why it chose what it did, and
// what a failure throws. The candidates live beside it: native.ts (tfjs-node, tfjs-node-gpu through
// @ln/tensorflow), webgpu.ts, backends.ts (WebGL, wasm, js); model-cost.ts sizes a model for the CPU rule.
import * as tf from "@tensorflow/tfjs";
import { DeviceError, NoGpuError } from "../errors";
import { inNode } from "../internal/environment";
import { jsCpu, wasm, webgl } from "./backends";
import { activate, type Candidate } from "./candidate";
import { multiplyAddsPerExample, NATIVE_MIN_MULTIPLY_ADDS } from "./model-cost";
import { nodeOnly, tfjsNodeCpu, tfjsNodeGpu } from "./native";
import { type DeviceRequest, isPolicy, validRequests } from "./requests";
import type { Device, DeviceAttempt, DeviceOptions } from "./types";
import { webgpuBrowser, webgpuNode } from "./webgpu";

let lastDevice: Device | undefined;

/**
 * Picks and starts a tfjs backend, GPU first, and returns what it chose. Calls `tf.setBackend` and
 * waits for `tf.ready()`.
 *
 * - `'auto'` (default): the first GPU that starts, else the CPU as `'cpu'` picks it.
 * - `'gpu'`: a GPU or a {@link NoGpuError} listing every candidate and why it failed.
 * - `'cpu'`: the faster engine for `options.model`: native TensorFlow (`tensorflow`, tfjs-node set up by
 *   `ln setup tensorflow`) from {@link NATIVE_MIN_MULTIPLY_ADDS} multiply-adds per example (or when no
 *   model is given), else `wasm`; the other one if the first does not start; tfjs's pure-JS `cpu` backend
 *   last, and then loudly: `warning` on the result and `console.warn`.
 * - a backend name (`'tensorflow'`, `'webgpu'`, `'webgl'`, `'wasm'`, or any registered one): that
 *   backend. `'webgpu'` accepts a software adapter (SwiftShader). As `'cpu'` names the policy above,
 *   tfjs's pure-JavaScript `cpu` backend (the slow reference) is `'js'` (see `requestForBackend`).
 *
 * Any other failure is a {@link DeviceError} whose `attempts` say what was tried and why it failed
 * (none for an unknown name). `DEVICE_REQUESTS` lists the requests.
 *
 * A policy's result says why in `reason`. GPU candidates in Node: `@tensorflow/tfjs-node-gpu` (set up by
 * `ln setup tensorflow --gpu`, loaded only once TensorFlow has placed an op on a CUDA device in a child
 * process), then WebGPU through the `webgpu` package (Dawn). In a browser: WebGPU, then WebGL. Software
 * adapters are not GPUs.
 *
 * @example
 * ```ts
 * import { useDevice } from "@ln/train";
 * const device = await useDevice(); // e.g. { backend: "wasm", kind: "cpu", name: "WebAssembly (SIMD, 1 thread)", reason: "..." }
 * await useDevice("wasm", { wasmThreads: 2 }); // wasm with 2 threads (chosen before wasm first starts)
 * console.log(`training on ${device.name}: ${device.reason}`);
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
  const failed: Failure[] = [];
  for (const candidate of candidates) {
    const outcome = await candidate.start();
    if ("device" in outcome) {
      const device = isPolicy(request) ? explain(request, outcome.device, failed, options) : outcome.device;
      if (device.warning) console.warn(device.warning);
      lastDevice = device;
      return device;
    }
    attempts.push({ name: candidate.name, reason: outcome.reason });
    failed.push({ kind: candidate.kind, attempt: attempts[attempts.length - 1] });
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
  const gpus = host
    ? [tfjsNodeGpu(host, options), webgpuNode(host, false)]
    : [webgpuBrowser(false), webgl(false)];
  const native = host ? [tfjsNodeCpu(host, options)] : [];
  const cpus = nativeFirst(options)
    ? [...native, wasm(options), jsCpu()]
    : [wasm(options), ...native, jsCpu()];
  return policy === "gpu" ? gpus : policy === "cpu" ? cpus : [...gpus, ...cpus];
}

/** The measured CPU rule: native TensorFlow for models from the threshold up, or of unknown size. */
function nativeFirst(options: DeviceOptions): boolean {
  return options.model === undefined || multiplyAddsPerExample(options.model) >= NATIVE_MIN_MULTIPLY_ADDS;
}

const millions = (n: number) => `${(n / 1e6).toPrecision(3)}M`;

/** A candidate that did not start, and whether it was a GPU one. */
interface Failure {
  kind: "gpu" | "cpu";
  attempt: DeviceAttempt;
}

/** The policy's result with `reason` (why this one) and, for tfjs's pure-JS backend, `warning`. */
function explain(policy: string, device: Device, failed: Failure[], options: DeviceOptions): Device {
  const tried = (f: Failure[]) => f.map(({ attempt: a }) => `${a.name}: ${a.reason}`).join("; ");
  const gpuFailures = failed.filter((f) => f.kind === "gpu");
  const cpuFailures = failed.filter((f) => f.kind === "cpu");
  if (device.kind === "gpu") {
    return {
      ...device,
      reason: `a GPU, the first that started${failed.length ? ` (not: ${tried(failed)})` : ""}`,
    };
  }
  const noGpu = policy === "auto" ? `no GPU (${tried(gpuFailures)}); ` : "";
  const macs = options.model ? multiplyAddsPerExample(options.model) : undefined;
  const size =
    macs === undefined
      ? `no model given to size (useDevice(request, { model }) lets models under ${millions(NATIVE_MIN_MULTIPLY_ADDS)} multiply-adds per example go to wasm, faster for them)`
      : `the model has ${millions(macs)} multiply-adds per example (${macs >= NATIVE_MIN_MULTIPLY_ADDS ? ">=" : "<"} ${millions(NATIVE_MIN_MULTIPLY_ADDS)}: ${macs >= NATIVE_MIN_MULTIPLY_ADDS ? "native TensorFlow" : "wasm"} is faster there)`;
  const otherFailed = cpuFailures.length ? `, as ${tried(cpuFailures)}` : "";
  if (device.backend === "tensorflow") {
    return { ...device, reason: `${noGpu}native TensorFlow: ${size}${otherFailed}` };
  }
  if (device.backend === "wasm") {
    return { ...device, reason: `${noGpu}wasm${cpuFailures.length ? otherFailed : `: ${size}`}` };
  }
  const warning =
    `useDevice("${policy}") fell back to tfjs's pure-JavaScript cpu backend, 10-100x slower than wasm, ` +
    `because ${tried(cpuFailures)}. Fix what stopped wasm above${inNode() ? ", or set up native TensorFlow (ln setup tensorflow)" : ""}; ` +
    `useDevice("js") asks for this backend without this warning.`;
  return { ...device, reason: `${noGpu}nothing faster started`, warning };
}

function namedCandidates(name: string, options: DeviceOptions): Candidate[] {
  const host = inNode();
  switch (name) {
    case "tensorflow":
      if (tf.findBackendFactory("tensorflow")) return [registered("tensorflow")];
      return host ? [tfjsNodeGpu(host, options), tfjsNodeCpu(host, options)] : [nodeOnly()];
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
