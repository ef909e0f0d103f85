import { WASM_BASE64 } from "./avg-pool-grad-simd/kernel.gen";
import { lazyTfjsMemoryKernel, type TfjsMemoryBackend } from "./tfjs-memory";

/** avg-pool-grad-simd/kernel.c on tfjs's memory: dy and dx are tensors' addresses in tfjs's heap. */
export interface AvgPoolGradExports {
  /** dx [n, h, w, c] from dy [n, oh, ow, c] for sh x sw windows with stride (sh, sw), no padding. */
  avg_pool_grad_tiles(
    dy: number,
    dx: number,
    n: number,
    oh: number,
    ow: number,
    c: number,
    h: number,
    w: number,
    sh: number,
    sw: number,
    scale: number,
  ): void;
}

const lazy = lazyTfjsMemoryKernel<AvgPoolGradExports>("average-pool gradient", WASM_BASE64);

/** Compiles the kernel once; where that fails, the broadcast-multiply path stays in use. */
export const loadAvgPoolGradKernel = lazy.load;

/** The build the kernel getter gives, for helper threads (kernel-threads.ts). */
export const avgPoolGradSharedModule = lazy.sharedModule;

/** The kernel on `backend`'s memory once loaded (and SIMD kernels enabled), else undefined. */
export function avgPoolGradKernel(backend: TfjsMemoryBackend): AvgPoolGradExports | undefined {
  return lazy.get(backend);
}
