// Our own WebAssembly SIMD kernels (C compiled by clang, shipped as base64): loading them (the
// relaxed-SIMD build where the engine has it, else the plain one), and running one on its own
// memory with the tensors copied in and the results copied out.

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
 * A module holding f32x4.relaxed_madd, (func (param v128 v128 v128) (result v128) local.get 0
 * local.get 1 local.get 2 f32x4.relaxed_madd): valid only where the engine has relaxed SIMD (on by
 * default in Node >= 21, Chrome >= 114, Firefox >= 145). Safari refuses to instantiate any module
 * that holds relaxed instructions, even never called, so our relaxed builds are separate modules
 * chosen by this check.
 */
export const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32,
  1, 32, 2, 253, 133, 2, 11,
]);

/** Whether this engine has relaxed SIMD. Asked anew each time: Node 20 turns it on late (node.ts). */
export function engineHasRelaxedSimd(): boolean {
  try {
    return WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/** Which build of our SIMD kernels runs (see {@link simdVariant}). */
export type SimdVariant = "relaxed" | "plain" | "none";

let relaxedEnabled = true;

/**
 * Makes the kernels that have a relaxed-SIMD build run their plain build instead (false) or the
 * relaxed one again (true, the default, where it loaded): the baseline a benchmark compares FMA
 * against. Internal: not part of the public API.
 */
export function useRelaxedSimd(on: boolean): void {
  relaxedEnabled = on;
}

let relaxedWarned = false;

/** Every lazySimdKernel made, for {@link simdVariant}. */
const kernels: { hasRelaxed: boolean; variant(): SimdVariant }[] = [];

/**
 * Which build runs now: "relaxed" when every loaded kernel that has a relaxed build runs it,
 * "plain" when SIMD kernels run but not (all) relaxed ones, "none" when no SIMD kernel is loaded
 * or they are turned off (see {@link useSimdKernels}). Internal: for benchmarks and tests.
 */
export function simdVariant(): SimdVariant {
  const loaded = kernels.filter((k) => k.variant() !== "none");
  if (loaded.length === 0) return "none";
  const relaxable = loaded.filter((k) => k.hasRelaxed);
  return relaxable.length > 0 && relaxable.every((k) => k.variant() === "relaxed") ? "relaxed" : "plain";
}

/**
 * One of our SIMD modules, compiled once on `load()` and wrapped by `wrap`; `get()` gives the
 * wrapper while the SIMD kernels are enabled, else (or before loading) undefined. With
 * `relaxedBase64` (the same kernel.c built with relaxed SIMD), `load()` also compiles that build
 * where the engine validates relaxed SIMD, and `get()` gives it unless {@link useRelaxedSimd} says
 * plain; a relaxed build that fails to instantiate warns once and leaves the plain one.
 */
export function lazySimdKernel<E extends SimdExports, K>(
  name: string,
  base64: string,
  wrap: (exports: E) => K,
  relaxedBase64?: string,
) {
  let plain: K | undefined;
  let relaxed: K | undefined;
  let loading: Promise<void> | undefined;
  const variant = (): SimdVariant =>
    !enabled || !plain ? "none" : relaxed && relaxedEnabled ? "relaxed" : "plain";
  kernels.push({ hasRelaxed: relaxedBase64 !== undefined, variant });
  async function loadRelaxed(): Promise<void> {
    if (relaxedBase64 === undefined || !engineHasRelaxedSimd()) return;
    try {
      const bytes = Uint8Array.from(atob(relaxedBase64), (c) => c.charCodeAt(0));
      const { instance } = await WebAssembly.instantiate(bytes, {});
      relaxed = wrap(instance.exports as unknown as E);
    } catch (error) {
      if (!relaxedWarned) {
        relaxedWarned = true;
        console.warn(
          `@ln/wasm: the relaxed-SIMD ${name} kernel did not load, using the plain SIMD ones: ${(error as Error).message}`,
        );
      }
    }
  }
  return {
    load(): Promise<void> {
      // Both builds: the plain one is the fallback, and the baseline useRelaxedSimd(false) picks.
      loading ??= loadSimdModule<E>(name, base64).then(async (exports) => {
        if (!exports) return;
        plain = wrap(exports);
        await loadRelaxed();
      });
      return loading;
    },
    get(): K | undefined {
      const v = variant();
      return v === "relaxed" ? relaxed : v === "plain" ? plain : undefined;
    },
    /** Which build `get()` gives now. */
    variant,
  };
}
