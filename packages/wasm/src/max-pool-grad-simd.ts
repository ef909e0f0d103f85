import { WASM_BASE64 } from "./max-pool-grad-simd/kernel.gen";
import { lazyTfjsMemoryKernel, type TfjsMemoryBackend } from "./tfjs-memory";

/** max-pool-grad-simd/kernel.c on tfjs's memory: x, dy and dx are tensors' addresses in tfjs's heap. */
export interface MaxPoolGradExports {
  /** dx [n, h, w, c] from dy [n, oh, ow, c] and x [n, h, w, c]: fh x fw windows, strides (sh, sw),
   * the first window at (-padTop, -padLeft). */
  max_pool_grad(
    x: number,
    dy: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    fh: number,
    fw: number,
    sh: number,
    sw: number,
    padTop: number,
    padLeft: number,
  ): void;
}

const lazy = lazyTfjsMemoryKernel<MaxPoolGradExports>("max-pool gradient", WASM_BASE64);

/** Compiles the kernel once; where that fails, the stock kernel stays in use. */
export const loadMaxPoolGradKernel = lazy.load;

/** The kernel on `backend`'s memory once loaded (and SIMD kernels enabled), else undefined. */
export function maxPoolGradKernel(backend: TfjsMemoryBackend): MaxPoolGradExports | undefined {
  return lazy.get(backend);
}
