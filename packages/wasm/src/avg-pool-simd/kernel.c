// A 2x2 average pool with stride 2 and no padding (LeNet's pools), NHWC float32, for tfjs's wasm
// backend. Why: tfjs's stock kernel (XNNPACK's general average pooling) took 0.83 ms for LeNet's
// [256,28,28,6] -> [256,14,14,6]; this is one pass that reads each input once.
//
// x [N][H][W][C], y [N][OH][OW][C] with OH <= H / 2, OW <= W / 2 (rows and columns past the last
// window, an odd H or W, are not read). Each output is ((x00 + x01) + (x10 + x11)) * 0.25, in floats
// (tfjs's cpu kernel adds in doubles: the last bit may differ). Per output pixel the C values are
// taken as vectors at c = 0, 4, ..., the last one at C - 4 when C % 4 != 0 (overlapping the one
// before: the same values computed and stored twice); only C < 4 runs scalars. C = 6 (LeNet) takes
// two output pixels at once, 12 floats, as 3 full vectors shuffled from the input rows.
//
// It runs in tfjs's own memory (imported, see ../tfjs-memory.ts): x and y are tfjs tensors'
// addresses. It reads and writes only whole pixels' C values, nothing past an array's end.
#include "../simd-kernel.h"

#ifndef LN_TFJS_MEMORY
#error "build with build-kernel.sh, which links kernels that read LN_TFJS_MEMORY against an imported memory"
#endif

// One output pixel: t and b are its window's top-left input pixel in the top and bottom rows.
static void pixel(f32 *y, const f32 *t, const f32 *b, int C, v128_t q) {
  if (C < 4) {
    for (int c = 0; c < C; c++) y[c] = ((t[c] + t[C + c]) + (b[c] + b[C + c])) * 0.25f;
    return;
  }
  for (int c = 0; c < C; c += 4) {
    int at = c + 4 <= C ? c : C - 4;  // the last, overlapping vector when C % 4 != 0
    v128_t top = wasm_f32x4_add(wasm_v128_load(t + at), wasm_v128_load(t + C + at));
    v128_t bot = wasm_f32x4_add(wasm_v128_load(b + at), wasm_v128_load(b + C + at));
    wasm_v128_store(y + at, wasm_f32x4_mul(wasm_f32x4_add(top, bot), q));
  }
}

// Two output pixels with C = 6: in a row, the 24 floats of four input pixels a b c d are 6 vectors
// [a0-3] [a4 a5 b0 b1] [b2-5] [c0-3] [c4 c5 d0 d1] [d2-5]; the 12 outputs a+b, c+d are 3 vectors.
INLINE v128_t pair_sum_lo(const f32 *r) {  // [a0+b0 .. a3+b3]
  return wasm_f32x4_add(wasm_v128_load(r), wasm_i32x4_shuffle(wasm_v128_load(r + 4), wasm_v128_load(r + 8), 2, 3, 4, 5));
}
INLINE v128_t pair_sum_mid(const f32 *r) {  // [a4+b4 a5+b5 c0+d0 c1+d1]
  v128_t v1 = wasm_v128_load(r + 4), v2 = wasm_v128_load(r + 8);
  v128_t v3 = wasm_v128_load(r + 12), v4 = wasm_v128_load(r + 16);
  return wasm_f32x4_add(wasm_i32x4_shuffle(v1, v3, 0, 1, 4, 5), wasm_i32x4_shuffle(v2, v4, 2, 3, 6, 7));
}
INLINE v128_t pair_sum_hi(const f32 *r) {  // [c2+d2 .. c5+d5]
  return wasm_f32x4_add(wasm_i32x4_shuffle(wasm_v128_load(r + 12), wasm_v128_load(r + 16), 2, 3, 4, 5),
                        wasm_v128_load(r + 20));
}
static void pixels2c6(f32 *y, const f32 *t, const f32 *b, v128_t q) {
  wasm_v128_store(y, wasm_f32x4_mul(wasm_f32x4_add(pair_sum_lo(t), pair_sum_lo(b)), q));
  wasm_v128_store(y + 4, wasm_f32x4_mul(wasm_f32x4_add(pair_sum_mid(t), pair_sum_mid(b)), q));
  wasm_v128_store(y + 8, wasm_f32x4_mul(wasm_f32x4_add(pair_sum_hi(t), pair_sum_hi(b)), q));
}

EXPORT("avg_pool_2x2")
void avg_pool_2x2(const f32 *x, f32 *y, int N, int H, int W, int C, int OH, int OW) {
  long rs = (long)W * C;  // an input row
  v128_t q = wasm_f32x4_splat(0.25f);
  for (int n = 0; n < N; n++) {
    for (int oy = 0; oy < OH; oy++) {
      const f32 *t = x + ((long)n * H + 2 * oy) * rs;
      const f32 *b = t + rs;
      f32 *out = y + ((long)n * OH + oy) * OW * C;
      int ox = 0;
      // Pairs of pixels add in pixel()'s order, (top pair) + (bottom pair): the same floats.
      if (C == 6)
        for (; ox + 2 <= OW; ox += 2) pixels2c6(out + ox * 6, t + 2 * ox * 6, b + 2 * ox * 6, q);
      for (; ox < OW; ox++) pixel(out + (long)ox * C, t + 2L * ox * C, b + 2L * ox * C, C, q);
    }
  }
}
