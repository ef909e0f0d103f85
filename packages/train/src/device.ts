// All environment and device detection lives here: which backends can run, on what hardware,
// and why the others cannot. Node-only probes go through the NodeHost (absent in browsers).

import { initWasmBackend, wasmThreads } from "@ln/wasm";
import * as tf from "@tensorflow/tfjs";
import { NoGpuError } from "./errors";
import { type NodeHost, nodeHost } from "./internal/host";

/** What `useDevice` accepts: a policy or a tfjs backend name. */
export type DeviceRequest =
  | "auto"
  | "gpu"
  | "cpu"
  | "tensorflow"
  | "webgpu"
  | "webgl"
  | "wasm"
  | "js"
  | (string & {});

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

/** One backend that was tried and why it was not used. */
export interface DeviceAttempt {
  readonly name: string;
  readonly reason: string;
}

type Outcome = { device: Device } | { reason: string };
interface Candidate {
  name: string;
  kind: "gpu" | "cpu";
  start(): Promise<Outcome>;
}

const BACKEND_NAMES = ["tensorflow", "webgpu", "webgl", "wasm", "js"] as const;
let lastDevice: Device | undefined;

/**
 * Picks and starts a tfjs backend, GPU first, and returns what it chose. Calls `tf.setBackend` and
 * waits for `tf.ready()`.
 *
 * - `'auto'` (default): the first GPU that starts, else the fastest CPU backend.
 * - `'gpu'`: a GPU or a {@link NoGpuError} listing every candidate and why it failed.
 * - `'cpu'`: `@tensorflow/tfjs-node`, then `wasm`, then `cpu`.
 * - a backend name (`'tensorflow'`, `'webgpu'`, `'webgl'`, `'wasm'`, or any registered one): that
 *   backend or an Error saying why not. `'webgpu'` accepts a software adapter (SwiftShader). As
 *   `'cpu'` names the policy above, tfjs's pure-JavaScript `cpu` backend (the slow reference) is `'js'`.
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
    throw new TypeError(`useDevice: expected a string request, got ${String(request)}; ${validRequests()}`);
  }
  const attempts: DeviceAttempt[] = [];
  const tryAll = async (candidates: Candidate[]): Promise<Device | undefined> => {
    for (const candidate of candidates) {
      const outcome = await candidate.start();
      if ("device" in outcome) return remember(outcome.device);
      attempts.push({ name: candidate.name, reason: outcome.reason });
    }
    return undefined;
  };

  if (request === "auto" || request === "gpu" || request === "cpu") {
    const candidates =
      request === "gpu"
        ? gpuCandidates()
        : request === "cpu"
          ? cpuCandidates(options)
          : [...gpuCandidates(), ...cpuCandidates(options)];
    const device = await tryAll(candidates);
    if (device) return device;
    if (request === "gpu") throw new NoGpuError(attempts);
    throw new Error(`useDevice("${request}"): no backend could be started:\n${formatAttempts(attempts)}`);
  }

  const named = namedCandidates(request, options);
  if (named.length === 0) {
    throw new Error(`useDevice: unknown device "${request}"; ${validRequests()}`);
  }
  const device = await tryAll(named);
  if (device) return device;
  throw new Error(`useDevice("${request}"): the backend could not be started:\n${formatAttempts(attempts)}`);
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

/** Whether this runs in Node.js with the Node host installed. */
function node(): NodeHost | undefined {
  return nodeHost();
}

function isBrowserLike(): boolean {
  return (
    typeof globalThis.navigator !== "undefined" &&
    typeof (globalThis as { document?: unknown }).document !== "undefined"
  );
}

function remember(device: Device): Device {
  lastDevice = device;
  return device;
}

function validRequests(): string {
  const registered = Object.keys(tf.engine().registryFactory).sort().join(", ");
  return (
    `expected "auto", "gpu", "cpu" or a backend name: ${BACKEND_NAMES.join(", ")} ("js" is tfjs's cpu backend) ` +
    `(registered now: ${registered || "none"})`
  );
}

function formatAttempts(attempts: DeviceAttempt[]): string {
  return attempts.map((a) => `  - ${a.name}: ${a.reason}`).join("\n");
}

function gpuCandidates(): Candidate[] {
  const host = node();
  if (host) return [tfjsNodeGpu(host), webgpuNode(host, false)];
  return [webgpuBrowser(false), webgl(false)];
}

function cpuCandidates(options: DeviceOptions): Candidate[] {
  const host = node();
  return [...(host ? [tfjsNodeCpu(host)] : []), wasm(options), jsCpu()];
}

function namedCandidates(name: string, options: DeviceOptions): Candidate[] {
  const host = node();
  switch (name) {
    case "tensorflow":
      if (tf.findBackendFactory("tensorflow")) return [registered("tensorflow")];
      return host ? [tfjsNodeGpu(host), tfjsNodeCpu(host)] : [];
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

async function activate(backend: string): Promise<string | undefined> {
  try {
    const ok = await tf.setBackend(backend);
    if (!ok) return `tf.setBackend("${backend}") failed (see the warning tfjs printed)`;
    await tf.ready();
    return undefined;
  } catch (error) {
    return `tf.setBackend("${backend}") threw: ${message(error)}`;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0] : String(error);
}

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

// ---------------------------------------------------------------- tfjs-node(-gpu)

/** The CUDA 11.2 / cuDNN 8.1 libraries libtensorflow 2.9 (tfjs-node-gpu 4.x) opens, per platform. */
const CUDA_LIBRARIES: Record<string, Array<[file: string, what: string]>> = {
  linux: [
    ["libcuda.so.1", "NVIDIA driver"],
    ["libcudart.so.11.0", "CUDA 11 runtime"],
    ["libcublas.so.11", "cuBLAS 11"],
    ["libcublasLt.so.11", "cuBLASLt 11"],
    ["libcufft.so.10", "cuFFT 10"],
    ["libcurand.so.10", "cuRAND 10"],
    ["libcusolver.so.11", "cuSOLVER 11"],
    ["libcusparse.so.11", "cuSPARSE 11"],
    ["libcudnn.so.8", "cuDNN 8"],
  ],
  win32: [
    ["nvcuda.dll", "NVIDIA driver"],
    ["cudart64_110.dll", "CUDA 11 runtime"],
    ["cublas64_11.dll", "cuBLAS 11"],
    ["cublasLt64_11.dll", "cuBLASLt 11"],
    ["cufft64_10.dll", "cuFFT 10"],
    ["curand64_10.dll", "cuRAND 10"],
    ["cusolver64_11.dll", "cuSOLVER 11"],
    ["cusparse64_11.dll", "cuSPARSE 11"],
    ["cudnn64_8.dll", "cuDNN 8"],
  ],
};

/**
 * Which of tfjs-node-gpu's CUDA libraries cannot be found, searching LD_LIBRARY_PATH, `ldconfig -p`,
 * CUDA_HOME/CUDA_PATH and the usual install folders (PATH and System32 on Windows).
 * @internal exported for tests
 */
export function missingCudaLibraries(host: NodeHost): { missing: string[]; searched: string[] } {
  const wanted = CUDA_LIBRARIES[host.platform];
  if (!wanted) return { missing: [`(no tfjs-node-gpu build for ${host.platform})`], searched: [] };
  const cudaRoots = [host.env("CUDA_HOME"), host.env("CUDA_PATH"), "/usr/local/cuda", "/usr/local/cuda-11.2"];
  const search = librarySearch(host, cudaRoots);
  const missing = wanted.filter(([file]) => !search.finds(file)).map(([file, what]) => `${file} (${what})`);
  return { missing, searched: search.searched };
}

/**
 * Where the dynamic loader would look for a shared library: LD_LIBRARY_PATH, `ldconfig -p`, the usual
 * system folders and `<root>/lib64` of each given root (PATH and System32 on Windows).
 */
function librarySearch(host: NodeHost, roots: Array<string | undefined>) {
  const separator = host.platform === "win32" ? ";" : ":";
  const dirs = new Set<string>();
  const fromEnv = (name: string) => {
    for (const dir of (host.env(name) ?? "").split(separator)) if (dir !== "") dirs.add(dir);
  };
  if (host.platform === "win32") {
    fromEnv("PATH");
    for (const root of [host.env("CUDA_PATH"), host.env("SystemRoot")]) {
      if (root) dirs.add(host.join(root, root === host.env("CUDA_PATH") ? "bin" : "System32"));
    }
  } else {
    fromEnv("LD_LIBRARY_PATH");
    for (const root of roots) if (root) dirs.add(host.join(root, "lib64"));
    for (const dir of [
      "/usr/lib/x86_64-linux-gnu",
      "/usr/lib/aarch64-linux-gnu",
      "/usr/lib64",
      "/usr/lib/wsl/lib",
    ]) {
      dirs.add(dir);
    }
  }
  const cache = host.platform === "linux" ? host.ldconfigCache() : "";
  return {
    finds: (file: string) =>
      cache.includes(`\t${file} `) ||
      cache.includes(` ${file} (`) ||
      [...dirs].some((dir) => host.exists(host.join(dir, file))),
    searched: [...(cache ? ["ldconfig -p"] : []), ...dirs],
  };
}

function tfjsNodeGpu(host: NodeHost): Candidate {
  const pkg = "@tensorflow/tfjs-node-gpu";
  return {
    name: `${pkg} (CUDA)`,
    kind: "gpu",
    async start() {
      if (!host.canResolve(pkg)) {
        return { reason: `not installed (it needs CUDA 11.2 and cuDNN 8.1; pnpm add ${pkg})` };
      }
      const { missing, searched } = missingCudaLibraries(host);
      if (missing.length > 0) {
        return {
          reason:
            `installed, but these CUDA 11.2 / cuDNN 8 libraries were not found: ${missing.join(", ")} ` +
            `(searched ${searched.join(", ")}); without them it would run on the CPU`,
        };
      }
      try {
        await host.importModule(pkg);
      } catch (error) {
        return { reason: `import failed: ${message(error)}` };
      }
      const failure = await activate("tensorflow");
      if (failure) return { reason: failure };
      return { device: { backend: "tensorflow", kind: "gpu", name: "CUDA (tfjs-node-gpu)" } };
    },
  };
}

function tfjsNodeCpu(host: NodeHost): Candidate {
  const pkg = "@tensorflow/tfjs-node";
  return {
    name: pkg,
    kind: "cpu",
    async start() {
      if (!host.canResolve(pkg)) return { reason: `not installed (pnpm add ${pkg})` };
      try {
        await host.importModule(pkg);
      } catch (error) {
        return { reason: `import failed: ${message(error)}` };
      }
      const failure = await activate("tensorflow");
      if (failure) return { reason: failure };
      return { device: { backend: "tensorflow", kind: "cpu", name: "TensorFlow C library (tfjs-node)" } };
    },
  };
}

// ---------------------------------------------------------------- WebGPU

interface AdapterLike {
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

/** Describes a WebGPU adapter and says whether it is a software one (SwiftShader, llvmpipe, WARP). */
function describeAdapter(adapter: AdapterLike): { label: string; software: boolean } {
  const info = adapter.info ?? {};
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" ");
  const software =
    info.isFallbackAdapter === true ||
    adapter.isFallbackAdapter === true ||
    /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render/i.test(text);
  const label =
    info.description || [info.vendor, info.architecture].filter(Boolean).join(" ") || "unnamed adapter";
  return { label, software };
}

async function startWebgpu(
  gpu: GpuLike,
  allowSoftware: boolean,
  via: string,
  install: () => void,
): Promise<Outcome> {
  let adapter: AdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (error) {
    return { reason: `requestAdapter threw: ${message(error)}` };
  }
  if (!adapter) {
    return {
      reason:
        via === "Dawn"
          ? "Dawn found no WebGPU adapter (it needs a Vulkan loader, libvulkan.so.1, and a driver on Linux; Metal on macOS; D3D12 on Windows)"
          : "navigator.gpu.requestAdapter() returned null",
    };
  }
  const { label, software } = describeAdapter(adapter);
  if (software && !allowSoftware) {
    return {
      reason: `only a software adapter: ${label} (a CPU emulation, not a GPU; useDevice("webgpu") would use it)`,
    };
  }
  install();
  try {
    await import("@tensorflow/tfjs-backend-webgpu");
  } catch (error) {
    return { reason: `importing @tensorflow/tfjs-backend-webgpu failed: ${message(error)}` };
  }
  if (!tf.findBackendFactory("webgpu")) {
    return {
      reason:
        "@tensorflow/tfjs-backend-webgpu was imported before navigator.gpu existed, so it did not register; " +
        "call useDevice before importing it",
    };
  }
  const failure = await activate("webgpu");
  if (failure) return { reason: failure };
  const suffix = software ? `WebGPU through ${via}, software adapter` : `WebGPU through ${via}`;
  return { device: { backend: "webgpu", kind: software ? "cpu" : "gpu", name: `${label} (${suffix})` } };
}

let dawn: Promise<{ gpu: GpuLike; globals: object } | string> | undefined;

function loadDawn(host: NodeHost): Promise<{ gpu: GpuLike; globals: object } | string> {
  dawn ??= (async () => {
    if (!host.canResolve("webgpu"))
      return "the webgpu package (Dawn for Node) is not installed (pnpm add webgpu)";
    // Dawn prints its own warning to stderr when it cannot load Vulkan; look first and say why instead.
    if (host.platform === "linux" && !librarySearch(host, []).finds("libvulkan.so.1")) {
      return "no Vulkan loader (libvulkan.so.1) in LD_LIBRARY_PATH or ldconfig -p; Dawn needs it and a GPU driver (Debian/Ubuntu: apt-get install libvulkan1)";
    }
    try {
      const mod = (await host.importModule("webgpu")) as {
        create(flags: string[]): GpuLike;
        globals: object;
      };
      return { gpu: mod.create([]), globals: mod.globals };
    } catch (error) {
      return `loading the webgpu package failed: ${message(error)}`;
    }
  })();
  return dawn;
}

function webgpuNode(host: NodeHost, allowSoftware: boolean): Candidate {
  return {
    name: "WebGPU (webgpu package, Dawn)",
    kind: "gpu",
    async start() {
      const loaded = await loadDawn(host);
      if (typeof loaded === "string") return { reason: loaded };
      return startWebgpu(loaded.gpu, allowSoftware, "Dawn", () => {
        // tfjs-backend-webgpu looks for navigator.gpu and the GPU* constants on globalThis.
        const g = globalThis as Record<string, unknown>;
        for (const [key, value] of Object.entries(loaded.globals)) {
          if (!(key in g)) g[key] = value;
        }
        if (typeof g.navigator !== "object" || g.navigator === null) {
          Object.defineProperty(g, "navigator", { value: {}, configurable: true, writable: true });
        }
        const nav = g.navigator as { gpu?: unknown };
        if (!nav.gpu) Object.defineProperty(nav, "gpu", { value: loaded.gpu, configurable: true });
      });
    },
  };
}

function webgpuBrowser(allowSoftware: boolean): Candidate {
  return {
    name: "WebGPU (navigator.gpu)",
    kind: "gpu",
    async start() {
      const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
      if (!gpu) return { reason: "navigator.gpu is missing (this browser or context has no WebGPU)" };
      return startWebgpu(gpu, allowSoftware, "the browser", () => {});
    },
  };
}

// ---------------------------------------------------------------- WebGL, wasm, cpu

function webgl(allowSoftware: boolean): Candidate {
  return {
    name: "WebGL",
    kind: "gpu",
    async start() {
      if (!isBrowserLike() || !tf.findBackendFactory("webgl")) {
        return { reason: "not registered (tfjs registers WebGL only in a browser)" };
      }
      const failure = await activate("webgl");
      if (failure) return { reason: failure };
      const renderer = webglRenderer();
      const software = /swiftshader|llvmpipe|softpipe|software|microsoft basic render/i.test(renderer);
      if (software && !allowSoftware) {
        return { reason: `only a software renderer: ${renderer} (a CPU emulation, not a GPU)` };
      }
      const version = tf.env().getNumber("WEBGL_VERSION");
      return {
        device: {
          backend: "webgl",
          kind: software ? "cpu" : "gpu",
          name: `${renderer || "unknown renderer"} (WebGL ${version}${software ? ", software renderer" : ""})`,
        },
      };
    },
  };
}

function webglRenderer(): string {
  try {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    if (!gl) return "";
    const ext = gl.getExtension("WEBGL_debug_renderer_info");
    return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? "");
  } catch {
    return "";
  }
}

function wasm(options: DeviceOptions): Candidate {
  return {
    name: "wasm",
    kind: "cpu",
    async start() {
      try {
        await initWasmBackend(options.wasmThreads === undefined ? {} : { threads: options.wasmThreads });
      } catch (error) {
        return { reason: message(error) };
      }
      const simd = await flag("WASM_HAS_SIMD_SUPPORT");
      const threads = wasmThreads() ?? 1;
      const features = [simd ? "SIMD" : "no SIMD", threads === 1 ? "1 thread" : `${threads} threads`].join(
        ", ",
      );
      return { device: { backend: "wasm", kind: "cpu", name: `WebAssembly (${features})` } };
    },
  };
}

async function flag(name: string): Promise<boolean> {
  try {
    return Boolean(await tf.env().getAsync(name));
  } catch {
    return false;
  }
}

function jsCpu(): Candidate {
  return {
    name: "cpu",
    kind: "cpu",
    async start() {
      const failure = await activate("cpu");
      if (failure) return { reason: failure };
      return { device: { backend: "cpu", kind: "cpu", name: "JavaScript (tfjs cpu backend)" } };
    },
  };
}
