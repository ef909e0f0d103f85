import { FILTER_GRAD_WASM_BASE64 } from "./filter-grad/kernel-bytes";

/** Shape of one filter-gradient problem (NHWC, stride 1, dilation 1). */
export interface FilterGradShape {
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

interface KernelExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  scratch_bytes(n: number, ci: number, co: number, kh: number, kw: number, oh: number, ow: number): number;
  filter_grad(
    x: number,
    dy: number,
    dW: number,
    scratch: number,
    n: number,
    h: number,
    w: number,
    ci: number,
    co: number,
    kh: number,
    kw: number,
    oh: number,
    ow: number,
    padTop: number,
    padLeft: number,
  ): void;
}

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/**
 * The SIMD filter-gradient kernel of filter-grad/kernel.c, on its own wasm memory: x and dy are
 * copied in and dW out (under 0.5 ms for LeNet's, against 2-8 ms saved).
 */
class FilterGradKernel {
  constructor(private readonly k: KernelExports) {}

  /** dW [kh, kw, ci, co] of `x` [n, h, w, ci] and `dy` [n, oh, ow, co], written into `out`. */
  run(x: Float32Array, dy: Float32Array, s: FilterGradShape, out: Float32Array): void {
    const base = align(this.k.__heap_base.value as number);
    const xAt = base;
    const dyAt = xAt + align(x.byteLength);
    // The kernel may read 3 floats past dy's end: leave 16 readable bytes after it.
    const dwAt = dyAt + align(dy.byteLength + 16);
    const scratchAt = dwAt + align(out.byteLength);
    const end = scratchAt + this.k.scratch_bytes(s.n, s.ci, s.co, s.kh, s.kw, s.oh, s.ow);
    const memory = this.k.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
    const heap = new Float32Array(memory.buffer);
    heap.set(x, xAt / 4);
    heap.set(dy, dyAt / 4);
    this.k.filter_grad(
      xAt,
      dyAt,
      dwAt,
      scratchAt,
      s.n,
      s.h,
      s.w,
      s.ci,
      s.co,
      s.kh,
      s.kw,
      s.oh,
      s.ow,
      s.padTop,
      s.padLeft,
    );
    out.set(heap.subarray(dwAt / 4, dwAt / 4 + out.length));
  }
}

let kernel: FilterGradKernel | undefined;
let loading: Promise<void> | undefined;

/**
 * Compiles the kernel (once; asynchronously, as browsers require for modules over 4 KB).
 * Where WebAssembly SIMD is missing it stays unloaded and the XNNPACK path is used.
 */
export function loadFilterGradKernel(): Promise<void> {
  loading ??= (async () => {
    const bytes = Uint8Array.from(atob(FILTER_GRAD_WASM_BASE64), (c) => c.charCodeAt(0));
    try {
      const { instance } = await WebAssembly.instantiate(bytes, {});
      kernel = new FilterGradKernel(instance.exports as unknown as KernelExports);
    } catch (error) {
      console.warn(
        `@ln/train: the SIMD filter-gradient kernel did not load, using XNNPACK's path: ${(error as Error).message}`,
      );
    }
  })();
  return loading;
}

/** The kernel once loaded, else undefined. */
export function filterGradKernel(): FilterGradKernel | undefined {
  return kernel;
}
