// Our own WebAssembly SIMD kernels (C compiled by clang, shipped as base64): loading them, and
// running one on its own memory with the tensors copied in and the results copied out.

/** What every one of our modules exports besides its kernels. */
export interface SimdExports {
  memory: WebAssembly.Memory;
  /** First free address after the module's own data and stack. */
  __heap_base: WebAssembly.Global;
}

/**
 * One stride-1, dilation-1 NHWC convolution, as our convolution and filter-gradient kernels take it:
 * x [n, h, w, ci], filter [kh, kw, ci, co], y (or dy) [n, oh, ow, co], with top/left padding.
 */
export interface ConvShape {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  padTop: number;
  padLeft: number;
}

/** A {@link ConvShape} as the kernels' C functions take it: n, h, w, ci, co, kh, kw, oh, ow, top, left. */
export function convArgs(s: ConvShape): number[] {
  return [s.n, s.h, s.w, s.ci, s.co, s.kh, s.kw, s.oh, s.ow, s.padTop, s.padLeft];
}

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/**
 * Copies `inputs` into `module`'s memory (16-byte aligned, with 16 readable bytes after each:
 * kernels may load a vector past an array's end), places `outputs` and `scratch` bytes after
 * them, grows the memory if needed, calls `kernel` with the addresses, and copies the outputs
 * back into `outputs`.
 */
export function runOnOwnMemory(
  module: SimdExports,
  inputs: readonly Float32Array[],
  outputs: readonly Float32Array[],
  scratch: number,
  kernel: (inputAt: number[], outputAt: number[], scratchAt: number) => void,
): void {
  let at = align(module.__heap_base.value as number);
  const place = (bytes: number) => {
    const start = at;
    at += align(bytes + 16);
    return start;
  };
  const inputAt = inputs.map((a) => place(a.byteLength));
  const outputAt = outputs.map((a) => place(a.byteLength));
  const scratchAt = place(scratch);
  const { memory } = module;
  if (at > memory.buffer.byteLength) memory.grow(Math.ceil((at - memory.buffer.byteLength) / 65536));
  const heap = new Float32Array(memory.buffer);
  for (const [i, a] of inputs.entries()) heap.set(a, inputAt[i] / 4);
  kernel(inputAt, outputAt, scratchAt);
  for (const [i, a] of outputs.entries()) a.set(heap.subarray(outputAt[i] / 4, outputAt[i] / 4 + a.length));
}

/**
 * Compiles a module from base64 (asynchronously, as browsers require above 4 KB). Where that
 * fails (no WebAssembly SIMD, say) it warns once and returns undefined: callers keep XNNPACK's path.
 */
export async function loadSimdModule<T extends SimdExports>(
  name: string,
  base64: string,
): Promise<T | undefined> {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  try {
    const { instance } = await WebAssembly.instantiate(bytes, {});
    return instance.exports as unknown as T;
  } catch (error) {
    console.warn(
      `@ln/wasm: the SIMD ${name} kernel did not load, using XNNPACK's path: ${(error as Error).message}`,
    );
    return undefined;
  }
}

let enabled = true;

/**
 * Turns our SIMD kernels off (XNNPACK's paths run instead) or back on: the baseline a benchmark
 * compares them against. Internal: not part of the public API.
 */
export function useSimdKernels(on: boolean): void {
  enabled = on;
}

/** Whether the SIMD kernels may run (see {@link useSimdKernels}). */
export function simdKernelsEnabled(): boolean {
  return enabled;
}

/**
 * One of our SIMD modules, compiled once on `load()` and wrapped by `wrap`; `get()` gives the
 * wrapper while the SIMD kernels are enabled, else (or before loading) undefined.
 */
export function lazySimdKernel<E extends SimdExports, K>(
  name: string,
  base64: string,
  wrap: (exports: E) => K,
) {
  let kernel: K | undefined;
  let loading: Promise<void> | undefined;
  return {
    load(): Promise<void> {
      loading ??= loadSimdModule<E>(name, base64).then((exports) => {
        if (exports) kernel = wrap(exports);
      });
      return loading;
    },
    get: (): K | undefined => (enabled ? kernel : undefined),
  };
}
