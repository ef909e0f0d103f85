// Conv2D filter gradient for tfjs's wasm backend (NHWC, stride 1, dilation 1, explicit
// top/left padding) in WebAssembly SIMD128 (f32x4 mul + add, or one relaxed_madd: see MADD),
// no libc:
//
//   dW[fh][fw][ci][co] = sum_{n,oy,ox} x[n][oy+fh-padTop][ox+fw-padLeft][ci] * dy[n][oy][ox][co]
//
// (zero outside x), and with filter_grad_bias also the bias gradient db[co] = sum_{n,oy,ox} dy[n][oy][ox][co]
// (see "the bias gradient" below). Why: tfjs's wasm build has no weight-gradient kernel, and building it
// from XNNPACK's convolution over transposed tensors ran LeNet's at 4-16 GFLOP/s; this runs
// them at 24-36: LeNet's conv1 13.56 -> 2.60 ms, conv2 7.58 -> 3.73 ms a step on one thread, with
// 7e-7 relative error where XNNPACK's path gave 9e-6 (the loop orders that lost are in git history,
// packages/train/experiments/filter-grad, removed in a8f8846). Built by ../../build-kernel.sh into
// kernel.gen.ts. It runs in tfjs's own memory (imported, see ../tfjs-memory.ts): x, dy and dW are
// tfjs tensors' addresses, scratch_bytes(...) of scratch is taken from tfjs's heap by the caller
// (../conv2d-backprop-filter-simd.ts). So it keeps no data of its own and reads nothing past an
// array's end (see filterGrad's last chunk of dy).
//
// The reduction is a GEMM dW[(fh, fw*CI+ci), co] += X[p, (fh, fw*CI+ci)] * dy[p, co] over
// pixels p. For a fixed fh the K = KW*CI rows are contiguous in NHWC x, so a block of
// R rows x V co-vectors keeps R*V accumulators in registers and per pixel does R splat
// loads of x, V loads of dy and R*V mul+add. Per chunk of images (~32 KiB of x + dy, stays
// in L1) every block sweeps the chunk's pixels from zeroed registers and adds them to the
// sums in memory: two-level summation, more accurate than one running sum. Blocks hold at
// most ~8-9 accumulators so that they and the loads fit V8's 16 xmm registers.
// With CO = 4k + 2 (LeNet's 6) plain co-vectors waste lanes, so pixel pairs are used instead; with
// CI = 1 as well (LeNet's conv1), and any CO % 4 != 0, vectors over output columns (filterGradOx).
#include "../simd-kernel.h"

#ifndef LN_TFJS_MEMORY
#error "build with build-kernel.sh, which links kernels that read LN_TFJS_MEMORY against an imported memory"
#endif

// MADD (../simd-kernel.h) with FMA, measured (bench/relaxed.ts, Node 24, plain -> relaxed ms): LeNet's
// conv2 (batch 256) 4.47 -> 3.43, AlexNet's conv2-5 (batch 8) 1.15-1.20x; LeNet's conv1 (CI = 1, pixel
// pairs: shuffles and splats, not multiply-adds, bound it) 3.16 -> 3.07 on Node 24, 3.65 -> 3.25 on Node
// 20; with vectors over ox since (bench/lenet-convs.ts) 1.91 -> 1.54. There clang 19 without FMA ran
// 4-17% slower than clang 14 (it hoists every splat of a block ahead of the multiply-adds: more live
// vectors than V8's 16 registers), which FMA wins back; R = 2 for it instead of 3: in noise.

static void zero(f32 *p, int n) {
  v128_t z = wasm_f32x4_splat(0.f);
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(p + i, z);
  for (; i < n; i++) p[i] = 0.f;
}

static int up4(int v) { return (v + 3) & ~3; }

// ---------------------------------------------------------------- vectors over co

// One R x V register block over all pixels of one image. xp points at x[row 0 of this
// filter row][col 0][first of the R rows]; dp at dy[image][0][0][first co of the block].
INLINE void blockCo(const int R, const int V, const f32 *xp, const f32 *dp, f32 *ap, int nb,
                    int xis, int OH, int OW, int CI, int CO, int xrs, int ars) {
  v128_t acc[8][4];
#pragma clang loop unroll(full)
  for (int r = 0; r < R; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < V; v++) acc[r][v] = wasm_f32x4_splat(0.f);
  for (int row = 0, n = 0, oy = 0; row < nb * OH; row++, oy++) {
    if (oy == OH) oy = 0, n++;
    const f32 *xr = xp + n * xis + oy * xrs;
    const f32 *dr = dp + row * OW * CO;
    for (int ox = 0; ox < OW; ox++) {
      v128_t d[4];
#pragma clang loop unroll(full)
      for (int v = 0; v < V; v++) d[v] = wasm_v128_load(dr + 4 * v);
#pragma clang loop unroll(full)
      for (int r = 0; r < R; r++) {
        v128_t xs = wasm_v128_load32_splat(xr + r);
#pragma clang loop unroll(full)
        for (int v = 0; v < V; v++) acc[r][v] = MADD(acc[r][v], xs, d[v]);
      }
      xr += CI;
      dr += CO;
    }
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < R; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < V; v++) {
      f32 *a = ap + r * ars + 4 * v;
      wasm_v128_store(a, wasm_f32x4_add(wasm_v128_load(a), acc[r][v]));
    }
}

typedef void (*BlockCoFn)(const f32 *, const f32 *, f32 *, int, int, int, int, int, int, int, int);
#define BCO(R, V)                                                                      \
  static void blockCo_##R##_##V(const f32 *xp, const f32 *dp, f32 *ap, int nb, int xis,   \
                                int OH, int OW, int CI, int CO, int xrs, int ars) {    \
    blockCo(R, V, xp, dp, ap, nb, xis, OH, OW, CI, CO, xrs, ars);                      \
  }
// Only the blocks filter_grad picks: V = 1 with R <= 8, V = 2 with R <= 4, V = 3 with R <= 3,
// V = 4 with R <= 2 (the defaults below and their remainders).
BCO(1, 1) BCO(2, 1) BCO(3, 1) BCO(4, 1) BCO(5, 1) BCO(6, 1) BCO(7, 1) BCO(8, 1)
BCO(1, 2) BCO(2, 2) BCO(3, 2) BCO(4, 2) BCO(1, 3) BCO(2, 3) BCO(3, 3) BCO(1, 4) BCO(2, 4)
#define CASE_CO(R, V) case (R - 1) * 4 + V - 1: return blockCo_##R##_##V;
static BlockCoFn pickCo(int r, int v) {
  switch ((r - 1) * 4 + v - 1) {
    CASE_CO(1, 1) CASE_CO(2, 1) CASE_CO(3, 1) CASE_CO(4, 1) CASE_CO(5, 1) CASE_CO(6, 1)
    CASE_CO(7, 1) CASE_CO(8, 1) CASE_CO(1, 2) CASE_CO(2, 2) CASE_CO(3, 2) CASE_CO(4, 2)
    CASE_CO(1, 3) CASE_CO(2, 3) CASE_CO(3, 3) CASE_CO(1, 4)
    default: return blockCo_2_4;
  }
}

// ---------------------------------------------------------------- CO % 4 == 2: pixel pairs

// With CO = 4k + 2 a plain co-vector wastes lanes (CO = 6 uses 6 of 8). Two neighbouring
// pixels' dy are 2·CO contiguous floats = CO/2 full vectors, so accumulate a doubled row
// [sums for pixel-even (co 0..CO-1) | sums for pixel-odd (co 0..CO-1)] and fold the halves
// at the end. x for vector k is x[p] (k < mid), [x[p] x[p] x[p+1] x[p+1]] (k == mid, one
// shuffle) or x[p+1] (k > mid). An odd last pixel of a row runs alone (x[p+1] = 0).
INLINE void blockPair(const int R, const int V2, const f32 *xp, const f32 *dp, f32 *ap, int nb,
                      int xis, int OH, int OW, int CI, int CO, int xrs, int ars) {
  const int mid = (V2 - 1) / 2;  // the vector straddling co = CO: lanes [CO-2, CO+2)
  v128_t acc[8][5];
#pragma clang loop unroll(full)
  for (int r = 0; r < R; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < V2; v++) acc[r][v] = wasm_f32x4_splat(0.f);
  for (int row = 0, n = 0, oy = 0; row < nb * OH; row++, oy++) {
    if (oy == OH) oy = 0, n++;
    const f32 *xr = xp + n * xis + oy * xrs;
    const f32 *dr = dp + row * OW * CO;
    int ox = 0;
    for (; ox + 2 <= OW; ox += 2) {
      v128_t d[5];
#pragma clang loop unroll(full)
      for (int v = 0; v < V2; v++) d[v] = wasm_v128_load(dr + 4 * v);
#pragma clang loop unroll(full)
      for (int r = 0; r < R; r++) {
        v128_t a = wasm_v128_load32_splat(xr + r);
        v128_t b = wasm_v128_load32_splat(xr + CI + r);
        v128_t m = wasm_i32x4_shuffle(a, b, 0, 1, 4, 5);
#pragma clang loop unroll(full)
        for (int v = 0; v < V2; v++) {
          v128_t xv = v < mid ? a : v == mid ? m : b;
          acc[r][v] = MADD(acc[r][v], xv, d[v]);
        }
      }
      xr += 2 * CI;
      dr += 2 * CO;
    }
    if (ox < OW) {
      v128_t d[5];
#pragma clang loop unroll(full)
      for (int v = 0; v <= mid; v++)
        d[v] = v < mid ? wasm_v128_load(dr + 4 * v) : wasm_v128_load64_zero(dr + 4 * v);
#pragma clang loop unroll(full)
      for (int r = 0; r < R; r++) {
        v128_t a = wasm_v128_load32_splat(xr + r);
#pragma clang loop unroll(full)
        for (int v = 0; v <= mid; v++) acc[r][v] = MADD(acc[r][v], a, d[v]);
      }
    }
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < R; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < V2; v++) {
      f32 *a = ap + r * ars + 4 * v;
      wasm_v128_store(a, wasm_f32x4_add(wasm_v128_load(a), acc[r][v]));
    }
}

#define BPAIR(R, V2)                                                                      \
  static void blockPair_##R##_##V2(const f32 *xp, const f32 *dp, f32 *ap, int nb, int xis, \
                                   int OH, int OW, int CI, int CO, int xrs, int ars) {    \
    blockPair(R, V2, xp, dp, ap, nb, xis, OH, OW, CI, CO, xrs, ars);                      \
  }
// CO = 2, 6, 10 (V2 = 1, 3, 5 vectors per pixel pair); R as filter_grad picks them.
BPAIR(1, 1) BPAIR(2, 1) BPAIR(3, 1) BPAIR(4, 1) BPAIR(5, 1) BPAIR(6, 1) BPAIR(7, 1) BPAIR(8, 1)
BPAIR(1, 3) BPAIR(2, 3) BPAIR(3, 3) BPAIR(1, 5) BPAIR(2, 5)
#define CASE_P(R, V2) case (R - 1) * 8 + V2 - 1: return blockPair_##R##_##V2;
static BlockCoFn pickPair(int r, int v2) {
  switch ((r - 1) * 8 + v2 - 1) {
    CASE_P(1, 1) CASE_P(2, 1) CASE_P(3, 1) CASE_P(4, 1) CASE_P(5, 1) CASE_P(6, 1) CASE_P(7, 1)
    CASE_P(8, 1) CASE_P(1, 3) CASE_P(2, 3) CASE_P(3, 3) CASE_P(1, 5)
    default: return blockPair_2_5;
  }
}

// ---------------------------------------------------------------- CI = 1: vectors over ox

// With one input channel neither co-vectors (CO = 6 uses 6 of 8 lanes) nor pixel pairs (two
// splats and a shuffle per 3 multiply-adds) keep the multiply-adds busy. So vectors run over 4
// neighbouring output columns instead, as in conv2d-simd's CI = 1 case: dy is copied per chunk to
// planar rows dyT[n][oy][co][ox] (OW rounded up to 4 with zeros), x to a zero-padded copy, and a
// block of F filter columns x C co keeps F*C accumulators of 4 partial sums each; per 4 pixels
// it does F unaligned x loads, C dy loads and F*C multiply-adds, every lane useful. LeNet's conv1
// (batch 256, Node 24, relaxed): 2.07 -> 1.58 ms with F x C = 5 x 2; 3 x 3: 1.74, 4 x 3: 2.01,
// 2 x 6: 2.27, 5 x 1: 2.19 (more accumulators than ~10 spill V8's 16 registers).
INLINE void blockOx(const int F, const int C, const f32 *xp, const f32 *dp, f32 *ap, int nb,
                    int OH, int OWq, int Hp, int Wq, int CO) {
  v128_t acc[5][2];
#pragma clang loop unroll(full)
  for (int f = 0; f < F; f++)
#pragma clang loop unroll(full)
    for (int c = 0; c < C; c++) acc[f][c] = wasm_f32x4_splat(0.f);
  for (int n = 0; n < nb; n++)
    for (int oy = 0; oy < OH; oy++) {
      const f32 *xr = xp + (n * Hp + oy) * Wq;
      const f32 *dr = dp + (n * OH + oy) * CO * OWq;
      for (int ox = 0; ox < OWq; ox += 4) {
        v128_t d[2];
#pragma clang loop unroll(full)
        for (int c = 0; c < C; c++) d[c] = wasm_v128_load(dr + c * OWq + ox);
#pragma clang loop unroll(full)
        for (int f = 0; f < F; f++) {
          v128_t xv = wasm_v128_load(xr + ox + f);
#pragma clang loop unroll(full)
          for (int c = 0; c < C; c++) acc[f][c] = MADD(acc[f][c], xv, d[c]);
        }
      }
    }
  // sums of (fw, co) at ap + (f * CO + c) * 4
#pragma clang loop unroll(full)
  for (int f = 0; f < F; f++)
#pragma clang loop unroll(full)
    for (int c = 0; c < C; c++) {
      f32 *a = ap + (f * CO + c) * 4;
      wasm_v128_store(a, wasm_f32x4_add(wasm_v128_load(a), acc[f][c]));
    }
}

typedef void (*BlockOxFn)(const f32 *, const f32 *, f32 *, int, int, int, int, int, int);
#define BOX(F, C)                                                                              \
  static void blockOx_##F##_##C(const f32 *xp, const f32 *dp, f32 *ap, int nb, int OH, int OWq, \
                                int Hp, int Wq, int CO) {                                      \
    blockOx(F, C, xp, dp, ap, nb, OH, OWq, Hp, Wq, CO);                                        \
  }
BOX(1, 1) BOX(2, 1) BOX(3, 1) BOX(4, 1) BOX(5, 1) BOX(1, 2) BOX(2, 2) BOX(3, 2) BOX(4, 2) BOX(5, 2)
// (a switch, not a table: a table would be a data segment, which a module in tfjs's memory cannot have)
#define CASE_OX(F, C) case (C - 1) * 8 + F - 1: return blockOx_##F##_##C;
static BlockOxFn pickOx(int f, int c) {
  switch ((c - 1) * 8 + f - 1) {
    CASE_OX(1, 1) CASE_OX(2, 1) CASE_OX(3, 1) CASE_OX(4, 1) CASE_OX(5, 1)
    CASE_OX(1, 2) CASE_OX(2, 2) CASE_OX(3, 2) CASE_OX(4, 2)
    default: return blockOx_5_2;
  }
}

// The CI = 1 path's sizes: x copies Hp x Wq (OW rounded up to 4, plus KW - 1), dy copies OH x CO x OWq.
static int oxWq(int OW, int KW) { return up4(OW) + KW - 1; }
static int oxChunk(int N, int CO, int OH, int OW, int KH, int KW) {
  int nb = 32768 / (4 * ((OH + KH - 1) * oxWq(OW, KW) + OH * CO * up4(OW)));
  if (nb < 1) nb = 1;
  return nb < N ? nb : N;
}

// dst[co][ox] = src[ox][co] for CO = 6 and 4 pixels at a time (6 vectors in, 6 out, 12 shuffles;
// a scalar copy took as long as the multiply-adds); returns the first pixel not done. With SUM it also
// adds each stored vector to sum[co] (4 columns' partial sums of channel co): the bias gradient, 6 adds
// per 4 pixels on vectors already in registers.
INLINE int transpose6(const int SUM, const f32 *src, f32 *dst, int OW, int OWq, f32 *sum) {
  v128_t s[6];
#pragma clang loop unroll(full)
  for (int c = 0; c < 6; c++) s[c] = SUM ? wasm_v128_load(sum + 4 * c) : wasm_f32x4_splat(0.f);
  int ox = 0;
  for (; ox + 4 <= OW; ox += 4, src += 24) {
    v128_t v0 = wasm_v128_load(src), v1 = wasm_v128_load(src + 4), v2 = wasm_v128_load(src + 8);
    v128_t v3 = wasm_v128_load(src + 12), v4 = wasm_v128_load(src + 16), v5 = wasm_v128_load(src + 20);
    // v0..v2 hold pixels 0-1, v3..v5 pixels 2-3: [p0c0-3] [p0c4-5 p1c0-1] [p1c2-5]
    v128_t a = wasm_i32x4_shuffle(v0, v1, 0, 6, 1, 7), b = wasm_i32x4_shuffle(v3, v4, 0, 6, 1, 7);
    v128_t c = wasm_i32x4_shuffle(v0, v2, 2, 4, 3, 5), d = wasm_i32x4_shuffle(v3, v5, 2, 4, 3, 5);
    v128_t e = wasm_i32x4_shuffle(v1, v2, 0, 6, 1, 7), f = wasm_i32x4_shuffle(v4, v5, 0, 6, 1, 7);
    v128_t t[6] = {wasm_i32x4_shuffle(a, b, 0, 1, 4, 5), wasm_i32x4_shuffle(a, b, 2, 3, 6, 7),
                   wasm_i32x4_shuffle(c, d, 0, 1, 4, 5), wasm_i32x4_shuffle(c, d, 2, 3, 6, 7),
                   wasm_i32x4_shuffle(e, f, 0, 1, 4, 5), wasm_i32x4_shuffle(e, f, 2, 3, 6, 7)};
#pragma clang loop unroll(full)
    for (int k = 0; k < 6; k++) {
      wasm_v128_store(dst + k * OWq + ox, t[k]);
      if (SUM) s[k] = wasm_f32x4_add(s[k], t[k]);
    }
  }
  if (SUM)
#pragma clang loop unroll(full)
    for (int c = 0; c < 6; c++) wasm_v128_store(sum + 4 * c, s[c]);
  return ox;
}

// db64 (float64 sums of dy per co, then 4 * CO float32 partial sums: see "the bias gradient") or 0.
static void filterGradOx(const f32 *x, const f32 *dy, f32 *dW, double *db64, f32 *scratch, int N, int H,
                         int W, int CO, int KH, int KW, int OH, int OW, int pt, int pl) {
  int Hp = OH + KH - 1, Wp = OW + KW - 1, Wq = oxWq(OW, KW), OWq = up4(OW);
  int nb = oxChunk(N, CO, OH, OW, KH, KW);
  f32 *acc = scratch;                        // [KH][KW][CO][4]
  f32 *xpad = acc + KH * KW * CO * 4;        // [nb][Hp][Wq]
  f32 *dyT = xpad + up4(nb * Hp * Wq);       // [nb][OH][CO][OWq]
  zero(acc, KH * KW * CO * 4);
  zero(xpad, nb * Hp * Wq);
  zero(dyT, nb * OH * CO * OWq);
  f32 *part = db64 ? (f32 *)(db64 + CO) : 0;  // [CO][4]: dy's sums in this chunk, 4 columns apart
  if (db64) zero(part, 4 * CO);
  // the padded copy's rows r0..r1 and columns c0..c1 hold x; columns past Wp meet only dy's zeros
  int r0 = pt, r1 = pt + H < Hp ? pt + H : Hp;
  int c0 = pl, c1 = pl + W < Wp ? pl + W : Wp;
  for (int n = 0; n < N; n += nb) {
    int cn = N - n < nb ? N - n : nb;
    for (int k = 0; k < cn; k++) {
      const f32 *xi = x + (long)(n + k) * H * W;
      for (int r = r0; r < r1; r++)
        for (int c = c0; c < c1; c++) xpad[(k * Hp + r) * Wq + c] = xi[(r - pt) * W + c - pl];
      const f32 *di = dy + (long)(n + k) * OH * OW * CO;
      for (int oy = 0; oy < OH; oy++) {
        const f32 *src = di + oy * OW * CO;
        f32 *dst = dyT + (k * OH + oy) * CO * OWq;
        int ox = CO != 6 ? 0
                 : db64  ? transpose6(1, src, dst, OW, OWq, part)
                         : transpose6(0, src, dst, OW, OWq, 0);
        for (; ox < OW; ox++)
          for (int co = 0; co < CO; co++) {
            dst[co * OWq + ox] = src[ox * CO + co];
            if (db64) part[4 * co] += src[ox * CO + co];
          }
      }
    }
    if (db64)
      for (int co = 0; co < CO; co++) {
        f32 *p = part + 4 * co;
        db64[co] += (double)p[0] + p[1] + p[2] + p[3];
        zero(p, 4);
      }
    for (int fh = 0; fh < KH; fh++)
      for (int f0 = 0; f0 < KW; f0 += 5) {
        int f = KW - f0 < 5 ? KW - f0 : 5;
        for (int co = 0; co < CO; co += 2) {
          int c = CO - co < 2 ? CO - co : 2;
          pickOx(f, c)(xpad + fh * Wq + f0, dyT + co * OWq, acc + ((fh * KW + f0) * CO + co) * 4, cn,
                       OH, OWq, Hp, Wq, CO);
        }
      }
  }
  for (int i = 0; i < KH * KW * CO; i++) {
    const f32 *a = acc + 4 * i;
    dW[i] = (a[0] + a[1]) + (a[2] + a[3]);
  }
}

// ---------------------------------------------------------------- the bias gradient

// filter_grad_bias also writes db[co] = sum_{n,oy,ox} dy[n][oy][ox][co] (a conv bias's gradient), from the
// dy it reads anyway: each chunk of images while it is in L1 (or, with vectors over ox, as dy is
// transposed), where a separate Sum kernel re-read all of dy from memory (LeNet's conv1: 4.8 MB, 0.5 ms).
// Accurate over LeNet's 200,704 pixels a channel: float32 sums within a chunk of images (a few thousand
// values a lane), added after each chunk into float64 sums, as sum-simd/kernel.c does. Its scratch, after
// filter_grad's: CO float64 sums, then 4 * CO float32 partial sums.
static int biasBytes(int CO) { return 8 * CO + 16 * CO; }

// db64[co] += the column sums of `len` floats of rows of CO at d: a stream of chunks of L = lcm(CO, 4)
// floats (lane j of a chunk is column j % CO), summed as vectors into part [L], the floats after the
// last whole chunk one by one. Reads exactly d[0 .. len).
static void sumColumns(const f32 *d, int len, int CO, f32 *part, double *db64) {
  int L = CO % 4 == 0 ? CO : CO % 2 == 0 ? 2 * CO : 4 * CO;
  zero(part, L);
  int i = 0;
  for (; i + L <= len; i += L)
    for (int v = 0; v < L; v += 4)
      wasm_v128_store(part + v, wasm_f32x4_add(wasm_v128_load(part + v), wasm_v128_load(d + i + v)));
  for (int j = 0; i < len; i++, j++) part[j] += d[i];
  for (int j = 0; j < L; j++) db64[j % CO] += part[j];
}

// ---------------------------------------------------------------- entry points

// Images per chunk: each block sweeps a chunk's pixels; ~32 KiB of (padded) x + dy, so
// the chunk stays in L1 while all blocks pass over it.
static int chunkImages(int N, int CI, int CO, int OH, int OW, int Hp, int Wp) {
  int nb = 32768 / (4 * (Hp * Wp * CI + OH * OW * CO));
  if (nb < 1) nb = 1;
  return nb < N ? nb : N;
}

static int usePairs(int CO) { return CO % 4 == 2 && CO <= 10; }
// One input channel and co-vectors that waste lanes: vectors over ox (filterGradOx).
static int useOx(int CI, int CO) { return CI == 1 && CO % 4 != 0; }

// Whether the co-vector blocks read past a pixel's CO values of dy: with CO % 4 != 0 the last
// vector of the last pixel would read up to 3 floats past dy's end (pixel pairs read whole pairs,
// and a lone last pixel 2 floats, exactly its own). Nothing guarantees those bytes in tfjs's heap,
// so the last chunk of dy is then read from a copy padded by one vector (see filter_grad).
static int readsPastDy(int CO) { return !usePairs(CO) && CO % 4 != 0; }

// Bytes of scratch filter_grad needs: the sums, one chunk of zero-padded x and, where dy's last
// chunk is read from a copy, that copy; a multiple of 16 (the bias's scratch follows).
static int filterBytes(int N, int CI, int CO, int KH, int KW, int OH, int OW) {
  if (useOx(CI, CO)) {
    int nb = oxChunk(N, CO, OH, OW, KH, KW);
    return 4 * up4(KH * KW * CO * 4 + up4(nb * (OH + KH - 1) * oxWq(OW, KW)) + nb * OH * CO * up4(OW));
  }
  int Hp = OH + KH - 1, Wp = OW + KW - 1;
  int acc = KH * KW * CI * (usePairs(CO) ? 2 * CO : up4(CO));
  int nb = chunkImages(N, CI, CO, OH, OW, Hp, Wp);
  int dyCopy = readsPastDy(CO) ? up4(nb * OH * OW * CO) + 4 : 0;
  return 4 * up4(acc + up4(nb * Hp * Wp * CI) + dyCopy + 4);
}

// Bytes of scratch filter_grad and filter_grad_bias need.
EXPORT("scratch_bytes")
int scratch_bytes(int N, int CI, int CO, int KH, int KW, int OH, int OW) {
  return filterBytes(N, CI, CO, KH, KW, OH, OW) + biasBytes(CO);
}

// x [N][H][W][CI], dy [N][OH][OW][CO], dW [KH][KW][CI][CO], db [CO] or 0 (no bias gradient), pt/pl the
// top/left padding. Reads and writes nothing outside them and the scratch.
static void filterGrad(const f32 *x, const f32 *dy, f32 *dW, f32 *db, f32 *scratch, int N, int H, int W,
                       int CI, int CO, int KH, int KW, int OH, int OW, int pt, int pl) {
  double *db64 = db ? (double *)(scratch + filterBytes(N, CI, CO, KH, KW, OH, OW) / 4) : 0;
  if (db64)
    for (int co = 0; co < CO; co++) db64[co] = 0.0;
  if (useOx(CI, CO)) {
    filterGradOx(x, dy, dW, db64, scratch, N, H, W, CO, KH, KW, OH, OW, pt, pl);
    if (db64)
      for (int co = 0; co < CO; co++) db[co] = (f32)db64[co];
    return;
  }
  int Hp = OH + KH - 1, Wp = OW + KW - 1;
  int pair = usePairs(CO);
  // acc rows hold up4(CO) sums, or 2*CO (the two pixel halves) with pairs
  int J = KW * CI, COV = pair ? CO / 2 : (CO + 3) / 4, ars = COV * 4;
  int V = pair ? COV : (COV < 4 ? COV : 4);
  // the fastest measured: 8-9 accumulators plus the loads fit 16 xmm registers
  int R = pair ? (V == 5 ? 2 : V == 3 ? 3 : 8) : (V == 4 ? 2 : V == 3 ? 3 : V == 2 ? 4 : 8);
  f32 *acc = scratch;
  f32 *xpad = acc + KH * J * ars;
  zero(acc, KH * J * ars);
  // x needs no copy when the reads stay inside it (no padding, no over-read).
  int direct = pt == 0 && pl == 0 && H >= Hp && W >= Wp;
  int xrs = direct ? W * CI : Wp * CI;
  int xis = direct ? H * W * CI : Hp * Wp * CI;
  int nb = chunkImages(N, CI, CO, OH, OW, Hp, Wp);
  f32 *dyCopy = xpad + up4(nb * Hp * Wp * CI);
  if (!direct) zero(xpad, nb * Hp * Wp * CI);
  // interior of the padded image: rows r0..r1, cols c0..c1 (padded coordinates)
  int r0 = pt, r1 = pt + H < Hp ? pt + H : Hp;
  int c0 = pl, c1 = pl + W < Wp ? pl + W : Wp;
  for (int n = 0; n < N; n += nb) {
    int cn = N - n < nb ? N - n : nb;
    const f32 *xi = x + (long)n * H * W * CI;
    if (!direct) {
      for (int k = 0; k < cn; k++)
        for (int r = r0; r < r1; r++) {
          const f32 *src = xi + (((long)k * H + r - pt) * W + (c0 - pl)) * CI;
          f32 *dst = xpad + ((k * Hp + r) * Wp + c0) * CI;
          int len = (c1 - c0) * CI;
          for (int i = 0; i < len; i++) dst[i] = src[i];
        }
      xi = xpad;
    }
    const f32 *di = dy + (long)n * OH * OW * CO;
    if (n + cn == N && readsPastDy(CO)) {
      // The last chunk: its last pixel's last vector reaches past dy's end; read a padded copy.
      int len = cn * OH * OW * CO;
      for (int i = 0; i < len; i++) dyCopy[i] = di[i];
      zero(dyCopy + len, 4);
      di = dyCopy;
    }
    if (db64) sumColumns(di, cn * OH * OW * CO, CO, (f32 *)(db64 + CO), db64);
    for (int fh = 0; fh < KH; fh++) {
      for (int j0 = 0; j0 < J; j0 += R) {
        int r = J - j0 < R ? J - j0 : R;
        for (int v0 = 0; v0 < COV; v0 += V) {
          int v = COV - v0 < V ? COV - v0 : V;
          (pair ? pickPair(r, v) : pickCo(r, v))(xi + fh * xrs + j0, di + 4 * v0,
                                                 acc + (fh * J + j0) * ars + 4 * v0, cn, xis,
                                                 OH, OW, CI, CO, xrs, ars);
        }
      }
    }
  }
  for (int row = 0; row < KH * J; row++)
    for (int co = 0; co < CO; co++)
      dW[row * CO + co] = acc[row * ars + co] + (pair ? acc[row * ars + CO + co] : 0.f);
  if (db64)
    for (int co = 0; co < CO; co++) db[co] = (f32)db64[co];
}

EXPORT("filter_grad")
void filter_grad(const f32 *x, const f32 *dy, f32 *dW, f32 *scratch, int N, int H, int W, int CI, int CO,
                 int KH, int KW, int OH, int OW, int pt, int pl) {
  filterGrad(x, dy, dW, 0, scratch, N, H, W, CI, CO, KH, KW, OH, OW, pt, pl);
}

// filter_grad, and db [CO] the bias gradient (see "the bias gradient").
EXPORT("filter_grad_bias")
void filter_grad_bias(const f32 *x, const f32 *dy, f32 *dW, f32 *db, f32 *scratch, int N, int H, int W,
                      int CI, int CO, int KH, int KW, int OH, int OW, int pt, int pl) {
  filterGrad(x, dy, dW, db, scratch, N, H, W, CI, CO, KH, KW, OH, OW, pt, pl);
}
