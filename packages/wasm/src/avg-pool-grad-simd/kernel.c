// The gradient of an average pool whose windows tile the input (stride = window, no padding:
// LeNet's 2x2/2 pools), for tfjs's wasm backend: every input pixel gets its one window's
// dy * scale (scale = 1 / window area), and rows/columns past the last window get 0.
// Why: built from stock kernels (reshape, broadcast multiply, crop) it took ~2.5 ms a LeNet
// step; this is one pass that writes each output once.
//
// dy [N][OH][OW][C], dx [N][H][W][C]. Each dy value, scaled once, is stored to its window's
// sh x sw pixels directly (no second pass copying rows): per window the C values are taken as
// vectors at c = 0, 4, ..., the last one at C - 4 when C % 4 != 0 (overlapping the one before: the
// same values stored twice), so C = 6 (LeNet) is 2 vector stores per pixel where a scalar loop did 6
// stores. Only C < 4 runs scalars. LeNet's pool gradient [256,14,14,6] -> [256,28,28,6]: 1.25 ms
// with scalar stores, a row copy and the module's own memory (dy copied in, dx out), 0.33 ms now
// (Node 24, one thread, median of 41; docs/perf.md, 2026-12-02).
//
// It runs in tfjs's own memory (imported, see ../tfjs-memory.ts): dy and dx are tfjs tensors'
// addresses. It keeps no data of its own and reads nothing outside a window's C values of dy.
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

// One window: v (C values of dy) times scale into its rows x cols pixels at d (row stride rs floats).
static void window(f32 *d, const f32 *v, int C, int rows, int cols, long rs, f32 scale, v128_t s4) {
  if (C < 4) {
    for (int r = 0; r < rows; r++)
      for (int x = 0; x < cols; x++)
        for (int c = 0; c < C; c++) d[r * rs + x * C + c] = v[c] * scale;
    return;
  }
  for (int c = 0; c < C; c += 4) {
    int at = c + 4 <= C ? c : C - 4;  // the last, overlapping vector when C % 4 != 0
    v128_t s = wasm_f32x4_mul(wasm_v128_load(v + at), s4);
    for (int r = 0; r < rows; r++)
      for (int x = 0; x < cols; x++) wasm_v128_store(d + r * rs + x * C + at, s);
  }
}

// The common case, 2x2 windows with C = 6 (LeNet): the 12 floats of a window row are 3 vectors,
// [v0..v3] [v4 v5 v0 v1] [v2..v5], stored to both rows.
static void window2x2c6(f32 *d, const f32 *v, long rs, v128_t s4) {
  v128_t a = wasm_f32x4_mul(wasm_v128_load(v), s4);
  v128_t b = wasm_f32x4_mul(wasm_v128_load(v + 2), s4);
  v128_t m = wasm_i32x4_shuffle(b, a, 2, 3, 4, 5);
  wasm_v128_store(d, a);
  wasm_v128_store(d + 4, m);
  wasm_v128_store(d + 8, b);
  wasm_v128_store(d + rs, a);
  wasm_v128_store(d + rs + 4, m);
  wasm_v128_store(d + rs + 8, b);
}

EXPORT("avg_pool_grad_tiles")
void avg_pool_grad_tiles(const f32 *dy, f32 *dx, int N, int OH, int OW, int C, int H, int W,
                         int sh, int sw, f32 scale) {
  int rows = OH * sh < H ? OH * sh : H;  // covered rows and columns ('same' may overhang)
  int cols = OW * sw < W ? OW * sw : W;
  int used = (cols + sw - 1) / sw;       // windows per row that reach a covered column
  long rs = (long)W * C;
  v128_t s4 = wasm_f32x4_splat(scale);
  for (int n = 0; n < N; n++) {
    f32 *out = dx + (long)n * H * rs;
    for (int y = 0; y < rows; y += sh) {
      const f32 *src = dy + ((long)n * OH + y / sh) * OW * C;
      f32 *row = out + (long)y * rs;
      int wr = y + sh < rows ? sh : rows - y;  // rows of this window row inside x
      int ox = 0;
      if (sh == 2 && sw == 2 && C == 6 && wr == 2)
        for (; 2 * ox + 2 <= cols; ox++) window2x2c6(row + 2 * ox * C, src + ox * C, rs, s4);
      for (; ox < used; ox++) {
        int x0 = ox * sw, wc = x0 + sw < cols ? sw : cols - x0;
        window(row + (long)x0 * C, src + ox * C, C, wr, wc, rs, scale, s4);
      }
      for (int r = 0; r < wr; r++) fill0(row + r * rs + (long)cols * C, (long)(W - cols) * C);
    }
    fill0(out + (long)rows * rs, (long)(H - rows) * rs);
  }
}
