// Matrix product for tfjs's wasm backend (BatchMatMul and _FusedMatMul: dense layers and their
// gradients) in WebAssembly SIMD128, no libc, on tfjs's own memory (see ../tfjs-memory.ts):
//
//   C[i][j] = act(bias[j] + sum_k op(A)[i][k] * op(B)[k][j])     C is M x N, row-major
//
// op(A) is A [M][K] or, transposed, A [K][M]; op(B) is B [K][N] or B [N][K]. Why our own: tfjs's
// XNNPACK has no FMA (its build is plain SIMD128), and with a transpose flag tfjs runs a scalar loop,
// so ../batch-mat-mul.ts used to copy every transposed operand first. Here transposes cost only the
// packing of B, which happens anyway.
//
// Register tile: MR rows x NV vectors (4 NV columns) of C in MR*NV accumulators; per k, NV loads of
// packed B, MR splat loads of packed A, MR*NV MADDs. V8 gives wasm 16 xmm registers (one its scratch):
// the relaxed build takes 6 x 2 (XNNPACK's wasmsimd shape: 12 accumulators, 2 B vectors, 1 splat), the
// plain build 4 x 2 (its mul + add needs a temporary, and 6 x 2 spills). Measured (Node 24, LeNet's
// six dense products, GFLOP/s, one process): relaxed 6x2 41-45, 5x2 41-46, 4x4 40-43, 4x2 39-44,
// 4x3 40-42, 8x2 40-43, 3x4 29-33; plain 4x2 32-36, 6x2 27-29, 4x3 30-31, 4x4 28-30. jax-js's 4 x 4
// vectors (16 accumulators) is no faster here. XNNPACK (plain SIMD, no FMA) reaches ~34 on 1024^3.
// A is packed into tiles of MR rows, [k][MR] (scratch from the caller): the MR splat loads of a k are
// then at constant offsets from one pointer. Read in place with a row stride known only at run time,
// clang chains the row addresses (a + ars + ars ...) and 6 x 2 ran at 25 GFLOP/s instead of 45.
// B is packed a block at a time into panels of 4 NV columns (zero-padded), each read once per MR
// rows of A; packing is where transposeB and the column tail go, and the blocks (see blockShape)
// keep what the tiles reread in L2 on AlexNet's sizes (K split in blocks: the first starts from the
// bias, the last applies relu). 1024^3 runs at 43-46 GFLOP/s relaxed. Tails: rows past M are zeros
// in packed A and never stored; a partial last vector is loaded and stored lane by lane: nothing is
// read outside A, B and bias or written outside C (tfjs's heap has no slack past an array's end).
#include "../simd-kernel.h"

#ifndef LN_TFJS_MEMORY
#error "build with build-kernel.sh, which links kernels that read LN_TFJS_MEMORY against an imported memory"
#endif

// Rows of C per tile and vectors (4 columns each) per tile (see the top); -D overrides, for experiments.
#ifndef MR
#ifdef LN_RELAXED_SIMD
#define MR 6
#else
#define MR 4
#endif
#endif
#ifndef NV
#define NV 2
#endif
#ifndef KC
#define KC 512  // rows of a packed block of B
#endif
#ifndef NCB
#define NCB 131072  // floats of a packed block of B (512 KiB, in L2)
#endif
#ifndef NCW
#define NCW 1024  // columns of a block of B [K][N] (4 KiB of a row)
#endif
#define NR (4 * NV)

// The first n (1..4) lanes of p, zeros after: reads nothing past p + n.
INLINE v128_t loadN(const f32 *p, int n) {
  if (n >= 4) return wasm_v128_load(p);
  v128_t v = n & 2 ? wasm_v128_load64_zero(p) : wasm_v128_load32_zero(p);
  return n == 3 ? wasm_v128_load32_lane(p + 2, v, 2) : v;
}

// Stores the first n (1..4) lanes of v.
INLINE void storeN(f32 *p, v128_t v, int n) {
  if (n >= 4) {
    wasm_v128_store(p, v);
  } else if (n & 2) {
    wasm_v128_store64_lane(p, v, 0);
    if (n & 1) wasm_v128_store32_lane(p + 2, v, 2);
  } else {
    wasm_v128_store32_lane(p, v, 0);
  }
}

// What one tile needs: its packed rows of A (row r of k at ap[k * MR + r], zeros past M), the packed
// panel of B (row k at bp[k * W]), C at the tile's first element, and the K block's role.
typedef struct {
  const f32 *ap;
  const f32 *bp;
  const f32 *bias;  // the panel's bias padded to W floats, or 0 for none
  f32 *c;
  int N;     // row stride of C
  int rows;  // rows of C this tile covers (1..MR)
  int cols;  // columns of C this panel covers (1..W)
  int kc;
  int first, last, relu;
} Tile;

// One MR x V tile (V <= NV vectors, a constant after inlining). A is packed, so the MR splat loads
// of a k are at constant offsets from one pointer: with a row stride known only at run time, clang
// chains the row addresses (a + ars + ars ...), and MR = 6 ran at 25 GFLOP/s instead of 45.
INLINE void tile(const int V, const Tile *t) {
  const int W = 4 * V;
  v128_t acc[MR][NV];
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < V; v++) {
      if (t->first) {
        acc[r][v] = t->bias ? wasm_v128_load(t->bias + 4 * v) : wasm_f32x4_splat(0.f);
      } else if (r < t->rows) {
        int n = t->cols - 4 * v;
        acc[r][v] = loadN(t->c + r * t->N + 4 * v, n < 4 ? n : 4);
      } else {
        acc[r][v] = wasm_f32x4_splat(0.f);
      }
    }
  const f32 *ap = t->ap, *bp = t->bp;
  for (int k = 0; k < t->kc; k++, ap += MR, bp += W) {
    v128_t b[NV];
#pragma clang loop unroll(full)
    for (int v = 0; v < V; v++) b[v] = wasm_v128_load(bp + 4 * v);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
      v128_t s = wasm_v128_load32_splat(ap + r);
#pragma clang loop unroll(full)
      for (int v = 0; v < V; v++) acc[r][v] = MADD(acc[r][v], s, b[v]);
    }
  }
  const int relu = t->last && t->relu;
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < V; v++) {
      if (r >= t->rows) continue;
      v128_t o = relu ? wasm_f32x4_max(acc[r][v], wasm_f32x4_splat(0.f)) : acc[r][v];
      int n = t->cols - 4 * v;
      storeN(t->c + r * t->N + 4 * v, o, n < 4 ? n : 4);
    }
}

// Stores the 4x4 block whose rows are r0..r3 transposed: row k of the result (r0[k], r1[k], r2[k], r3[k])
// at d + k * stride. Both packings use it to turn 4 rows read along K into 4 packed columns.
INLINE void store_transposed4(f32 *d, int stride, v128_t r0, v128_t r1, v128_t r2, v128_t r3) {
  v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  wasm_v128_store(d + 0 * stride, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
  wasm_v128_store(d + 1 * stride, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
  wasm_v128_store(d + 2 * stride, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
  wasm_v128_store(d + 3 * stride, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
}

// Packs op(A) into ceil(M / MR) tiles of K x MR floats (row r of k at [k * MR + r]), zeros past M.
static void packA(f32 *ap, const f32 *a, int transA, int M, int K) {
  for (int i0 = 0; i0 < M; i0 += MR, ap += MR * K) {
    const int rows = M - i0 < MR ? M - i0 : MR;
    if (transA) {
      // op(A)[i][k] = A[k][i]: the tile's rows of one k are contiguous.
      const f32 *s = a + i0;
      for (int k = 0; k < K; k++, s += M) {
        f32 *d = ap + k * MR;
        int r = 0;
        for (; r + 4 <= rows; r += 4) wasm_v128_store(d + r, wasm_v128_load(s + r));
        for (; r < rows; r++) d[r] = s[r];
        for (; r < MR; r++) d[r] = 0.f;
      }
      continue;
    }
    // op(A) = A: 4 rows x 4 k at a time, transposed in registers.
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
      const f32 *s0 = a + (i0 + r) * K, *s1 = s0 + K, *s2 = s1 + K, *s3 = s2 + K;
      int k = 0;
      for (; k + 4 <= K; k += 4) {
        v128_t r0 = wasm_v128_load(s0 + k), r1 = wasm_v128_load(s1 + k);
        v128_t r2 = wasm_v128_load(s2 + k), r3 = wasm_v128_load(s3 + k);
        store_transposed4(ap + k * MR + r, MR, r0, r1, r2, r3);
      }
      for (; k < K; k++) {
        f32 *d = ap + k * MR + r;
        d[0] = s0[k], d[1] = s1[k], d[2] = s2[k], d[3] = s3[k];
      }
    }
    for (; r < MR; r++) {
      const f32 *s = a + (i0 + r) * K;
      for (int k = 0; k < K; k++) ap[k * MR + r] = r < rows ? s[k] : 0.f;
    }
  }
}

// Packs op(B)[p0 .. p0+kc)[j0 .. j0+nc) into panels of NR columns (the last one W = 4 ceil(cols / 4)
// wide), panel by panel, each kc rows of its width, zeros past N.
static void packB(f32 *bp, const f32 *b, int transB, int N, int K, int p0, int kc, int j0, int nc) {
  if (!transB) {
    // Row by row: each k reads nc contiguous floats of B (panel by panel, a k would read NR floats
    // from each of kc rows N floats apart: one page per row on AlexNet's N = 4096, 8x slower).
    const f32 *src = b + p0 * N + j0;
    for (int k = 0; k < kc; k++, src += N) {
      for (int jp = 0; jp < nc; jp += NR) {
        const int cols = nc - jp < NR ? nc - jp : NR, W = (cols + 3) & ~3;
        f32 *d = bp + jp * kc + k * W;
        int j = 0;
        for (; j + 4 <= cols; j += 4) wasm_v128_store(d + j, wasm_v128_load(src + jp + j));
        for (; j < cols; j++) d[j] = src[jp + j];
        for (; j < W; j++) d[j] = 0.f;
      }
    }
    return;
  }
  // op(B)[k][j] = B[j][k]: 4x4 blocks of B (4 columns of C, 4 consecutive k) transposed in registers.
  for (int jp = 0; jp < nc; jp += NR) {
    const int cols = nc - jp < NR ? nc - jp : NR, W = (cols + 3) & ~3;
    f32 *d = bp + jp * kc;
    int j = 0;
    for (; j + 4 <= cols; j += 4) {
      const f32 *s0 = b + (j0 + jp + j) * K + p0, *s1 = s0 + K, *s2 = s1 + K, *s3 = s2 + K;
      int k = 0;
      for (; k + 4 <= kc; k += 4) {
        v128_t r0 = wasm_v128_load(s0 + k), r1 = wasm_v128_load(s1 + k);
        v128_t r2 = wasm_v128_load(s2 + k), r3 = wasm_v128_load(s3 + k);
        store_transposed4(d + k * W + j, W, r0, r1, r2, r3);
      }
      for (; k < kc; k++) {
        f32 *o = d + k * W + j;
        o[0] = s0[k], o[1] = s1[k], o[2] = s2[k], o[3] = s3[k];
      }
    }
    for (; j < W; j++) {
      const f32 *src = b + (j0 + jp + j) * K + p0;
      for (int k = 0; k < kc; k++) d[k * W + j] = j < cols ? src[k] : 0.f;
    }
  }
}

// The shape of a packed block of B: kc rows (of K) x nc columns (of N), at most NCB floats (in L2).
// B [K][N] is read row by row, nc floats at a time: as wide as NCW (whole 4 KiB pages: DRAM streams
// them; 512 bytes a row ran AlexNet's 16 x 6400 x 4096 forward 1.5-2x slower), then as many rows
// as fit. B [N][K] (transposeB) is read along K: kc = KC rows, then as many columns as fit.
// All of N when it fits: AlexNet's weight gradient (K = 16) packs B once, writes C row after row.
static void blockShape(int N, int K, int transB, int *kc, int *nc) {
  int c, k;
  if (!transB) {
    c = N < NCW ? N : NCW;
    k = NCB / ((c + NR - 1) / NR * NR);
    if (k > KC) k = KC;
  } else {
    k = KC;
    c = NCB / (K < k ? K : k) / NR * NR;
    if (c < NR) c = NR;
  }
  *kc = K < k ? K : k;
  *nc = N < c ? N : c;
}

static int upNR(int v) { return (v + NR - 1) / NR * NR; }

// Floats of scratch matmul needs: op(A) packed in whole tiles of MR rows, one packed block of B, and
// the bias padded to whole panels.
EXPORT("scratch_floats")
int scratch_floats(int M, int N, int K, int transB) {
  int kc, nc;
  blockShape(N, K, transB, &kc, &nc);
  return (M + MR - 1) / MR * MR * K + upNR(nc) * kc + upNR(N);
}

// C [M][N] = act(bias + op(A) · op(B)), op(A) M x K, op(B) K x N (see the top). bias: N floats or 0;
// scratch: scratch_floats(M, N, K, transB) floats.
//
// Loops (BLIS's, with A and B in each other's places): for each block of B (kc rows x nc columns,
// packed, in L2), for each tile of MR rows of A (its kc x MR packed slice in L1), every panel of
// the block: C is written nc columns of a row at a time.
EXPORT("matmul")
void matmul(const f32 *a, const f32 *b, const f32 *bias, f32 *c, f32 *scratch, int M, int N, int K,
            int transA, int transB, int relu) {
  if (K == 0) {
    // No products: C is the bias (or zeros), then relu.
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) {
        f32 v = bias ? bias[j] : 0.f;
        c[i * N + j] = relu && v < 0.f ? 0.f : v;
      }
    return;
  }
  int kcMax, ncMax;
  blockShape(N, K, transB, &kcMax, &ncMax);
  f32 *ap = scratch, *bp = ap + (M + MR - 1) / MR * MR * K, *bb = bp + upNR(ncMax) * kcMax;
  packA(ap, a, transA, M, K);
  if (bias) {
    for (int j = 0; j < upNR(N); j++) bb[j] = j < N ? bias[j] : 0.f;
  }
  Tile t;
  t.N = N;
  t.relu = relu;
  for (int j0 = 0; j0 < N; j0 += ncMax) {
    const int nc = N - j0 < ncMax ? N - j0 : ncMax;
    for (int p0 = 0; p0 < K; p0 += kcMax) {
      t.kc = K - p0 < kcMax ? K - p0 : kcMax;
      t.first = p0 == 0;
      t.last = p0 + t.kc == K;
      packB(bp, b, transB, N, K, p0, t.kc, j0, nc);
      for (int i = 0; i < M; i += MR) {
        t.ap = ap + i * K + p0 * MR;  // tile i / MR: K x MR floats
        t.rows = M - i < MR ? M - i : MR;
        for (int jp = 0; jp < nc; jp += NR) {
          const int cols = nc - jp < NR ? nc - jp : NR;
          t.cols = cols;
          t.bp = bp + jp * t.kc;
          t.bias = bias ? bb + j0 + jp : 0;
          t.c = c + i * N + j0 + jp;
          switch ((cols + 3) / 4) {
#if NV > 3
            case 4: tile(4, &t); break;
#endif
#if NV > 2
            case 3: tile(3, &t); break;
#endif
#if NV > 1
            case 2: tile(2, &t); break;
#endif
            default: tile(1, &t); break;
          }
        }
      }
    }
  }
}
