// 2-D convolution (NHWC, any stride and padding, dilation 1) and its filter gradient for tfjs's wasm
// backend, as matrix products over im2col patches, in WebAssembly SIMD128, no libc:
//
//   forward   y [P, CO]  = act(bias + patches [P, K] · w [K, CO])
//   gradient  dw [K, CO] = patches [P, K]ᵀ · dy [P, CO]
//
// with P = n·oh·ow output pixels, K = kh·kw·ci, patches[p][k] = x[n][oy·sh+fh−pt][ox·sw+fw−pl][ci]
// for k = (fh, fw, ci) (zero outside x): w [kh, kw, ci, co] is already [K][CO] and y, dy already
// [P][CO]. Why: our direct convolution (../conv2d-simd/kernel.c) keeps no data in cache across
// pixels, and on AlexNet's filters (0.6-1.3M values) XNNPACK beats it; XNNPACK in tfjs's build has
// no FMA. Here only a block of patches (a few hundred rows, in L2) and one panel of 8 columns of
// the other operand (in L1) are live at a time, as in a GotoBLAS GEMM.
//
// Register tile: MR rows x 2 vectors (8 columns) of the product in 12 accumulators; per step of the
// reduction, 2 vector loads of the 8-column panel, MR splat loads of the row operand, 12 MADDs:
// 12 accumulators + 2 panel vectors + 1 splat fit V8's 16 xmm registers. The row operand is packed
// as [k][MR] so the MR splats of a step are at constant offsets from one pointer.
//   forward:  rows = pixels (a chunk of MC, im2col'ed per K block of KC), panel = w (packed once)
//   gradient: rows = k (a block of KB), reduction = pixels (a chunk of PC), panel = dy (packed per
//             chunk); dw accumulates over chunks.
// Measured (bench/conv-gemm.ts, Node 24, 1 thread, AlexNet b16): the relaxed build runs 44-47 GFLOP/s
// on conv2-conv5 (XNNPACK 28-30, the plain build 26-28: without FMA a mul and an add per lane is the
// limit, as XNNPACK's), 0.61-0.67x XNNPACK's time; the tiles alone ~48-50 (packing is 4-8% there,
// 28-38% on conv1's K = 121). MR 4 or 5 ran 5-15% slower, MC/KC/PC/KB moved times by the noise
// (a few %) except conv1's filter gradient (PC 512 / KB 96: 23 -> 29 GFLOP/s). On LeNet (co 6 and
// 16, K 25 and 150) packing dominates: 2-7x slower than ../conv2d-simd/kernel.c.
// It runs in tfjs's own memory (imported, ../tfjs-memory.ts): x, w, bias, y, dy, dw are tensors'
// addresses and the caller (../conv-gemm.ts) takes scratch_*(...) bytes of scratch from tfjs's heap.
// So it keeps no data of its own and reads nothing outside an array (tfjs's arrays have no slack):
// partial tiles store lane by lane, patches copy exactly the part of a filter row inside x.
#include "../simd-kernel.h"

#ifndef LN_TFJS_MEMORY
#error "build with build-kernel.sh, which links kernels that read LN_TFJS_MEMORY against an imported memory"
#endif

#ifndef MR
#define MR 6     // rows per register tile
#endif
#define NR 8     // columns per register tile (2 vectors)
#ifndef MC
#define MC 240   // forward: pixels per im2col chunk (a multiple of MR)
#endif
#ifndef KC
#define KC 256   // forward: K per block: a chunk of patches is MC x KC floats (240 KiB, in L2)
#endif
#ifndef PC
#define PC 512   // filter gradient: pixels per chunk (the reduction of one pass over dw)
#endif
#ifndef KB
#define KB 96    // filter gradient: rows of dw per block (a multiple of MR): KB x PC patches (192 KiB)
#endif

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

// The convolution's geometry.
typedef struct {
  const f32 *x;
  int N, H, W, CI, CO, KH, KW, OH, OW, SH, SW, PT, PL;
  int K, P;  // kh·kw·ci and n·oh·ow
} Geo;

// Lanes 0..n-1 (n in 1..4) of p; reads nothing at p + n or after.
INLINE v128_t load_n(const f32 *p, int n) {
  if (n >= 4) return wasm_v128_load(p);
  v128_t v = wasm_f32x4_splat(0.f);
  v = wasm_v128_load32_lane(p, v, 0);
  if (n > 1) v = wasm_v128_load32_lane(p + 1, v, 1);
  if (n > 2) v = wasm_v128_load32_lane(p + 2, v, 2);
  return v;
}

// Stores lanes 0..n-1 (n in 1..4) of v.
INLINE void store_n(f32 *p, v128_t v, int n) {
  if (n >= 4) {
    wasm_v128_store(p, v);
    return;
  }
  wasm_v128_store32_lane(p, v, 0);
  if (n > 1) wasm_v128_store32_lane(p + 1, v, 1);
  if (n > 2) wasm_v128_store32_lane(p + 2, v, 2);
}

static void copy(f32 *d, const f32 *s, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(d + i, wasm_v128_load(s + i));
  for (; i < n; i++) d[i] = s[i];
}

static void zero(f32 *d, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(d + i, wasm_f32x4_splat(0.f));
  for (; i < n; i++) d[i] = 0.f;
}

// d[0 .. kc) = patches[p][k0 .. k0+kc). Per filter row, the taps inside x are one contiguous run
// of x (NHWC: (fw, ci) runs along a row of x), with zeros for the columns left and right of x.
static void patch_row(f32 *d, const Geo *g, int p, int k0, int kc) {
  const int ohw = g->OH * g->OW, n = p / ohw, oy = p % ohw / g->OW, ox = p % g->OW;
  const int iy0 = oy * g->SH - g->PT, ix0 = ox * g->SW - g->PL, row = g->KW * g->CI;
  // Filter columns inside x: [fw0, fw1).
  const int fw0 = imin(imax(0, -ix0), g->KW), fw1 = imax(fw0, imin(g->KW, g->W - ix0));
  const int end = k0 + kc;
  for (int fh = k0 / row; fh < g->KH && fh * row < end; fh++) {
    const int r0 = fh * row;  // k of this filter row's first tap
    const int iy = iy0 + fh;
    const int a = imax(k0, r0), b = imin(end, r0 + row);  // this row's part of the window
    if (iy < 0 || iy >= g->H) {
      zero(d + a - k0, b - a);
      continue;
    }
    const int in0 = r0 + fw0 * g->CI, in1 = r0 + fw1 * g->CI;  // the part inside x
    const int za = imin(b, in0), ia = imax(a, in0), ib = imin(b, in1), zb = imax(a, in1);
    if (za > a) zero(d + a - k0, za - a);
    if (ib > ia) copy(d + ia - k0, g->x + ((n * g->H + iy) * g->W + ix0) * g->CI + (ia - r0), ib - ia);
    if (b > zb) zero(d + zb - k0, b - zb);
  }
}

// One register tile: c[r][j] (r < rows, j < cols, row stride ldc) = (first ? init[j] or 0 : c[r][j])
// + Σ_k a[k·MR + r] · b[k·NR + j], then relu if asked. a and b are packed, zero-padded.
typedef struct {
  const f32 *a, *b;
  const f32 *init;  // NR floats (the bias), or 0 for zeros; read when first
  f32 *c;
  int ldc, rows, cols, kc, first, relu;
} Tile;

INLINE void tile(const Tile *t) {
  v128_t acc[MR][2];
  const int c0 = imin(t->cols, 4), c1 = t->cols - 4;
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++) {
    if (t->first) {
      acc[r][0] = t->init ? wasm_v128_load(t->init) : wasm_f32x4_splat(0.f);
      acc[r][1] = t->init ? wasm_v128_load(t->init + 4) : wasm_f32x4_splat(0.f);
    } else if (r < t->rows) {
      acc[r][0] = load_n(t->c + r * t->ldc, c0);
      acc[r][1] = c1 > 0 ? load_n(t->c + r * t->ldc + 4, c1) : wasm_f32x4_splat(0.f);
    } else {
      acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.f);
    }
  }
  const f32 *a = t->a, *b = t->b;
  for (int k = 0; k < t->kc; k++, a += MR, b += NR) {
    const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
      const v128_t s = wasm_v128_load32_splat(a + r);
      acc[r][0] = MADD(acc[r][0], s, b0);
      acc[r][1] = MADD(acc[r][1], s, b1);
    }
  }
  const v128_t z = wasm_f32x4_splat(0.f);
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++) {
    if (r >= t->rows) break;
    v128_t o0 = acc[r][0], o1 = acc[r][1];
    if (t->relu) o0 = wasm_f32x4_max(o0, z), o1 = wasm_f32x4_max(o1, z);
    store_n(t->c + r * t->ldc, o0, c0);
    if (c1 > 0) store_n(t->c + r * t->ldc + 4, o1, c1);
  }
}

static int panels(int co) { return (co + NR - 1) / NR; }

// Floats of scratch each function needs (the caller passes bytes = 4 · this, 16-byte aligned).
EXPORT("conv_scratch_floats")
int conv_scratch_floats(int K, int CO) { return panels(CO) * NR * (K + 1) + MC * KC + KC; }

EXPORT("filter_grad_scratch_floats")
int filter_grad_scratch_floats(int K, int CO) { return panels(CO) * NR * PC + KB * PC + KB + 4; }

static Geo geo(const f32 *x, int N, int H, int W, int CI, int CO, int KH, int KW, int OH, int OW, int SH,
               int SW, int PT, int PL) {
  Geo g = {x, N, H, W, CI, CO, KH, KW, OH, OW, SH, SW, PT, PL, KH * KW * CI, N * OH * OW};
  return g;
}

// y [n, oh, ow, co] = act(bias + x ⋆ w): bias is CO floats or 0 (none), relu 0 or 1.
EXPORT("conv")
void conv(const f32 *x, const f32 *w, const f32 *bias, f32 *y, f32 *scratch, int N, int H, int W, int CI,
          int CO, int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL, int relu) {
  const Geo g = geo(x, N, H, W, CI, CO, KH, KW, OH, OW, SH, SW, PT, PL);
  const int K = g.K, P = g.P, np = panels(CO);
  // Scratch: w as np panels [K][NR] (zero columns past CO), the bias as np panels of NR, a chunk of
  // patches [MC/MR][kc][MR], one patch row.
  f32 *wp = scratch, *bp = wp + np * NR * K, *ap = bp + np * NR, *row = ap + MC * KC;
  for (int k = 0; k < K; k++)
    for (int j = 0; j < np; j++) {
      const int cols = imin(NR, CO - j * NR);
      f32 *d = wp + (j * K + k) * NR;
      copy(d, w + k * CO + j * NR, cols);
      zero(d + cols, NR - cols);
    }
  for (int j = 0; j < np * NR; j++) bp[j] = bias && j < CO ? bias[j] : 0.f;
  if (K == 0) {
    // No taps: y is the bias (or zeros), then relu.
    for (int p = 0; p < P; p++)
      for (int j = 0; j < CO; j++) y[p * CO + j] = relu && bp[j] < 0.f ? 0.f : bp[j];
    return;
  }
  Tile t;
  t.ldc = CO;
  for (int p0 = 0; p0 < P; p0 += MC) {
    const int mc = imin(MC, P - p0), groups = (mc + MR - 1) / MR;
    for (int k0 = 0; k0 < K; k0 += KC) {
      const int kc = imin(KC, K - k0);
      // im2col: row i of the chunk is patch p0 + i, stored at ap[(i / MR) · kc · MR + k · MR + i % MR].
      for (int i = 0; i < groups * MR; i++) {
        f32 *d = ap + (i / MR) * kc * MR + i % MR;
        if (i < mc) {
          patch_row(row, &g, p0 + i, k0, kc);
          for (int k = 0; k < kc; k++) d[k * MR] = row[k];
        } else {
          for (int k = 0; k < kc; k++) d[k * MR] = 0.f;
        }
      }
      t.kc = kc;
      t.first = k0 == 0;
      t.relu = relu && k0 + kc == K;
      for (int j = 0; j < np; j++) {
        t.b = wp + (j * K + k0) * NR;
        t.init = bias ? bp + j * NR : 0;
        t.cols = imin(NR, CO - j * NR);
        for (int i = 0; i < groups; i++) {
          t.a = ap + i * kc * MR;
          t.c = y + (p0 + i * MR) * CO + j * NR;
          t.rows = imin(MR, mc - i * MR);
          tile(&t);
        }
      }
    }
  }
}

// dw [kh, kw, ci, co] = Σ over pixels of patchᵀ · dy, the gradient of `conv` with respect to w.
EXPORT("filter_grad")
void filter_grad(const f32 *x, const f32 *dy, f32 *dw, f32 *scratch, int N, int H, int W, int CI, int CO,
                 int KH, int KW, int OH, int OW, int SH, int SW, int PT, int PL) {
  const Geo g = geo(x, N, H, W, CI, CO, KH, KW, OH, OW, SH, SW, PT, PL);
  const int K = g.K, P = g.P, np = panels(CO);
  // Scratch: a chunk of dy as np panels [pc][NR], a block of patchesᵀ [KB/MR][pc][MR], one patch row.
  f32 *dp = scratch, *ap = dp + np * NR * PC, *row = ap + KB * PC;
  if (P == 0) {
    zero(dw, K * CO);
    return;
  }
  Tile t;
  t.ldc = CO;
  t.init = 0;
  t.relu = 0;
  for (int p0 = 0; p0 < P; p0 += PC) {
    const int pc = imin(PC, P - p0);
    for (int p = 0; p < pc; p++)
      for (int j = 0; j < np; j++) {
        const int cols = imin(NR, CO - j * NR);
        f32 *d = dp + (j * pc + p) * NR;
        copy(d, dy + (p0 + p) * CO + j * NR, cols);
        zero(d + cols, NR - cols);
      }
    t.kc = pc;
    t.first = p0 == 0;
    for (int k0 = 0; k0 < K; k0 += KB) {
      const int kb = imin(KB, K - k0), groups = (kb + MR - 1) / MR;
      // patchesᵀ: row k of the block (k0 + k) at ap[(k / MR) · pc · MR + p · MR + k % MR].
      for (int p = 0; p < pc; p++) {
        patch_row(row, &g, p0 + p, k0, kb);
        zero(row + kb, groups * MR - kb);
        for (int i = 0; i < groups; i++) {
          f32 *d = ap + (i * pc + p) * MR;
          const f32 *s = row + i * MR;
          copy(d, s, MR);
        }
      }
      for (int j = 0; j < np; j++) {
        t.b = dp + j * pc * NR;
        t.cols = imin(NR, CO - j * NR);
        for (int i = 0; i < groups; i++) {
          t.a = ap + i * pc * MR;
          t.c = dw + (k0 + i * MR) * CO + j * NR;
          t.rows = imin(MR, kb - i * MR);
          tile(&t);
        }
      }
    }
  }
}
