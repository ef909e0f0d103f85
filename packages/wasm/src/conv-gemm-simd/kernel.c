// 2-D convolution (NHWC, any stride and padding, dilation 1) and its filter gradient for tfjs's wasm
// backend, as matrix products over im2col patches, in WebAssembly SIMD128, no libc (and, at the end of
// this file, the stride-1 3x3 and 5x5 ones by Winograd's algorithm, in the same register tile):
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

// ---------------------------------------------------------------------------------------------------
// Winograd convolution at stride 1 for 3x3 and 5x5 filters: F(4x4, 3x3) and F(2x2, 5x5), both on 6x6
// input tiles (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", points 0, ±1, ±2, ∞).
// For each output tile (m x m pixels, m = 4 or 2) and each of the 36 positions ξν of the transformed
// tile, the convolution becomes a product over channels:
//
//   U[ξν] [CI, CO] = (G w Gᵀ)[ξν]        filter transform, once per call
//   V[ξν] [T, CI]  = (Bᵀ d B)[ξν]        input transform of each 6x6 input tile d (T tiles)
//   M[ξν] [T, CO]  = V[ξν] · U[ξν]        36 matrix products, in the register tile above
//   y tile         = Aᵀ M A (+ bias, relu) output transform, m x m pixels
//
// That is 36 multiply-adds per (ci, co) for 16 outputs of a 3x3 filter where im2col does 144 (4x
// fewer), 36 for 4 outputs of a 5x5 where im2col does 100 (2.8x fewer); the transforms are O(CI + CO)
// per tile against the products' O(CI·CO), so the saving grows with the channels. Rounding:
// the transforms' coefficients (up to 8 and 1/24) cost a few bits against im2col's sums, as in cuDNN's
// and NNPACK's Winograd paths; the tests bound the error. Tiles are processed WT at a time: their V
// (36 x WT x CI) and M (36 x WT x CO) live in scratch, each ξν's slice of V (WT x CI) stays in L2
// while the 8-column panels of U[ξν] stream through L1, as in the forward GEMM.
// `flip` runs the input gradient of a stride-1 convolution: w is then that convolution's filter
// [r][r][CO][CI] (its CO being our CI), read rotated by 180° with its channels swapped.
#ifndef WT
#define WT 48  // Winograd: tiles per chunk (a multiple of MR)
#endif
#define WN 6   // Winograd input tile: 6x6

// Bᵀ (6x6) applied to 6 vectors s[0], s[st], ..., s[5·st]: the input transform along one axis.
INLINE void bt6(const v128_t *s, int st, v128_t *d, int dt) {
  const v128_t s0 = s[0], s1 = s[st], s2 = s[2 * st], s3 = s[3 * st], s4 = s[4 * st], s5 = s[5 * st];
  const v128_t four = wasm_f32x4_splat(4.f), five = wasm_f32x4_splat(5.f), two = wasm_f32x4_splat(2.f);
  // Rows of Bᵀ: [4 0 -5 0 1 0] [0 -4 -4 1 1 0] [0 4 -4 -1 1 0] [0 -2 -1 2 1 0] [0 2 -1 -2 1 0] [0 4 0 -5 0 1]
  const v128_t s34 = wasm_f32x4_add(s3, s4), s4m2 = wasm_f32x4_sub(s4, s2);
  const v128_t f12 = wasm_f32x4_mul(four, wasm_f32x4_add(s1, s2)), g12 = wasm_f32x4_mul(four, wasm_f32x4_sub(s1, s2));
  const v128_t t13 = wasm_f32x4_mul(two, wasm_f32x4_sub(s3, s1));
  d[0] = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four, s0), wasm_f32x4_mul(five, s2)), s4);
  d[dt] = wasm_f32x4_sub(s34, f12);
  d[2 * dt] = wasm_f32x4_add(wasm_f32x4_sub(s4, s3), g12);
  d[3 * dt] = wasm_f32x4_add(s4m2, t13);
  d[4 * dt] = wasm_f32x4_sub(s4m2, t13);
  d[5 * dt] = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four, s1), wasm_f32x4_mul(five, s3)), s5);
}

// Aᵀ (m x 6) applied to 6 vectors along one axis: m = 4 (3x3 filters) or 2 (5x5).
INLINE void at6(const v128_t *s, int st, v128_t *d, int dt, int m) {
  const v128_t s0 = s[0], s1 = s[st], s2 = s[2 * st], s3 = s[3 * st], s4 = s[4 * st], s5 = s[5 * st];
  const v128_t p12 = wasm_f32x4_add(s1, s2), m12 = wasm_f32x4_sub(s1, s2);
  const v128_t p34 = wasm_f32x4_add(s3, s4), m34 = wasm_f32x4_sub(s3, s4);
  const v128_t two = wasm_f32x4_splat(2.f);
  // Aᵀ for m = 4: [1 1 1 1 1 0] [0 1 -1 2 -2 0] [0 1 1 4 4 0] [0 1 -1 8 -8 1]; for m = 2: [1 1 1 1 1 0] [0 1 -1 2 -2 1]
  d[0] = wasm_f32x4_add(wasm_f32x4_add(s0, p12), p34);
  if (m == 2) {
    d[dt] = wasm_f32x4_add(wasm_f32x4_add(m12, wasm_f32x4_mul(two, m34)), s5);
    return;
  }
  d[dt] = wasm_f32x4_add(m12, wasm_f32x4_mul(two, m34));
  d[2 * dt] = wasm_f32x4_add(p12, wasm_f32x4_mul(wasm_f32x4_splat(4.f), p34));
  d[3 * dt] = wasm_f32x4_add(wasm_f32x4_add(m12, wasm_f32x4_mul(wasm_f32x4_splat(8.f), m34)), s5);
}

// d = Bᵀ x B for the 6x6 input tile of image n whose top-left is (iy0, ix0) (zero outside x), channels
// ci .. ci+lanes: the input transform both the convolution and its filter gradient apply.
INLINE void input_tile(const Geo *g, int n, int iy0, int ix0, int ci, int lanes, v128_t d[WN * WN]) {
  v128_t e[WN * WN];
  for (int a = 0; a < WN; a++)
    for (int b = 0; b < WN; b++) {
      const int iy = iy0 + a, ix = ix0 + b;
      d[a * WN + b] = iy >= 0 && iy < g->H && ix >= 0 && ix < g->W
                          ? load_n(g->x + ((n * g->H + iy) * g->W + ix) * g->CI + ci, lanes)
                          : wasm_f32x4_splat(0.f);
    }
  for (int b = 0; b < WN; b++) bt6(d + b, WN, e + b, WN);          // columns: e = Bᵀ d
  for (int a = 0; a < WN; a++) bt6(e + a * WN, 1, d + a * WN, 1);  // rows: d = e B
}

// The interpolation points 0, 1, -1, 2, -2 (x = 0..4); the sixth, ∞, is handled apart by each matrix.
static int winograd_point(int x) { return (x + 1) / 2 * (x % 2 ? 1 : -1); }

// o[x·rows + y] = Σ_a Σ_b M[x][a] · s[a·ls + b] · M[y][b]: the small matrix M (rows x k, row stride lm)
// on both sides of s (k x k vectors, row stride ls), as the filter transform G w Gᵀ, dy's G' dy G'ᵀ and
// the filter gradient's A'ᵀ D A' all are.
INLINE void sandwich(const f32 *M, int lm, int rows, int k, const v128_t *s, int ls, v128_t *o) {
  v128_t h[WN * WN];  // h[x·k + b] = Σ_a M[x][a] · s[a][b]
  for (int x = 0; x < rows; x++)
    for (int b = 0; b < k; b++) {
      v128_t acc = wasm_f32x4_splat(0.f);
      for (int a = 0; a < k; a++) acc = MADD(acc, wasm_f32x4_splat(M[x * lm + a]), s[a * ls + b]);
      h[x * k + b] = acc;
    }
  for (int x = 0; x < rows; x++)
    for (int y = 0; y < rows; y++) {
      v128_t acc = wasm_f32x4_splat(0.f);
      for (int b = 0; b < k; b++) acc = MADD(acc, wasm_f32x4_splat(M[y * lm + b]), h[x * k + b]);
      o[x * rows + y] = acc;
    }
}

// G (6 x r), the filter transform U = G w Gᵀ, for r = 3 or 5: row x < 5 is p^a / Π_{l≠x} (p - p_l) for the
// point p = 0, 1, -1, 2, -2, row 5 (the point ∞) is [0 .. 0 1]. Computed rather than tabled: the
// module may hold no data (tfjs-memory.ts).
static void winograd_g(f32 g[WN][5], int r) {
  for (int x = 0; x < WN; x++)
    for (int a = 0; a < r; a++) g[x][a] = x == WN - 1 && a == r - 1 ? 1.f : 0.f;
  for (int x = 0; x < WN - 1; x++) {
    const int p = winograd_point(x);
    int f = 1;
    for (int l = 0; l < WN - 1; l++)
      if (l != x) f *= p - winograd_point(l);
    int pa = 1;
    for (int a = 0; a < r; a++, pa *= p) g[x][a] = (f32)pa / (f32)f;
  }
}

static int winograd_m(int r) { return r == 3 ? 4 : 2; }

EXPORT("winograd_scratch_floats")
int winograd_scratch_floats(int CI, int CO) {
  return WN * WN * (panels(CO) * NR * CI + WT * CI + WT * CO);
}

// U[ξν] packed as conv's w panels: Up + ξν·np·NR·CI + (j·CI + ci)·NR + (co mod NR), j = co / NR, columns
// past CO zero. Vectorized over 4 output channels; with flip the 4 values are gathered.
static void winograd_filter(const f32 *w, f32 *up, int CI, int CO, int r, int flip) {
  const int np = panels(CO), panel = np * NR * CI;
  f32 g[WN][5];
  winograd_g(g, r);
  zero(up, WN * WN * panel);
  for (int ci = 0; ci < CI; ci++)
    for (int co = 0; co < CO; co += 4) {
      const int lanes = imin(4, CO - co);
      v128_t f[5][5], u[WN * WN];
      for (int a = 0; a < r; a++)
        for (int b = 0; b < r; b++) {
          if (!flip) {
            f[a][b] = load_n(w + ((a * r + b) * CI + ci) * CO + co, lanes);
          } else {
            // The forward filter [r][r][CO][CI], rotated: tap (r-1-a, r-1-b), input channel co+l, output ci.
            const f32 *s = w + (((r - 1 - a) * r + (r - 1 - b)) * CO + co) * CI + ci;
            v128_t v = wasm_f32x4_splat(0.f);
            v = wasm_v128_load32_lane(s, v, 0);
            if (lanes > 1) v = wasm_v128_load32_lane(s + CI, v, 1);
            if (lanes > 2) v = wasm_v128_load32_lane(s + 2 * CI, v, 2);
            if (lanes > 3) v = wasm_v128_load32_lane(s + 3 * CI, v, 3);
            f[a][b] = v;
          }
        }
      sandwich(&g[0][0], 5, WN, r, &f[0][0], 5, u);
      const int j = co / NR, c = co % NR;
      for (int xy = 0; xy < WN * WN; xy++) store_n(up + xy * panel + (j * CI + ci) * NR + c, u[xy], lanes);
    }
}

// V of tiles t0 .. t0+wt (tile t: image t / (th·tw), tile row and column in it) into vp, rows packed as
// the register tile reads them: vp + ξν·WT·CI + (i / MR)·CI·MR + ci·MR + i % MR for tile t0 + i; rows
// past wt are zeros.
static void winograd_input(const Geo *g, f32 *vp, int t0, int wt, int th, int tw, int m) {
  const int CI = g->CI, groups = (wt + MR - 1) / MR;
  for (int i = 0; i < groups * MR; i++) {
    f32 *row = vp + (i / MR) * CI * MR + i % MR;
    if (i >= wt) {
      for (int xy = 0; xy < WN * WN; xy++)
        for (int ci = 0; ci < CI; ci++) row[xy * WT * CI + ci * MR] = 0.f;
      continue;
    }
    const int t = t0 + i, n = t / (th * tw), iy0 = t % (th * tw) / tw * m - g->PT, ix0 = t % tw * m - g->PL;
    for (int ci = 0; ci < CI; ci += 4) {
      const int lanes = imin(4, CI - ci);
      v128_t d[WN * WN];
      input_tile(g, n, iy0, ix0, ci, lanes, d);
      for (int xy = 0; xy < WN * WN; xy++) {
        f32 *o = row + xy * WT * CI + ci * MR;
        wasm_v128_store32_lane(o, d[xy], 0);
        if (lanes > 1) wasm_v128_store32_lane(o + MR, d[xy], 1);
        if (lanes > 2) wasm_v128_store32_lane(o + 2 * MR, d[xy], 2);
        if (lanes > 3) wasm_v128_store32_lane(o + 3 * MR, d[xy], 3);
      }
    }
  }
}

// y of tiles t0 .. t0+wt from M (mb + ξν·WT·CO + i·CO + co for tile t0 + i): Aᵀ M A, bias, relu.
static void winograd_output(const Geo *g, const f32 *mb, const f32 *bias, f32 *y, int t0, int wt, int th,
                            int tw, int m, int relu) {
  const int CO = g->CO;
  const v128_t z = wasm_f32x4_splat(0.f);
  for (int i = 0; i < wt; i++) {
    const int t = t0 + i, n = t / (th * tw), oy0 = t % (th * tw) / tw * m, ox0 = t % tw * m;
    const int rows = imin(m, g->OH - oy0), cols = imin(m, g->OW - ox0);
    for (int co = 0; co < CO; co += 4) {
      const int lanes = imin(4, CO - co);
      v128_t s[WN * WN], e[4 * WN], o[4 * 4];
      for (int xy = 0; xy < WN * WN; xy++) s[xy] = load_n(mb + xy * WT * CO + i * CO + co, lanes);
      for (int b = 0; b < WN; b++) at6(s + b, WN, e + b, WN, m);      // columns: e (m x 6) = Aᵀ s
      for (int a = 0; a < m; a++) at6(e + a * WN, 1, o + a * 4, 1, m);  // rows: o (m x m) = e A
      const v128_t bv = bias ? load_n(bias + co, lanes) : z;
      for (int a = 0; a < rows; a++)
        for (int b = 0; b < cols; b++) {
          v128_t v = wasm_f32x4_add(o[a * 4 + b], bv);
          if (relu) v = wasm_f32x4_max(v, z);
          store_n(y + ((n * g->OH + oy0 + a) * g->OW + ox0 + b) * CO + co, v, lanes);
        }
    }
  }
}

// y [n, oh, ow, co] = act(bias + x ⋆ w) at stride 1 for r x r filters, r = 3 or 5 (the caller checks),
// padding (PT, PL) on top and left (any; outside x is zero). With flip, w is read as described above.
EXPORT("winograd_conv")
void winograd_conv(const f32 *x, const f32 *w, const f32 *bias, f32 *y, f32 *scratch, int N, int H, int W,
                   int CI, int CO, int r, int OH, int OW, int PT, int PL, int relu, int flip) {
  const Geo g = geo(x, N, H, W, CI, CO, r, r, OH, OW, 1, 1, PT, PL);
  const int m = winograd_m(r), th = (OH + m - 1) / m, tw = (OW + m - 1) / m, T = N * th * tw;
  const int np = panels(CO), panel = np * NR * CI;
  f32 *up = scratch, *vp = up + WN * WN * panel, *mb = vp + WN * WN * WT * CI;
  winograd_filter(w, up, CI, CO, r, flip);
  Tile t;
  t.ldc = CO;
  t.init = 0;
  t.first = 1;
  t.relu = 0;
  t.kc = CI;
  for (int t0 = 0; t0 < T; t0 += WT) {
    const int wt = imin(WT, T - t0), groups = (wt + MR - 1) / MR;
    winograd_input(&g, vp, t0, wt, th, tw, m);
    for (int xy = 0; xy < WN * WN; xy++)
      for (int j = 0; j < np; j++) {
        t.b = up + xy * panel + j * CI * NR;
        t.cols = imin(NR, CO - j * NR);
        for (int i = 0; i < groups; i++) {
          t.a = vp + xy * WT * CI + i * CI * MR;
          t.c = mb + xy * WT * CO + i * MR * CO + j * NR;
          t.rows = imin(MR, wt - i * MR);
          tile(&t);
        }
      }
    winograd_output(&g, mb, bias, y, t0, wt, th, tw, m, relu);
  }
}

// The filter gradient of the same stride-1 convolution by Winograd's F(r x r, m x m): each output tile's
// dy (m x m) is the "filter" and its 6x6 input tile d the data, so with Z = G' dy G'ᵀ (G' the 6 x m
// matrix winograd_g makes for m) and V = Bᵀ d B as above,
//
//   D[ξν] [CI, CO] = Σ over tiles V[ξν]ᵀ · Z[ξν]   36 matrix products reducing over tiles
//   dw [r][r]      = A'ᵀ D A'                       A'ᵀ (r x 6): p^i for the points, 1 for ∞ in row r-1
//
// 36 multiply-adds per (ci, co) and tile where im2col does m²·r² (144 for 3x3, 100 for 5x5). Tiles are
// taken WTF at a time (the reduction of one pass, as PC in filter_grad): V's rows are channels, packed
// [ci / MR][tile][MR], Z in 8-column panels [co / NR][tile][NR]; D accumulates over the chunks.
#ifndef WTF
#define WTF 96  // Winograd filter gradient: tiles per chunk
#endif

EXPORT("winograd_filter_grad_scratch_floats")
int winograd_filter_grad_scratch_floats(int CI, int CO) {
  return WN * WN * (((CI + MR - 1) / MR * MR + panels(CO) * NR) * WTF + CI * CO);
}

// dw [r][r][CI][CO] = Σ over pixels of the patchᵀ · dy for the stride-1 convolution of x [N][H][W][CI] with
// r x r filters (r = 3 or 5), padding (PT, PL), output gradient dy [N][OH][OW][CO].
EXPORT("winograd_filter_grad")
void winograd_filter_grad(const f32 *x, const f32 *dy, f32 *dw, f32 *scratch, int N, int H, int W, int CI,
                          int CO, int r, int OH, int OW, int PT, int PL) {
  const Geo g = geo(x, N, H, W, CI, CO, r, r, OH, OW, 1, 1, PT, PL);
  const int m = winograd_m(r), th = (OH + m - 1) / m, tw = (OW + m - 1) / m, T = N * th * tw;
  const int groups = (CI + MR - 1) / MR, np = panels(CO);
  const int vsz = groups * MR * WTF, zsz = np * NR * WTF;
  f32 *vp = scratch, *zp = vp + WN * WN * vsz, *dh = zp + WN * WN * zsz;
  if (T == 0) {
    zero(dw, r * r * CI * CO);
    return;
  }
  f32 gm[WN][5];
  winograd_g(gm, m);
  // Rows past CI and columns past CO are read by the register tile, never stored: zeros, not garbage.
  if (CI % MR) zero(vp, WN * WN * vsz);
  if (CO % NR) zero(zp, WN * WN * zsz);
  Tile t;
  t.ldc = CO;
  t.init = 0;
  t.relu = 0;
  for (int t0 = 0; t0 < T; t0 += WTF) {
    const int wt = imin(WTF, T - t0);
    for (int i = 0; i < wt; i++) {
      const int tt = t0 + i, n = tt / (th * tw), ty = tt % (th * tw) / tw, tx = tt % tw;
      const int iy0 = ty * m - PT, ix0 = tx * m - PL, oy0 = ty * m, ox0 = tx * m;
      // V of the input tile, 4 channels at a time, stored lane by lane (rows of 4 channels may span two groups).
      for (int ci = 0; ci < CI; ci += 4) {
        const int lanes = imin(4, CI - ci);
        v128_t d[WN * WN];
        input_tile(&g, n, iy0, ix0, ci, lanes, d);
        int at[4];
        for (int l = 0; l < lanes; l++) at[l] = (ci + l) / MR * WTF * MR + i * MR + (ci + l) % MR;
        for (int xy = 0; xy < WN * WN; xy++) {
          f32 lane[4];
          wasm_v128_store(lane, d[xy]);
          for (int l = 0; l < lanes; l++) vp[xy * vsz + at[l]] = lane[l];
        }
      }
      // Z of the dy tile (zero past OH, OW), 4 output channels at a time.
      for (int co = 0; co < CO; co += 4) {
        const int lanes = imin(4, CO - co);
        v128_t s[4 * 4], z[WN * WN];
        for (int u = 0; u < m; u++)
          for (int v = 0; v < m; v++)
            s[u * 4 + v] = oy0 + u < OH && ox0 + v < OW ? load_n(dy + ((n * OH + oy0 + u) * OW + ox0 + v) * CO + co, lanes)
                                                         : wasm_f32x4_splat(0.f);
        sandwich(&gm[0][0], 5, WN, m, s, 4, z);
        f32 *o = zp + co / NR * WTF * NR + i * NR + co % NR;
        for (int xy = 0; xy < WN * WN; xy++) store_n(o + xy * zsz, z[xy], lanes);
      }
    }
    t.kc = wt;
    t.first = t0 == 0;
    for (int xy = 0; xy < WN * WN; xy++)
      for (int j = 0; j < np; j++) {
        t.b = zp + xy * zsz + j * WTF * NR;
        t.cols = imin(NR, CO - j * NR);
        for (int gi = 0; gi < groups; gi++) {
          t.a = vp + xy * vsz + gi * WTF * MR;
          t.c = dh + xy * CI * CO + gi * MR * CO + j * NR;
          t.rows = imin(MR, CI - gi * MR);
          tile(&t);
        }
      }
  }
  // dw = A'ᵀ D A': A'ᵀ[i][j] = p_j^i (points 0, 1, -1, 2, -2), column 5 (∞) is 1 in row r-1 only.
  f32 at[5][WN];
  for (int j = 0; j < WN - 1; j++) {
    const int p = winograd_point(j);
    int pi = 1;
    for (int i = 0; i < r; i++, pi *= p) at[i][j] = (f32)pi;
  }
  for (int i = 0; i < r; i++) at[i][WN - 1] = i == r - 1 ? 1.f : 0.f;
  for (int ci = 0; ci < CI; ci++)
    for (int co = 0; co < CO; co += 4) {
      const int lanes = imin(4, CO - co);
      v128_t s[WN * WN], o[5 * 5];
      for (int xy = 0; xy < WN * WN; xy++) s[xy] = load_n(dh + xy * CI * CO + ci * CO + co, lanes);
      sandwich(&at[0][0], WN, r, WN, s, WN, o);
      for (int ab = 0; ab < r * r; ab++) store_n(dw + (ab * CI + ci) * CO + co, o[ab], lanes);
    }
}
