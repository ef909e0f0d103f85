import {
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from "@tensorflow/tfjs-core";

/**
 * The wasm backend as our kernels see it: a kernel function gets it as `backend`.
 * We only need `disposeData` (to free intermediates); everything else goes through
 * the stock kernel functions.
 */
export interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
}

/** A registered replacement carries this mark, so that a second registration never
 * mistakes our own kernel for the stock one it replaced. */
const OURS = Symbol.for("@ln/wasm/kernel");

const stockKernels = new Map<string, KernelConfig>();

/** The parts of tfjs's wasm backend our SIMD kernels read and write tensors through. */
export interface WasmHeapBackend extends WasmBackendLike {
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  /** A view of the tensor's data in the backend's heap (valid until the heap grows). */
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

/** Marks a kernel function as one of ours. */
export function markOurs<F extends KernelFunc>(fn: F): F {
  (fn as unknown as Record<symbol, boolean>)[OURS] = true;
  return fn;
}

/** True when `config` is a kernel we registered. */
export function isOurs(config: KernelConfig | undefined): boolean {
  return config != null && (config.kernelFunc as unknown as Record<symbol, boolean>)[OURS] === true;
}

/**
 * Remembers the stock wasm kernel `name` (once; later calls keep the first, so a
 * replacement is never recorded as stock). Returns it, or undefined when wasm has none.
 */
export function captureStock(name: string): KernelConfig | undefined {
  const known = stockKernels.get(name);
  if (known != null) return known;
  const config = getKernel(name, "wasm");
  if (config == null || isOurs(config)) return undefined;
  stockKernels.set(name, config);
  return config;
}

/** The stock wasm kernel `name`, or undefined when the backend has none. */
export function stockKernel(name: string): KernelConfig | undefined {
  return stockKernels.get(name) ?? captureStock(name);
}

/**
 * Runs the stock wasm kernel `name` directly (no engine bookkeeping, no tape): the
 * way tfjs's own wasm kernels compose. The caller owns the result and frees it with
 * {@link free} unless it returns it.
 */
export function call(
  name: string,
  backend: WasmBackendLike,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const config = stockKernel(name);
  if (config == null) {
    throw new Error(`@ln/wasm: the wasm backend has no '${name}' kernel to build on`);
  }
  const out = config.kernelFunc({ inputs, backend: backend as never, attrs });
  return Array.isArray(out) ? out[0] : out;
}

/** Frees intermediates made by {@link call}. */
export function free(backend: WasmBackendLike, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}
