// The gradient of a max pool (NHWC, float32), for tfjs's wasm backend: each window's dy goes to the
// input pixel that was its maximum, summed where windows overlap. Why: tfjs's stock wasm kernel is a
// scalar loop, ~207 ms of d2l's AlexNet step at batch 16 (7.5%); this one takes 4 channels a vector.
//
// Semantics are tfjs's cpu kernel's (MaxPoolGrad, utils/pool_utils maxPoolPositions): the maximum is
// recomputed from x (y is not read), the window clipped to the input, and of equal maxima the first
// in row-major window order gets the gradient (a strict > scan from -inf); a window whose values are
// all NaN or -inf passes no gradient. Where windows overlap, a pixel's gradients are added in the
// windows' row-major order starting from +0, cpu's order (cpu adds in doubles: the last bit may differ).
//
// Per window and 4 channels: one scan of x keeps the best value and its position index (i32x4), then
// each window pixel gets dy added in the lanes whose index is its own (and +0 elsewhere, which leaves
// dx as it is: dx starts at +0 and a sum of floats from +0 is never -0). C % 4 != 0 takes a last
// vector at C - 4 with its lanes already done masked out of dy; C < 4 runs scalars.
//
// It runs in tfjs's own memory (imported, see ../tfjs-memory.ts): x, dy and dx are tfjs tensors'
// addresses. It reads and writes only their C values at a pixel, nothing past an array's end.
#include "../simd-kernel.h"

#ifndef LN_TFJS_MEMORY
#error "build with build-kernel.sh, which links kernels that read LN_TFJS_MEMORY against an imported memory"
#endif

static void fill0(f32 *dst, long n) {
  long i = 0;
  v128_t z = wasm_f32x4_splat(0.f);
  for (; i + 4 <= n; i += 4) wasm_v128_store(dst + i, z);
  for (; i < n; i++) dst[i] = 0.f;
}

// One window, rows x cols pixels from x, dy's C values g, into dx (x and dx: the window's first
// pixel, row stride rs floats), channels [at, at + 4) with `keep` the lanes to pass dy in.
static inline __attribute__((always_inline)) void window4(const f32 *x, const f32 *g, f32 *dx, int rows, int cols, long rs, int C, int at,
                    v128_t keep) {
  v128_t best = wasm_f32x4_splat(-__builtin_inff());
  v128_t idx = wasm_i32x4_splat(-1);
  int k = 0;
  for (int r = 0; r < rows; r++)
    for (int q = 0; q < cols; q++, k++) {
      v128_t v = wasm_v128_load(x + r * rs + q * C + at);
      v128_t gt = wasm_f32x4_gt(v, best);
      best = wasm_v128_bitselect(v, best, gt);
      idx = wasm_v128_bitselect(wasm_i32x4_splat(k), idx, gt);
    }
  v128_t d = wasm_v128_and(wasm_v128_load(g + at), keep);
  k = 0;
  for (int r = 0; r < rows; r++)
    for (int q = 0; q < cols; q++, k++) {
      f32 *p = dx + r * rs + q * C + at;
      v128_t m = wasm_i32x4_eq(idx, wasm_i32x4_splat(k));
      wasm_v128_store(p, wasm_f32x4_add(wasm_v128_load(p), wasm_v128_and(d, m)));
    }
}

// The same for one channel c (C < 4).
static void window1(const f32 *x, const f32 *g, f32 *dx, int rows, int cols, long rs, int C, int c) {
  f32 best = -__builtin_inff();
  int at = -1;
  for (int r = 0; r < rows; r++)
    for (int q = 0; q < cols; q++) {
      f32 v = x[r * rs + q * C + c];
      if (v > best) {
        best = v;
        at = r * rs + q * C + c;
      }
    }
  if (at >= 0) dx[at] += g[c];
}

EXPORT("max_pool_grad")
void max_pool_grad(const f32 *x, const f32 *dy, f32 *dx, int N, int H, int W, int C, int OH, int OW,
                   int fh, int fw, int sh, int sw, int pad_top, int pad_left) {
  long rs = (long)W * C;
  for (int n = 0; n < N; n++) {
    f32 *out = dx + (long)n * H * rs;
    int zeroed = 0;  // rows of this image zeroed so far
    for (int oy = 0; oy < OH; oy++) {
      int y0 = oy * sh - pad_top;
      int r0 = y0 < 0 ? 0 : y0, r1 = y0 + fh < H ? y0 + fh : H;
      if (r1 <= r0) continue;
      // Zero the rows this window row reaches first just before it adds to them (while they are in
      // cache), not all of dx up front: AlexNet's first pool 10.9 -> 10.1 ms (Node 24, median of 31).
      if (r1 > zeroed) {
        fill0(out + (long)zeroed * rs, (long)(r1 - zeroed) * rs);
        zeroed = r1;
      }
      for (int ox = 0; ox < OW; ox++) {
        int x0 = ox * sw - pad_left;
        int c0 = x0 < 0 ? 0 : x0, c1 = x0 + fw < W ? x0 + fw : W;
        if (c1 <= c0) continue;
        long first = ((long)n * H + r0) * rs + (long)c0 * C;
        const f32 *g = dy + (((long)n * OH + oy) * OW + ox) * C;
        if (C < 4) {
          for (int c = 0; c < C; c++) window1(x + first, g, dx + first, r1 - r0, c1 - c0, rs, C, c);
          continue;
        }
        v128_t all = wasm_i32x4_splat(-1);
        for (int c = 0; c < C; c += 4) {
          int at = c + 4 <= C ? c : C - 4;  // the last, overlapping vector when C % 4 != 0
          // Lanes below c - at were done by the vector before: pass them no gradient.
          v128_t keep = wasm_i32x4_ge(wasm_i32x4_make(0, 1, 2, 3), wasm_i32x4_splat(c - at));
          v128_t lanes = at == c ? all : keep;
          // Whole 3x3 and 2x2 windows (AlexNet's, VGG's, LeNet-max's) unrolled by constant sizes:
          // 8-22% less time (AlexNet's pools, LeNet-max's; Node 24, medians of 31).
          if (r1 - r0 == 3 && c1 - c0 == 3)
            window4(x + first, g, dx + first, 3, 3, rs, C, at, lanes);
          else if (r1 - r0 == 2 && c1 - c0 == 2)
            window4(x + first, g, dx + first, 2, 2, rs, C, at, lanes);
          else
            window4(x + first, g, dx + first, r1 - r0, c1 - c0, rs, C, at, lanes);
        }
      }
    }
    fill0(out + (long)zeroed * rs, (long)(H - zeroed) * rs);  // rows no window reaches
  }
}
