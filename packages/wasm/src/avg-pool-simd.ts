import { WASM_BASE64 } from "./avg-pool-simd/kernel.gen";
import { lazyTfjsMemoryKernel, type TfjsMemoryBackend } from "./tfjs-memory";

/** avg-pool-simd/kernel.c on tfjs's memory: x and y are tensors' addresses in tfjs's heap. */
export interface AvgPoolExports {
  /** y [n, oh, ow, c] from x [n, h, w, c]: 2x2 windows, stride 2, no padding (oh <= h / 2, ow <= w / 2). */
  avg_pool_2x2(
    x: number,
    y: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
  ): void;
}

const lazy = lazyTfjsMemoryKernel<AvgPoolExports>("average pool", WASM_BASE64);

/** Compiles the kernel once; where that fails, the stock kernel stays in use. */
export const loadAvgPoolKernel = lazy.load;

/** The build the kernel getter gives, for helper threads (kernel-threads.ts). */
export const avgPoolSharedModule = lazy.sharedModule;

/** The kernel on `backend`'s memory once loaded (and SIMD kernels enabled), else undefined. */
export function avgPoolKernel(backend: TfjsMemoryBackend): AvgPoolExports | undefined {
  return lazy.get(backend);
}
