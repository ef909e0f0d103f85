// The gradient of an average pool whose windows tile the input (stride = window, no padding:
// LeNet's 2x2/2 pools), for tfjs's wasm backend: every input pixel gets its one window's
// dy * scale (scale = 1 / window area), and rows/columns past the last window get 0.
// Why: built from stock kernels (reshape, broadcast multiply, crop) it took ~2.5 ms a LeNet
// step; this is one pass that writes each output once.
//
// dy [N][OH][OW][C], dx [N][H][W][C]. Each output row is built from one dy row: a window's C
// values, scaled once, are stored sw times side by side (SIMD when C is a multiple of 4,
// else a short loop clang vectorises as it can); the row is then copied to the next sh - 1
// rows of the same window.
#include <wasm_simd128.h>

typedef float f32;
#define EXPORT(name) __attribute__((export_name(name)))

static void copy(f32 *dst, const f32 *src, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(dst + i, wasm_v128_load(src + i));
  for (; i < n; i++) dst[i] = src[i];
}

static void fill0(f32 *dst, int n) {
  int i = 0;
  v128_t z = wasm_f32x4_splat(0.f);
  for (; i + 4 <= n; i += 4) wasm_v128_store(dst + i, z);
  for (; i < n; i++) dst[i] = 0.f;
}

EXPORT("avg_pool_grad_tiles")
void avg_pool_grad_tiles(const f32 *dy, f32 *dx, int N, int OH, int OW, int C, int H, int W,
                         int sh, int sw, f32 scale) {
  int rows = OH * sh < H ? OH * sh : H;  // covered rows and columns ('same' may overhang)
  int cols = OW * sw < W ? OW * sw : W;
  int used = (cols + sw - 1) / sw;       // windows per row that reach a covered column
  v128_t s4 = wasm_f32x4_splat(scale);
  for (int n = 0; n < N; n++) {
    f32 *out = dx + (long)n * H * W * C;
    for (int y = 0; y < rows; y += sh) {
      const f32 *src = dy + ((long)n * OH + y / sh) * OW * C;
      f32 *row = out + (long)y * W * C;
      for (int ox = 0; ox < used; ox++) {
        int x0 = ox * sw, x1 = x0 + sw < cols ? x0 + sw : cols;
        const f32 *v = src + ox * C;
        for (int x = x0; x < x1; x++) {
          f32 *d = row + x * C;
          int c = 0;
          for (; c + 4 <= C; c += 4) wasm_v128_store(d + c, wasm_f32x4_mul(wasm_v128_load(v + c), s4));
          for (; c < C; c++) d[c] = v[c] * scale;
        }
      }
      fill0(row + cols * C, (W - cols) * C);
      int last = y + sh < rows ? y + sh : rows;
      for (int r = y + 1; r < last; r++) copy(out + (long)r * W * C, row, W * C);
    }
    fill0(out + (long)rows * W * C, (H - rows) * W * C);
  }
}
