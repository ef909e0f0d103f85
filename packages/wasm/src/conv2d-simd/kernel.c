// Forward 2-D convolution for tfjs's wasm backend (NHWC, stride 1, dilation 1, explicit
// top/left padding, optional bias and ReLU) in WebAssembly SIMD128 (f32x4 mul + add, or one
// relaxed_madd: see MADD), no libc:
//
//   y[n][oy][ox][co] = act(bias[co] + sum_{fh,fw,ci} x[n][oy+fh-pt][ox+fw-pl][ci] * w[fh][fw][ci][co])
//
// (zero outside x). Built by ../../build-kernel.sh into kernel.gen.ts. It runs in tfjs's own memory
// (imported, see ../tfjs-memory.ts): x, w, bias and y are tfjs tensors' addresses, scratch_bytes(...)
// of scratch is taken from tfjs's heap by the caller (../conv2d-simd.ts). So it keeps no data of its
// own and reads nothing past an array's end: nothing guarantees bytes after a tensor there
// (conv2d.test.ts runs it with x, and y, against the end of a memory).
//
// Loop order: per output pixel this is a GEMM row y[p, co] = sum_k X[p, k] * W[k, co] over
// k = (fh, fw, ci); W [KH*KW*CI][CO] is already k-major, and for a fixed fh the KW*CI values of
// X[p, .] are contiguous in an NHWC row. So vectors run over co (W rows, broadcast x): a block
// of P neighbouring pixels x V co-vectors keeps P*V accumulators in registers and per tap does
// P splat loads of x, V loads of W and P*V mul + add; the pixels of a block share the W loads,
// the V vectors share the x splats. Blocks hold at most ~8-9 accumulators so that they, the
// W vectors and a splat fit V8's 16 xmm registers (the same limit as conv2d-backprop-filter-simd/kernel.c).
// With CO = 4k + 2 (LeNet's 6) co-vectors would waste lanes (6 of 8), so pixel pairs are used:
// two neighbouring pixels' outputs are 2*CO contiguous floats = CO/2 full vectors, against a
// doubled W row [w[k][0..CO) w[k][0..CO)]; the x operand of vector v is splat(x[p]), the one
// straddling the pixels [x[p] x[p] x[p+1] x[p+1]] (one shuffle), or splat(x[p+1]).
// With CI = 1 and CO = 6 (conv1: K = 25 taps) vectors run over 4 neighbouring output columns
// instead: per tap Q unaligned x loads and 6 splat loads of W feed 6*Q accumulators (Q = 2, 8
// pixels), with no shuffles in the tap loop, and one 6x4 transpose per block to NHWC; 10%
// faster than pixel pairs with the 5 taps unrolled.
// With CO = 6 and CI % 4 == 0 (conv2's input gradient: CI = 16) both waste work (pairs pay a
// shuffle and two splats per 6 vector mul-adds), so vectors run over 4 consecutive ci instead:
// per 4 ci P x loads and CO W loads feed P*CO accumulators of 4 partial sums each, every lane
// useful, summed across lanes once per pixel (25% faster there than pairs with P = 1). W is
// repacked with the CO vectors of each 4 taps side by side, so one pointer and constant offsets
// address them: with it P = 2 (12 accumulators) ran LeNet's input gradient 3.6 -> 2.8 ms (Node 24,
// relaxed; P = 1: 3.6; 3 co per pass with P = 2, 3: 4.6, 4.3). Node 20's V8 11.3 spills them:
// 3.5 -> 3.9 ms there (P = 1: 3.5); Node 24 and current browsers are the ones we tune for.
// Padding costs nothing: per output row only the filter rows inside x are visited (fh range),
// per block only the filter columns that reach x for some pixel of the block (fw range), and
// the few zeros left inside that range come from a copy of the image whose rows are widened by
// zero columns (skipped when no padding is needed). So the input gradient's convolution
// (dy padded by 4 with a 5x5 filter) multiplies 51% of the nominal taps (exactly those that hit
// dy) with one-pixel blocks, about 60% with pair blocks.
// The weights (and bias) are repacked once per call into scratch, padded to whole vectors.
#include "../simd-kernel.h"

#ifndef LN_TFJS_MEMORY
#error "build with build-kernel.sh, which links kernels that read LN_TFJS_MEMORY against an imported memory"
#endif
// Block sizes (pixels per block), the fastest measured (packages/train/experiments/conv2d in git history):
#define OXK 5  // CI = 1, CO = 6: a filter width of 5 unrolled (0: none; see rowOx)
#define OXQ 2  // CI = 1, CO = 6 (conv1): 4-pixel vectors per block (1: -4%; pixel pairs: -10%)
#define RP3 2  // CO = 6 pairs: pairs per block (3: -5% on conv2's input gradient, before the dot path)
#define PV4 2  // CO >= 16: pixels per block of 4 co-vectors (1: -35%; 3: spills, -25%)
#define PD6 2  // CO = 6, CI % 4 == 0 (input gradient of conv2): pixels per block (1: +27%; see rowDot)

// MADD (../simd-kernel.h) with FMA, measured (bench/relaxed.ts, LeNet batch 256, Node 24, plain ->
// relaxed ms): forward conv1 3.09 -> 2.63, conv2 4.01 -> 3.31, conv2's input gradient 5.56 -> 4.45
// (1.17-1.25x; Node 20 1.10-1.26x). A control build by clang 19 without FMA ran 1.02-1.07x of clang 14
// there: the gain is FMA's. The block sizes below are the plain build's. On AlexNet's big filters the
// relaxed build is still 1.1-2.7x slower than XNNPACK (bench/relaxed.ts --direct), so
// SIMD_CONV_MAX_FILTER (../conv2d-simd.ts) stays.

static int up4(int v) { return (v + 3) & ~3; }

// The geometry a row function needs.
typedef struct {
  const f32 *img;  // the image (or its widened copy), row stride xrs floats
  const f32 *wp;   // repacked weights: row k at wp + k * ars (this co chunk's first vector)
  const f32 *bp;   // bias, as one repacked weight row
  f32 *yr;         // output row oy, at this co chunk's first float
  int xrs, ars, CI, CO, KW, W, OW, pl, relu;
  int fh0, fh1;    // filter rows inside x for this output row
  int xoff;        // row offset of filter row 0: (oy - pt) * xrs
  int con;         // floats of co this chunk stores per pixel (for the partial last vector)
} Row;

// Stores the first n (1..4) lanes of v.
INLINE void storeN(f32 *p, v128_t v, int n) {
  if (n >= 4) {
    wasm_v128_store(p, v);
  } else {
    if (n & 2) {
      wasm_v128_store64_lane(p, v, 0);
      if (n & 1) wasm_v128_store32_lane(p + 2, v, 2);
    } else {
      wasm_v128_store32_lane(p, v, 0);
    }
  }
}

INLINE v128_t act(v128_t v, int relu) { return relu ? wasm_f32x4_max(v, wasm_f32x4_splat(0.f)) : v; }

// Filter columns [fw0, fw1) that reach x for some pixel in [ox, ox + P).
INLINE void fwRange(const Row *g, int ox, int P, int *j0, int *j1) {
  int fw0 = g->pl - (ox + P - 1), fw1 = g->W + g->pl - ox;
  if (fw0 < 0) fw0 = 0;
  if (fw1 > g->KW) fw1 = g->KW;
  if (fw1 < fw0) fw1 = fw0;
  *j0 = fw0 * g->CI;
  *j1 = fw1 * g->CI;
}

// ---------------------------------------------------------------- vectors over co

// Blocks of P pixels x V co-vectors from column ox while they fit; returns the next column.
INLINE int rowCo(const int P, const int V, const Row *g, int ox) {
  const int CI = g->CI, ars = g->ars, KWCI = g->KW * CI;
  for (; ox + P <= g->OW; ox += P) {
    v128_t acc[8][4];
#pragma clang loop unroll(full)
    for (int v = 0; v < V; v++) {
      v128_t b = wasm_v128_load(g->bp + 4 * v);
#pragma clang loop unroll(full)
      for (int i = 0; i < P; i++) acc[i][v] = b;
    }
    int j0, j1;
    fwRange(g, ox, P, &j0, &j1);
    for (int fh = g->fh0; fh < g->fh1; fh++) {
      const f32 *xr = g->img + g->xoff + fh * g->xrs + ox * CI;
      const f32 *wr = g->wp + fh * KWCI * ars;
      for (int j = j0; j < j1; j++) {
        v128_t wv[4];
#pragma clang loop unroll(full)
        for (int v = 0; v < V; v++) wv[v] = wasm_v128_load(wr + j * ars + 4 * v);
#pragma clang loop unroll(full)
        for (int i = 0; i < P; i++) {
          v128_t xs = wasm_v128_load32_splat(xr + i * CI + j);
#pragma clang loop unroll(full)
          for (int v = 0; v < V; v++) acc[i][v] = MADD(acc[i][v], xs, wv[v]);
        }
      }
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < P; i++)
#pragma clang loop unroll(full)
      for (int v = 0; v < V; v++) {
        f32 *o = g->yr + (ox + i) * g->CO + 4 * v;
        if (4 * v + 4 <= g->con)
          wasm_v128_store(o, act(acc[i][v], g->relu));
        else
          storeN(o, act(acc[i][v], g->relu), g->con - 4 * v);
      }
  }
  return ox;
}

// ---------------------------------------------------------------- CO % 4 == 2: pixel pairs

// Blocks of R pixel pairs (2R pixels, V2 = CO/2 vectors per pair) from column ox while they fit.
INLINE int rowPair(const int R, const int V2, const Row *g, int ox) {
  const int mid = (V2 - 1) / 2;  // the vector straddling the two pixels
  const int CI = g->CI, ars = g->ars, KWCI = g->KW * CI;
  for (; ox + 2 * R <= g->OW; ox += 2 * R) {
    v128_t acc[4][5];
#pragma clang loop unroll(full)
    for (int v = 0; v < V2; v++) {
      v128_t b = wasm_v128_load(g->bp + 4 * v);
#pragma clang loop unroll(full)
      for (int r = 0; r < R; r++) acc[r][v] = b;
    }
    int j0, j1;
    fwRange(g, ox, 2 * R, &j0, &j1);
    for (int fh = g->fh0; fh < g->fh1; fh++) {
      const f32 *xr = g->img + g->xoff + fh * g->xrs + ox * CI;
      const f32 *wr = g->wp + fh * KWCI * ars;
      for (int j = j0; j < j1; j++) {
        v128_t wv[5];
#pragma clang loop unroll(full)
        for (int v = 0; v < V2; v++) wv[v] = wasm_v128_load(wr + j * ars + 4 * v);
#pragma clang loop unroll(full)
        for (int r = 0; r < R; r++) {
          v128_t a = wasm_v128_load32_splat(xr + 2 * r * CI + j);
          v128_t b = wasm_v128_load32_splat(xr + (2 * r + 1) * CI + j);
          v128_t m = wasm_i32x4_shuffle(a, b, 0, 1, 4, 5);
#pragma clang loop unroll(full)
          for (int v = 0; v < V2; v++) {
            v128_t xv = v < mid ? a : v == mid ? m : b;
            acc[r][v] = MADD(acc[r][v], xv, wv[v]);
          }
        }
      }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < R; r++)
#pragma clang loop unroll(full)
      for (int v = 0; v < V2; v++)
        wasm_v128_store(g->yr + (ox + 2 * r) * g->CO + 4 * v, act(acc[r][v], g->relu));
  }
  return ox;
}

// ---------------------------------------------------------------- few co, CI % 4 == 0: dot products

// Sum of each of a, b, c, d's lanes: [sum a, sum b, sum c, sum d].
INLINE v128_t hsum4(v128_t a, v128_t b, v128_t c, v128_t d) {
  v128_t ab = wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  v128_t cd = wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

// Blocks of P pixels x C (= CO) outputs, vectors over 4 consecutive taps k (ci): each
// accumulator holds 4 partial sums of one output, added up once per pixel. W is repacked as
// wp[(k & ~3) * C + co * 4 + (k & 3)]: per 4 taps the C vectors of co side by side; every lane is
// used whatever CO is.
INLINE int rowDot(const int P, const int C, const Row *g, int ox) {
  const int CI = g->CI, KWCI = g->KW * CI;
  for (; ox + P <= g->OW; ox += P) {
    v128_t acc[2][8];
#pragma clang loop unroll(full)
    for (int i = 0; i < P; i++)
#pragma clang loop unroll(full)
      for (int c = 0; c < C; c++) acc[i][c] = wasm_f32x4_splat(0.f);
    int j0, j1;
    fwRange(g, ox, P, &j0, &j1);
    for (int fh = g->fh0; fh < g->fh1; fh++) {
      const f32 *xr = g->img + g->xoff + fh * g->xrs + ox * CI;
      const f32 *wr = g->wp + fh * KWCI * C;
      for (int j = j0; j < j1; j += 4) {
        v128_t xv[2];
#pragma clang loop unroll(full)
        for (int i = 0; i < P; i++) xv[i] = wasm_v128_load(xr + i * CI + j);
#pragma clang loop unroll(full)
        for (int c = 0; c < C; c++) {
          v128_t wv = wasm_v128_load(wr + j * C + 4 * c);
#pragma clang loop unroll(full)
          for (int i = 0; i < P; i++) acc[i][c] = MADD(acc[i][c], xv[i], wv);
        }
      }
    }
    v128_t z = wasm_f32x4_splat(0.f);
#pragma clang loop unroll(full)
    for (int i = 0; i < P; i++)
#pragma clang loop unroll(full)
      for (int c = 0; c < C; c += 4) {
        v128_t s = hsum4(acc[i][c], c + 1 < C ? acc[i][c + 1] : z, c + 2 < C ? acc[i][c + 2] : z,
                         c + 3 < C ? acc[i][c + 3] : z);
        s = act(wasm_f32x4_add(s, wasm_v128_load(g->bp + c)), g->relu);
        storeN(g->yr + (ox + i) * g->CO + c, s, C - c < 4 ? C - c : 4);
      }
  }
  return ox;
}

// ---------------------------------------------------------------- CI = 1, CO = 6: vectors over ox

// One tap (filter column j) of a rowOx block: Q x loads and 6 W splats into 6*Q accumulators.
INLINE void tapOx(const int Q, v128_t acc[2][6], const f32 *xr, const f32 *wr, int j) {
  v128_t xv[2];
#pragma clang loop unroll(full)
  for (int q = 0; q < Q; q++) xv[q] = wasm_v128_load(xr + 4 * q + j);
#pragma clang loop unroll(full)
  for (int c = 0; c < 6; c++) {
    v128_t wv = wasm_v128_load32_splat(wr + c);
#pragma clang loop unroll(full)
    for (int q = 0; q < Q; q++) acc[q][c] = MADD(acc[q][c], xv[q], wv);
  }
}

// Blocks of 4*Q pixels x 6 co, vectors over 4 neighbouring output columns: per tap Q unaligned x
// loads and 6 splat loads of W feed 6*Q accumulators; transposed to NHWC once per block. With
// KWc > 0 (the filter width known here) a block that spans all KWc filter columns runs them
// unrolled, without the loop's overhead per tap (LeNet's conv1, Node 24: relaxed 1.82 -> 1.74 ms,
// plain 2.24 -> 1.97; but Node 20 (V8 11.3): relaxed 1.88 -> 2.07, plain 2.31 -> 2.37; unrolling the
// 5 filter rows too spilled: 3.5 ms on Node 24).
INLINE int rowOx(const int Q, const int KWc, const Row *g, int ox) {
  const int ars = g->ars, KW = g->KW;
  for (; ox + 4 * Q <= g->OW; ox += 4 * Q) {
    v128_t acc[2][6];
#pragma clang loop unroll(full)
    for (int q = 0; q < Q; q++)
#pragma clang loop unroll(full)
      for (int c = 0; c < 6; c++) acc[q][c] = wasm_v128_load32_splat(g->bp + c);
    int j0, j1;
    fwRange(g, ox, 4 * Q, &j0, &j1);
    for (int fh = g->fh0; fh < g->fh1; fh++) {
      const f32 *xr = g->img + g->xoff + fh * g->xrs + ox;
      const f32 *wr = g->wp + fh * KW * ars;
      if (KWc > 0 && j0 == 0 && j1 == KWc) {
#pragma clang loop unroll(full)
        for (int j = 0; j < KWc; j++) tapOx(Q, acc, xr, wr + j * ars, j);
      } else {
        for (int j = j0; j < j1; j++) tapOx(Q, acc, xr, wr + j * ars, j);
      }
    }
#pragma clang loop unroll(full)
    for (int q = 0; q < Q; q++) {
      v128_t a[6];
#pragma clang loop unroll(full)
      for (int c = 0; c < 6; c++) a[c] = act(acc[q][c], g->relu);
      // [c0 c1 c2 c3] per pixel: 4x4 transpose of a[0..3]
      v128_t t0 = wasm_i32x4_shuffle(a[0], a[1], 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a[2], a[3], 0, 4, 1, 5);
      v128_t t2 = wasm_i32x4_shuffle(a[0], a[1], 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(a[2], a[3], 2, 6, 3, 7);
      v128_t p[4] = {wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5), wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7),
                     wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5), wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7)};
      // [c4 c5] per pixel
      v128_t u0 = wasm_i32x4_shuffle(a[4], a[5], 0, 4, 1, 5), u1 = wasm_i32x4_shuffle(a[4], a[5], 2, 6, 3, 7);
      f32 *o = g->yr + (ox + 4 * q) * 6;
#pragma clang loop unroll(full)
      for (int i = 0; i < 4; i++) wasm_v128_store(o + 6 * i, p[i]);
      wasm_v128_store64_lane(o + 4, u0, 0);
      wasm_v128_store64_lane(o + 10, u0, 1);
      wasm_v128_store64_lane(o + 16, u1, 0);
      wasm_v128_store64_lane(o + 22, u1, 1);
    }
  }
  return ox;
}

// ---------------------------------------------------------------- instantiations

typedef int (*RowFn)(const Row *, int);
#define RCO(P, V) \
  static int rowCo_##P##_##V(const Row *g, int ox) { return rowCo(P, V, g, ox); }
#define RPAIR(R, V2) \
  static int rowPair_##R##_##V2(const Row *g, int ox) { return rowPair(R, V2, g, ox); }
// CI = 1, CO = 6 (LeNet's conv1): 8 then 4 pixels per block.
static int rowOx_6(const Row *g, int ox) { return rowOx(1, OXK, g, rowOx(OXQ, OXK, g, ox)); }
// co: P x V = 8 x 1, 4 x 2, 3 x 3, 2 x 4 and their single-pixel tails.
RCO(8, 1) RCO(4, 2) RCO(3, 3) RCO(PV4, 4) RCO(1, 1) RCO(1, 2) RCO(1, 3) RCO(1, 4)
// pairs: CO = 2, 6, 10 (V2 = 1, 3, 5), R pairs per block and single-pair tails.
RPAIR(4, 1) RPAIR(RP3, 3) RPAIR(1, 5) RPAIR(1, 1) RPAIR(1, 3)
// dot products: CO = 6, CI % 4 == 0 (the input gradient of a conv with 6 in-channels).
static int rowDot_6(const Row *g, int ox) { return rowDot(PD6, 6, g, ox); }
static int rowDot_6_1(const Row *g, int ox) { return rowDot(1, 6, g, ox); }

static RowFn pickCo(int v, int single) {
  switch (v) {
    case 1: return single ? rowCo_1_1 : rowCo_8_1;
    case 2: return single ? rowCo_1_2 : rowCo_4_2;
    case 3: return single ? rowCo_1_3 : rowCo_3_3;
    default: return single ? rowCo_1_4 : rowCo_PV4_4;
  }
}
static RowFn pickPair(int v2, int single) {
  switch (v2) {
    case 1: return single ? rowPair_1_1 : rowPair_4_1;
    case 3: return single ? rowPair_1_3 : rowPair_RP3_3;
    default: return rowPair_1_5;
  }
}

// ---------------------------------------------------------------- entry points

static int useDot(int CO, int CI) { return CO == 6 && CI % 4 == 0; }
static int useOx(int CO, int CI) { return CO == 6 && CI == 1; }
static int usePairs(int CO, int CI) { return CO % 4 == 2 && CO <= 10 && !useDot(CO, CI); }
// Floats between repacked weight rows: pairs [w[k] w[k]] per k, else w[k] padded to whole vectors
// per k (dot products have no rows: see rowDot).
static int rowStride(int CO, int CI) {
  return usePairs(CO, CI) ? 2 * CO : up4(CO);
}
// Floats of repacked weights and bias.
static int packed(int CO, int CI, int K) {
  return useDot(CO, CI) ? CO * K + up4(CO) : (K + 1) * rowStride(CO, CI);
}
// x is read in place when no column padding is needed; else one image at a time is copied
// with Wp = OW + KW - 1 columns (zeros outside x). Rows outside x are never read.
static int direct(int W, int KW, int OW, int pl) { return pl == 0 && OW + KW - 1 <= W; }

// Bytes of scratch conv2d needs: the repacked weights and bias, and one widened image.
EXPORT("scratch_bytes")
int scratch_bytes(int N, int H, int W, int CI, int CO, int KH, int KW, int OH, int OW, int pt,
                  int pl) {
  (void)N, (void)OH, (void)pt;
  int img = direct(W, KW, OW, pl) ? 0 : H * (OW + KW - 1) * CI;
  return 4 * (up4(packed(CO, CI, KH * KW * CI)) + up4(img));
}

// x [N][H][W][CI], w [KH][KW][CI][CO], bias [CO] or 0, y [N][OH][OW][CO]; pt/pl >= 0 the
// top/left padding (bottom/right follow from OH/OW). Reads and writes nothing outside them.
EXPORT("conv2d")
void conv2d(const f32 *x, const f32 *w, const f32 *bias, f32 *y, f32 *scratch, int N, int H,
            int W, int CI, int CO, int KH, int KW, int OH, int OW, int pt, int pl, int relu) {
  int K = KH * KW * CI, dot = useDot(CO, CI), pair = usePairs(CO, CI);
  int ars = rowStride(CO, CI);
  f32 *wp = scratch, *bp = wp + (dot ? CO * K : K * ars), *buf = scratch + up4(packed(CO, CI, K));
  if (dot) {
    for (int k = 0; k < K; k++)
      for (int co = 0; co < CO; co++) wp[(k & ~3) * CO + co * 4 + (k & 3)] = w[k * CO + co];
    for (int c = 0; c < up4(CO); c++) bp[c] = c < CO && bias ? bias[c] : 0.f;
  } else {
    // weights and bias as rows of ars floats: [w[k][0..CO) 0...] or, for pairs, [w[k] w[k]]
    for (int k = 0; k <= K; k++) {
      const f32 *src = k < K ? w + k * CO : bias;
      f32 *dst = wp + k * ars;
      for (int c = 0; c < ars; c++) {
        int co = pair ? c % CO : c;
        dst[c] = co < CO && src ? src[co] : 0.f;
      }
    }
  }
  int dir = direct(W, KW, OW, pl);
  int Wp = OW + KW - 1;
  int c0 = pl, c1 = pl + W < Wp ? pl + W : Wp;  // columns of the copy that hold x
  if (!dir)
    for (int i = 0, n = H * Wp * CI; i < n; i++) buf[i] = 0.f;
  Row g;
  g.wp = wp;
  g.bp = bp;
  g.ars = ars;
  g.CI = CI;
  g.CO = CO;
  g.KW = KW;
  g.W = W;
  g.OW = OW;
  g.pl = pl;
  g.relu = relu;
  g.xrs = dir ? W * CI : Wp * CI;
  int COV = (CO + 3) / 4, V = COV < 4 ? COV : 4;
  for (int n = 0; n < N; n++) {
    const f32 *xi = x + (long)n * H * W * CI;
    if (!dir) {
      for (int r = 0; r < H; r++) {
        const f32 *src = xi + ((long)r * W + (c0 - pl)) * CI;
        f32 *dst = buf + (r * Wp + c0) * CI;
        for (int i = 0, len = (c1 - c0) * CI; i < len; i++) dst[i] = src[i];
      }
      xi = buf;
    }
    g.img = xi;
    for (int oy = 0; oy < OH; oy++) {
      g.fh0 = pt - oy > 0 ? pt - oy : 0;
      g.fh1 = H + pt - oy < KH ? H + pt - oy : KH;
      if (g.fh1 < g.fh0) g.fh1 = g.fh0;
      g.xoff = (oy - pt) * g.xrs;
      f32 *yr = y + ((long)n * OH + oy) * OW * CO;
      if (dot) {
        g.wp = wp;
        g.bp = bp;
        g.yr = yr;
        rowDot_6_1(&g, rowDot_6(&g, 0));
      } else if (pair) {
        int V2 = CO / 2;
        g.wp = wp;
        g.bp = bp;
        g.yr = yr;
        g.con = CO;
        int ox = (useOx(CO, CI) ? rowOx_6 : pickPair(V2, 0))(&g, 0);
        ox = pickPair(V2, 1)(&g, ox);
        // an odd last pixel: vectors 0..mid of the doubled row hold co 0..CO-1
        if (ox < OW) pickCo((V2 - 1) / 2 + 1, 1)(&g, ox);
      } else {
        for (int v0 = 0; v0 < COV; v0 += V) {
          int v = COV - v0 < V ? COV - v0 : V;
          g.wp = wp + 4 * v0;
          g.bp = bp + 4 * v0;
          g.yr = yr + 4 * v0;
          g.con = CO - 4 * v0;
          int ox = pickCo(v, 0)(&g, 0);
          pickCo(v, 1)(&g, ox);
        }
      }
    }
  }
}
