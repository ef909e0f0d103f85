// Conv2D filter gradient (NHWC, stride 1, dilation 1, explicit top/left padding) in
// WebAssembly SIMD128 (f32x4 mul + add), no libc:
//
//   dW[fh][fw][ci][co] = sum_{n,oy,ox} x[n][oy+fh-padTop][ox+fw-padLeft][ci] * dy[n][oy][ox][co]
//
// (zero outside x). All memory comes from the caller: x, dy, dW and a scratch area of
// scratch_bytes(...) bytes, so the module can run on its own memory or on an imported
// one (tfjs's). Two loop orders:
//
//  algo 0 ("co"): vectors over out-channels. The reduction is a GEMM
//    dW[(fh, fw·CI+ci), co] += X[p, (fh, fw·CI+ci)] · dy[p, co] over pixels p; for a fixed
//    fh the K = KW·CI rows are contiguous in x, so a block of R rows × V co-vectors keeps
//    R·V accumulators in registers and per pixel does R splat-loads of x, V loads of dy
//    and R·V mul+add. Per chunk of images (~32 KiB of x + dy, stays in L1) every block
//    sweeps the chunk's pixels from zeroed registers and adds them to the sums in memory (two-level
//    summation: more accurate than one running sum over the whole batch).
//  algo 1 ("ox"): vectors over output columns. Per image x and dy are repacked planar
//    (x[ci][row][col] zero-padded, dy[co][oy][ox] with ox padded to 4) and a block of
//    CB out-channels × F taps of one filter row keeps 4-lane partial sums; per 4 output
//    pixels it does F unaligned x loads, CB dy loads and CB·F mul+add. The 4 lanes are
//    summed at the end.
#include <wasm_simd128.h>

typedef float f32;
#define EXPORT(name) __attribute__((export_name(name)))
#define INLINE static inline __attribute__((always_inline))

static void zero(f32 *p, int n) {
  v128_t z = wasm_f32x4_splat(0.f);
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(p + i, z);
  for (; i < n; i++) p[i] = 0.f;
}

static int up4(int v) { return (v + 3) & ~3; }

// ---------------------------------------------------------------- algo 0: vectors over co

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
        for (int v = 0; v < V; v++) acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(xs, d[v]));
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
#define BCO_R(R) BCO(R, 1) BCO(R, 2) BCO(R, 3) BCO(R, 4)
BCO_R(1) BCO_R(2) BCO_R(3) BCO_R(4) BCO_R(5) BCO_R(6) BCO_R(7) BCO_R(8)
// A switch, not a table of function pointers: a table would be a data segment, which
// must not be written into an imported memory.
#define CASE_CO(R, V) case (R - 1) * 4 + V - 1: return blockCo_##R##_##V;
#define CASES_CO(R) CASE_CO(R, 1) CASE_CO(R, 2) CASE_CO(R, 3) CASE_CO(R, 4)
static BlockCoFn pickCo(int r, int v) {
  switch ((r - 1) * 4 + v - 1) {
    CASES_CO(1) CASES_CO(2) CASES_CO(3) CASES_CO(4) CASES_CO(5) CASES_CO(6) CASES_CO(7) CASE_CO(8, 1) CASE_CO(8, 2) CASE_CO(8, 3)
    default: return blockCo_8_4;
  }
}

// ---------------------------------------------------------------- algo 1: vectors over ox

// CB out-channels x F taps (of one filter row), 4-lane partial sums, over one image.
// xp: planar x of one in-channel at [row fh][col fw0]; dp: planar dy of the first co;
// ap: accumulators [co][KH][KW][4] at [co0][fh][fw0].
INLINE void blockOx(const int F, const int CB, const f32 *xp, const f32 *dp, f32 *ap,
                    int OH, int OWp, int Wq, int dyco, int aco) {
  v128_t acc[4][8];
#pragma clang loop unroll(full)
  for (int c = 0; c < CB; c++)
#pragma clang loop unroll(full)
    for (int f = 0; f < F; f++) acc[c][f] = wasm_f32x4_splat(0.f);
  for (int oy = 0; oy < OH; oy++) {
    const f32 *xr = xp + oy * Wq;
    const f32 *dr = dp + oy * OWp;
    for (int ox = 0; ox < OWp; ox += 4) {
      v128_t d[4];
#pragma clang loop unroll(full)
      for (int c = 0; c < CB; c++) d[c] = wasm_v128_load(dr + c * dyco + ox);
#pragma clang loop unroll(full)
      for (int f = 0; f < F; f++) {
        v128_t xv = wasm_v128_load(xr + ox + f);
#pragma clang loop unroll(full)
        for (int c = 0; c < CB; c++) acc[c][f] = wasm_f32x4_add(acc[c][f], wasm_f32x4_mul(xv, d[c]));
      }
    }
  }
#pragma clang loop unroll(full)
  for (int c = 0; c < CB; c++)
#pragma clang loop unroll(full)
    for (int f = 0; f < F; f++) {
      f32 *a = ap + c * aco + 4 * f;
      wasm_v128_store(a, wasm_f32x4_add(wasm_v128_load(a), acc[c][f]));
    }
}

typedef void (*BlockOxFn)(const f32 *, const f32 *, f32 *, int, int, int, int, int);
#define BOX(F, CB)                                                                       \
  static void blockOx_##F##_##CB(const f32 *xp, const f32 *dp, f32 *ap, int OH, int OWp, \
                                 int Wq, int dyco, int aco) {                            \
    blockOx(F, CB, xp, dp, ap, OH, OWp, Wq, dyco, aco);                                  \
  }
#define BOX_F(F) BOX(F, 1) BOX(F, 2) BOX(F, 3) BOX(F, 4)
BOX_F(1) BOX_F(2) BOX_F(3) BOX_F(4) BOX_F(5) BOX_F(6) BOX_F(7) BOX_F(8)
#define CASE_OX(F, CB) case (F - 1) * 4 + CB - 1: return blockOx_##F##_##CB;
#define CASES_OX(F) CASE_OX(F, 1) CASE_OX(F, 2) CASE_OX(F, 3) CASE_OX(F, 4)
static BlockOxFn pickOx(int f, int cb) {
  switch ((f - 1) * 4 + cb - 1) {
    CASES_OX(1) CASES_OX(2) CASES_OX(3) CASES_OX(4) CASES_OX(5) CASES_OX(6) CASES_OX(7) CASE_OX(8, 1) CASE_OX(8, 2) CASE_OX(8, 3)
    default: return blockOx_8_4;
  }
}


// ---------------------------------------------------------------- algo 2: co % 4 == 2, pixel pairs

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
          acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(xv, d[v]));
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
        for (int v = 0; v <= mid; v++) acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(a, d[v]));
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
// CO = 2, 6, 10 (V2 = 1, 3, 5 vectors per pixel pair)
#define BPAIR_R(R) BPAIR(R, 1) BPAIR(R, 3) BPAIR(R, 5)
BPAIR_R(1) BPAIR_R(2) BPAIR_R(3) BPAIR_R(4) BPAIR_R(5) BPAIR_R(6) BPAIR_R(7) BPAIR_R(8)
#define CASE_P(R, V2) case (R - 1) * 8 + V2 - 1: return blockPair_##R##_##V2;
#define CASES_P(R) CASE_P(R, 1) CASE_P(R, 3) CASE_P(R, 5)
static BlockCoFn pickPair(int r, int v2) {
  switch ((r - 1) * 8 + v2 - 1) {
    CASES_P(1) CASES_P(2) CASES_P(3) CASES_P(4) CASES_P(5) CASES_P(6) CASES_P(7) CASE_P(8, 1) CASE_P(8, 3)
    default: return blockPair_8_5;
  }
}

// ---------------------------------------------------------------- entry points

// Images per chunk for algos 0/2: each block sweeps a chunk's pixels; default ~32 KiB
// of (padded) x + dy, so the chunk stays in L1 while all blocks pass over it.
static int chunkImages(int N, int CI, int CO, int OH, int OW, int Hp, int Wp, int nb) {
  if (nb <= 0) nb = 32768 / (4 * (Hp * Wp * CI + OH * OW * CO));
  if (nb < 1) nb = 1;
  return nb < N ? nb : N;
}

// Bytes of scratch filter_grad needs (16-byte aligned pieces).
EXPORT("scratch_bytes")
int scratch_bytes(int N, int H, int W, int CI, int CO, int KH, int KW, int OH, int OW,
                  int algo, int nb) {
  (void)H; (void)W;
  int Hp = OH + KH - 1;
  if (algo == 2 && !(CO % 4 == 2 && CO <= 10)) algo = 0;
  if (algo == 0 || algo == 2) {
    int Wp = OW + KW - 1;
    int acc = KH * KW * CI * (up4(CO) > 2 * CO ? up4(CO) : 2 * CO);
    nb = chunkImages(N, CI, CO, OH, OW, Hp, Wp, nb);
    return 4 * (acc + up4(nb * Hp * Wp * CI) + 4);
  }
  int OWp = up4(OW);
  int Wq = OWp + KW - 1 + 3;
  int acc = CI * CO * KH * KW * 4;
  return 4 * (acc + up4(CI * Hp * Wq) + CO * OH * OWp + 4);
}

// x [N][H][W][CI], dy [N][OH][OW][CO] (dy is read up to 3 floats past its end with
// algo 0 when CO % 4 != 0: keep 16 bytes after it readable), dW [KH][KW][CI][CO].
// rb/vb: register block (algo 0: R rows x V co-vectors; algo 1: F taps x CB channels),
// 0 for the default.
EXPORT("filter_grad")
void filter_grad(const f32 *x, const f32 *dy, f32 *dW, f32 *scratch, int N, int H, int W,
                 int CI, int CO, int KH, int KW, int OH, int OW, int pt, int pl, int algo,
                 int rb, int vb, int nb) {
  int Hp = OH + KH - 1;
  if (algo == 2 && !(CO % 4 == 2 && CO <= 10)) algo = 0;
  if (algo == 0 || algo == 2) {
    int Wp = OW + KW - 1;
    int pair = algo == 2;
    // acc rows hold up4(CO) sums, or 2·CO (the two pixel halves) with pairs
    int J = KW * CI, COV = pair ? CO / 2 : (CO + 3) / 4, ars = COV * 4;
    int V = pair ? COV : vb > 0 ? vb : (COV < 4 ? COV : 4);
    // defaults = the fastest measured (bench.ts): 8-9 accumulators + loads fit 16 xmm
    int R = rb > 0 ? rb : (V >= 4 ? 2 : V == 3 ? 3 : V == 2 ? 4 : 8);
    if (pair && rb <= 0) R = V == 5 ? 2 : V == 3 ? 3 : 8;
    if (R > 8) R = 8;
    if (V > 4 && !pair) V = 4;
    f32 *acc = scratch;
    f32 *xpad = acc + KH * J * ars;
    zero(acc, KH * J * ars);
    // x needs no copy when the reads stay inside it (no padding, no over-read).
    int direct = pt == 0 && pl == 0 && H >= Hp && W >= Wp;
    int xrs = direct ? W * CI : Wp * CI;
    int xis = direct ? H * W * CI : Hp * Wp * CI;
    nb = chunkImages(N, CI, CO, OH, OW, Hp, Wp, nb);
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
      for (int fh = 0; fh < KH; fh++) {
        for (int j0 = 0; j0 < J; j0 += R) {
          int r = J - j0 < R ? J - j0 : R;
          for (int v0 = 0; v0 < COV; v0 += V) {
            int v = COV - v0 < V ? COV - v0 : V;
            (pair ? pickPair(r, v) : pickCo(r, v))(xi + fh * xrs + j0, di + 4 * v0,
                                                   acc + (fh * J + j0) * ars + 4 * v0, cn,
                                                   xis, OH, OW, CI, CO, xrs, ars);
          }
        }
      }
    }
    for (int row = 0; row < KH * J; row++)
      for (int co = 0; co < CO; co++)
        dW[row * CO + co] = acc[row * ars + co] + (pair ? acc[row * ars + CO + co] : 0.f);
    return;
  }
  // algo 1
  int OWp = up4(OW), Wq = OWp + KW - 1 + 3;
  int CB = vb > 0 ? vb : (CO >= 2 ? 2 : 1);
  int F = rb > 0 ? rb : (KW < 5 ? KW : 5);
  if (CB > 4) CB = 4;
  if (F > 8) F = 8;
  int aco = KH * KW * 4;
  f32 *acc = scratch;
  f32 *xq = acc + CI * CO * aco;
  f32 *dq = xq + up4(CI * Hp * Wq);
  zero(acc, CI * CO * aco);
  zero(xq, CI * Hp * Wq);
  zero(dq, CO * OH * OWp);
  int r0 = pt, r1 = pt + H < Hp ? pt + H : Hp;
  int c0 = pl, c1 = pl + W < OW + KW - 1 ? pl + W : OW + KW - 1;
  for (int n = 0; n < N; n++) {
    const f32 *xi = x + (long)n * H * W * CI;
    const f32 *di = dy + (long)n * OH * OW * CO;
    // repack planar: xq[ci][row][col], dq[co][oy][ox]
    for (int r = r0; r < r1; r++)
      for (int c = c0; c < c1; c++) {
        const f32 *src = xi + ((r - pt) * W + (c - pl)) * CI;
        for (int ci = 0; ci < CI; ci++) xq[(ci * Hp + r) * Wq + c] = src[ci];
      }
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        const f32 *src = di + (oy * OW + ox) * CO;
        for (int co = 0; co < CO; co++) dq[(co * OH + oy) * OWp + ox] = src[co];
      }
    for (int ci = 0; ci < CI; ci++)
      for (int co0 = 0; co0 < CO; co0 += CB) {
        int cb = CO - co0 < CB ? CO - co0 : CB;
        for (int fh = 0; fh < KH; fh++)
          for (int fw0 = 0; fw0 < KW; fw0 += F) {
            int f = KW - fw0 < F ? KW - fw0 : F;
            pickOx(f, cb)(xq + (ci * Hp + fh) * Wq + fw0, dq + co0 * OH * OWp,
                                        acc + ((ci * CO + co0) * KH * KW + fh * KW + fw0) * 4,
                                        OH, OWp, Wq, OH * OWp, aco);
          }
      }
  }
  for (int fh = 0; fh < KH; fh++)
    for (int fw = 0; fw < KW; fw++)
      for (int ci = 0; ci < CI; ci++)
        for (int co = 0; co < CO; co++) {
          const f32 *a = acc + ((ci * CO + co) * KH * KW + fh * KW + fw) * 4;
          dW[((fh * KW + fw) * CI + ci) * CO + co] = (a[0] + a[1]) + (a[2] + a[3]);
        }
}
