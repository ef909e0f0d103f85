import { WASM_BASE64 } from "./avg-pool-grad-simd/kernel.gen";
import { lazySimdKernel, runOnOwnMemory, type SimdExports } from "./simd-module";

interface PoolExports extends SimdExports {
  avg_pool_grad_tiles(dy: number, dx: number, ...dims: number[]): void;
}

/** avg-pool-grad-simd/kernel.c on its own memory: the gradient of an average pool whose windows tile. */
class AvgPoolGradKernel {
  constructor(private readonly k: PoolExports) {}

  /** dx [n, h, w, c] from dy [n, oh, ow, c] for sh x sw windows with stride (sh, sw), no padding. */
  run(
    dy: Float32Array,
    dims: { n: number; oh: number; ow: number; c: number; h: number; w: number; sh: number; sw: number },
    dx: Float32Array,
  ): void {
    const { n, oh, ow, c, h, w, sh, sw } = dims;
    runOnOwnMemory(this.k, [dy], [dx], 0, ([dyAt], [dxAt]) =>
      this.k.avg_pool_grad_tiles(dyAt, dxAt, n, oh, ow, c, h, w, sh, sw, 1 / (sh * sw)),
    );
  }
}

const lazy = lazySimdKernel<PoolExports, AvgPoolGradKernel>(
  "average-pool gradient",
  WASM_BASE64,
  (k) => new AvgPoolGradKernel(k),
);

/** Compiles the kernel once; where that fails, the broadcast-multiply path stays in use. */
export const loadAvgPoolGradKernel = lazy.load;

/** The kernel once loaded (and SIMD kernels enabled), else undefined. */
export const avgPoolGradKernel = lazy.get;
