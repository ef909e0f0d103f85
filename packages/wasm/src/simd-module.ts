// Our own WebAssembly SIMD kernels (C compiled by clang, shipped as base64): which of them run (all
// or none, see useSimdKernels) and which build (relaxed SIMD where the engine has it, else plain).
// tfjs-memory.ts loads them and runs them on tfjs's own memory.

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

/** Whether the relaxed builds may run (see {@link useRelaxedSimd}). */
export function relaxedSimdEnabled(): boolean {
  return relaxedEnabled;
}

let relaxedWarned = false;

/** Warns, once for all kernels, that a relaxed build did not load and the plain one runs. */
export function warnRelaxed(name: string, error: unknown): void {
  if (relaxedWarned) return;
  relaxedWarned = true;
  console.warn(
    `@ln/wasm: the relaxed-SIMD ${name} kernel did not load, using the plain SIMD ones: ${(error as Error).message}`,
  );
}

/** A kernel as {@link simdVariant} sees it: whether it has a relaxed build, and which build it runs now. */
export interface VariantOf {
  hasRelaxed: boolean;
  variant(): SimdVariant;
}

/** Every kernel made by lazyTfjsMemoryKernel, for {@link simdVariant}. */
const kernels: VariantOf[] = [];

/** Counts `kernel` in {@link simdVariant}. */
export function trackVariant(kernel: VariantOf): void {
  kernels.push(kernel);
}

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
