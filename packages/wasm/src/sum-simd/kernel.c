// Column sums for tfjs's wasm backend in WebAssembly SIMD128: out[c] = sum_m x[m][c] for a
// row-major x [M][C]. That is a reduction over leading axes, e.g. a conv bias's gradient
// (dy [N,H,W,C] summed over N, H, W). Why: tfjs's wasm Sum moves the reduced axes last with a
// transpose (a full copy) before it sums; LeNet's two bias gradients took ~3 ms a step that way (~1.5 ms for all
// its sums with this kernel).
//
// x is read as a flat stream in chunks of L = lcm(C, 4) floats (L / 4 vectors; a chunk holds
// L / C whole rows), so every lane is used for any C. Up to BLOCK chunks are summed in float32
// registers, then added into float64 sums: cheap, and far more accurate than one float32 sum
// over 200,000 rows. Rows left over after the last whole chunk are added one by one.
// It runs in tfjs's own memory (imported, see ../tfjs-memory.ts): x and out are tfjs tensors'
// addresses, the scratch is taken from tfjs's heap by ../sum-simd.ts; nothing past x's end is read
// (whole chunks only, then scalars).
#include "../simd-kernel.h"

#ifndef LN_TFJS_MEMORY
#error "build with build-kernel.sh, which links kernels that read LN_TFJS_MEMORY against an imported memory"
#endif

#define MAXV 16   // vectors per chunk held in registers at most (C up to 64)
#define BLOCK 64  // chunks summed in float32 before the float64 sums

static int gcd(int a, int b) { return b == 0 ? a : gcd(b, a % b); }

// Bytes of scratch sum_columns needs: float64 sums for one chunk.
EXPORT("scratch_bytes")
int scratch_bytes(int C) { return 8 * (C * 4 / gcd(C, 4)); }

// Narrow rows (C <= 64): the chunked stream above; sums[0 .. C) gets the column sums.
static long sumNarrow(const f32 *x, double *sums, int M, int C) {
  int L = C * 4 / gcd(C, 4), V = L / 4, rowsPerChunk = L / C;
  long chunks = (long)M / rowsPerChunk;
  v128_t acc[MAXV];
  for (long c0 = 0; c0 < chunks; c0 += BLOCK) {
    long c1 = c0 + BLOCK < chunks ? c0 + BLOCK : chunks;
    for (int v = 0; v < V; v++) acc[v] = wasm_f32x4_splat(0.f);
    for (long c = c0; c < c1; c++) {
      const f32 *p = x + c * L;
      for (int v = 0; v < V; v++) acc[v] = wasm_f32x4_add(acc[v], wasm_v128_load(p + 4 * v));
    }
    for (int v = 0; v < V; v++) {
      sums[4 * v + 0] += wasm_f32x4_extract_lane(acc[v], 0);
      sums[4 * v + 1] += wasm_f32x4_extract_lane(acc[v], 1);
      sums[4 * v + 2] += wasm_f32x4_extract_lane(acc[v], 2);
      sums[4 * v + 3] += wasm_f32x4_extract_lane(acc[v], 3);
    }
  }
  for (int i = C; i < L; i++) sums[i % C] += sums[i];  // lane i of a chunk is column i % C
  return chunks * rowsPerChunk;                        // rows done
}

// Wide rows: BLOCK rows at a time per group of 4 columns, then into the float64 sums.
static long sumWide(const f32 *x, double *sums, int M, int C) {
  for (long m0 = 0; m0 < M; m0 += BLOCK) {
    long m1 = m0 + BLOCK < M ? m0 + BLOCK : M;
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      v128_t a = wasm_f32x4_splat(0.f);
      for (long m = m0; m < m1; m++) a = wasm_f32x4_add(a, wasm_v128_load(x + m * C + c));
      sums[c] += wasm_f32x4_extract_lane(a, 0);
      sums[c + 1] += wasm_f32x4_extract_lane(a, 1);
      sums[c + 2] += wasm_f32x4_extract_lane(a, 2);
      sums[c + 3] += wasm_f32x4_extract_lane(a, 3);
    }
    for (; c < C; c++) {
      f32 t = 0.f;
      for (long m = m0; m < m1; m++) t += x[m * C + c];
      sums[c] += t;
    }
  }
  return M;
}

EXPORT("sum_columns")
void sum_columns(const f32 *x, f32 *out, double *scratch, int M, int C) {
  int L = C * 4 / gcd(C, 4);
  for (int i = 0; i < L; i++) scratch[i] = 0.0;
  long row = L / 4 <= MAXV ? sumNarrow(x, scratch, M, C) : sumWide(x, scratch, M, C);
  for (; row < M; row++)
    for (int c = 0; c < C; c++) scratch[c] += x[row * C + c];
  for (int c = 0; c < C; c++) out[c] = (f32)scratch[c];
}
