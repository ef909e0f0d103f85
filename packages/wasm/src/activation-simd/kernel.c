// Sigmoid, and the gradients of sigmoid and relu, for tfjs's wasm backend in WebAssembly SIMD128, each
// in one pass over the activations.
//
// The gradients: tfjs defines them as op chains, dy * (y * (1 - y)) for sigmoid (Sub, Multiply,
// Multiply) and dy * cast(step(x)) for relu (Step, Cast, Multiply): three kernels, three allocations
// and eight passes over the activations where one pass reads two arrays and writes one. On LeNet's
// first layer (1.2M values, arrays in cache) the sigmoid chain takes 2.3-2.8 ms and this kernel
// 0.6-0.7 ms, relu's 1.6 and 0.7 ms; a LeNet step at batch 256 gets 3-5 ms shorter
// (bench/activation-grad.ts, on a busy machine; docs/perf.md). Their results are bitwise tfjs's: the
// same float operations in the same order. Sigmoid: t = 1 - y, u = y * t, dx = dy * u. Relu: dx = dy *
// s, s being tfjs's Step: 1 where x > 0, NaN where x is NaN, else 0 (so dy * 0 keeps its sign and
// inf * 0 is NaN, as tfjs's).
//
// The sigmoid itself: tfjs's is XNNPACK's vectorised kernel, and ours is no faster on one thread
// (2.06 against 1.94 ms for 1.2M values, bench/sigmoid.ts), but XNNPACK's runs on the calling thread
// alone where tfjs's pool has one thread (init.ts), while ours can be split over our kernel threads
// (kernel-threads.ts): a LeNet step on 2 threads 1.06x faster. sigmoid.ts says where each runs.
// Fusing it into the conv kernel's epilogue saved nothing (docs/perf.md, "The sigmoid inside the
// convolution").
//
// This module works on tfjs's own memory (imported; see tfjs-memory.ts): the arguments are
// addresses of tfjs tensors, nothing is copied. It must therefore keep no data of its own and
// read or write nothing past the n values it is given (the last n % 4 go through a scalar loop, or
// for the sigmoid a padded vector on the stack).
#include "../simd-kernel.h"

#ifndef LN_TFJS_MEMORY
#error "build with build-kernel.sh, which links kernels that read LN_TFJS_MEMORY against an imported memory"
#endif

// dx = dy * (y * (1 - y)), y = sigmoid(x) as the forward pass saved it.
EXPORT("sigmoid_grad")
void sigmoid_grad(const f32 *dy, const f32 *y, f32 *dx, int n) {
  const v128_t one = wasm_f32x4_splat(1.f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t yv = wasm_v128_load(y + i);
    v128_t u = wasm_f32x4_mul(yv, wasm_f32x4_sub(one, yv));
    wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), u));
  }
  for (; i < n; i++) dx[i] = dy[i] * (y[i] * (1.f - y[i]));
}

// dx = dy * step(x), tfjs's Step: 1 for x > 0, NaN for NaN, else 0.
EXPORT("relu_grad")
void relu_grad(const f32 *dy, const f32 *x, f32 *dx, int n) {
  const v128_t zero = wasm_f32x4_splat(0.f), one = wasm_f32x4_splat(1.f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t xv = wasm_v128_load(x + i);
    v128_t s = wasm_v128_and(wasm_f32x4_gt(xv, zero), one);
    s = wasm_v128_bitselect(xv, s, wasm_f32x4_ne(xv, xv));  // a NaN x is its own step
    wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), s));
  }
  for (; i < n; i++) dx[i] = dy[i] * (x[i] > 0.f ? 1.f : x[i] != x[i] ? x[i] : 0.f);
}

// sigmoid(-|x|) = e / (1 + e) with e = exp(-|x|) in (0, 1], then 1 - that where x > 0: no overflow,
// and the division is the only costly step. exp(z), z <= 0: z = n ln2 + t with n = round(z / ln2)
// (found by adding a magic number whose float keeps n + 127 in its low bits, so shifting those bits
// into the exponent field gives s = 2^n) and |t| <= ln2 / 2 (ln2 in two parts, so that n * LN2_HI is
// exact); exp(t) = 1 + t p(t), p of degree 4 fitted for relative error (9.1e-8 in exact arithmetic);
// e = s + (s t) p. Below z = -87.34, s would be subnormal or wrong, and sigmoid(x) is under 2^-126:
// 0 there. Against float64: max absolute error 8.9e-8 (1 / (1 + exp(-x)) in float32: 9.2e-8), max
// relative error 2.7e-7 for x > -87; NaN stays NaN.
#define SIGMOID_MAGIC 12583039.f  // 1.5 * 2^23 + 127: n + 127 in the low bits
#define LOG2E 1.44269502f
#define LN2_HI 0.693145751953125f
#define LN2_LO 1.42860677e-06f
#define P0 0x1.fffff6p-1f
#define P1 0x1.fffdc6p-2f
#define P2 0x1.555a6ap-3f
#define P3 0x1.573a54p-5f
#define P4 0x1.0fa836p-7f
#define SIGMOID_CUTOFF -87.33654f

// exp(z) for z <= 0 (0 below SIGMOID_CUTOFF), as above.
static inline v128_t exp4_nonpositive(v128_t z) {
  const v128_t magic = wasm_f32x4_splat(SIGMOID_MAGIC);
  v128_t biased = wasm_f32x4_add(wasm_f32x4_mul(z, wasm_f32x4_splat(LOG2E)), magic);
  v128_t s = wasm_i32x4_shl(biased, 23);
  v128_t n = wasm_f32x4_sub(biased, magic);
  v128_t t = wasm_f32x4_sub(z, wasm_f32x4_mul(n, wasm_f32x4_splat(LN2_HI)));
  t = wasm_f32x4_sub(t, wasm_f32x4_mul(n, wasm_f32x4_splat(LN2_LO)));
  v128_t p = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(P4), t), wasm_f32x4_splat(P3));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(P2));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(P1));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(P0));
  v128_t e = wasm_f32x4_add(s, wasm_f32x4_mul(wasm_f32x4_mul(s, t), p));
  return wasm_v128_andnot(e, wasm_f32x4_lt(z, wasm_f32x4_splat(SIGMOID_CUTOFF)));
}

static inline v128_t sigmoid4(v128_t x) {
  const v128_t one = wasm_f32x4_splat(1.f);
  v128_t z = wasm_v128_or(x, wasm_f32x4_splat(-0.f));  // -|x|: the sign bit set
  v128_t e = exp4_nonpositive(z);
  v128_t f = wasm_f32x4_div(e, wasm_f32x4_add(e, one));
  // f where x's sign bit is set, 1 - f where it is not (+0 gives 0.5 either way; a NaN stays NaN).
  return wasm_v128_bitselect(f, wasm_f32x4_sub(one, f), wasm_i32x4_shr(x, 31));
}

// y = 1 / (1 + exp(-x)) over n values, four vectors a round: V8 materializes each constant where it is
// used, inside the loop, so a round of one vector paid for 14 constants (0.74x XNNPACK's speed; four
// vectors share them). The last n % 4 go through one padded vector (no reads or writes past n).
EXPORT("sigmoid")
void sigmoid(const f32 *x, f32 *y, int n) {
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    v128_t a = wasm_v128_load(x + i), b = wasm_v128_load(x + i + 4);
    v128_t c = wasm_v128_load(x + i + 8), d = wasm_v128_load(x + i + 12);
    wasm_v128_store(y + i, sigmoid4(a));
    wasm_v128_store(y + i + 4, sigmoid4(b));
    wasm_v128_store(y + i + 8, sigmoid4(c));
    wasm_v128_store(y + i + 12, sigmoid4(d));
  }
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, sigmoid4(wasm_v128_load(x + i)));
  if (i < n) {
    f32 in[4] = {0.f, 0.f, 0.f, 0.f}, out[4];
    for (int j = 0; i + j < n; j++) in[j] = x[i + j];
    wasm_v128_store(out, sigmoid4(wasm_v128_load(in)));
    for (int j = 0; i + j < n; j++) y[i + j] = out[j];
  }
}

// The gradient of the mean softmax cross-entropy, times a scale: dx = k (softmax(x) - onehot(label)) for
// each of n rows of `classes` logits, k = scale / the batch's size; a label outside [0, classes) scores
// no class (tfjs's oneHot gives a row of zeros). exp(x - the row's max) as the sigmoid's exp, so no row
// overflows; a row holding a NaN gives NaNs (the caller's loss is NaN too, and refused).
EXPORT("softmax_cross_entropy_grad")
void softmax_cross_entropy_grad(const f32 *x, const int *labels, f32 *dx, int n, int classes, f32 k) {
  for (int r = 0; r < n; r++) {
    const f32 *row = x + (long)r * classes;
    f32 *out = dx + (long)r * classes;
    f32 max = row[0];
    for (int j = 1; j < classes; j++) max = row[j] > max ? row[j] : max;
    v128_t m = wasm_f32x4_splat(max), sum4 = wasm_f32x4_splat(0.f);
    int j = 0;
    for (; j + 4 <= classes; j += 4) {
      v128_t e = exp4_nonpositive(wasm_f32x4_sub(wasm_v128_load(row + j), m));
      wasm_v128_store(out + j, e);
      sum4 = wasm_f32x4_add(sum4, e);
    }
    f32 sum = wasm_f32x4_extract_lane(sum4, 0) + wasm_f32x4_extract_lane(sum4, 1) +
              wasm_f32x4_extract_lane(sum4, 2) + wasm_f32x4_extract_lane(sum4, 3);
    if (j < classes) {  // the last classes % 4 through one padded vector (no reads or writes past the row)
      f32 in[4] = {max, max, max, max}, e[4];
      for (int i = 0; j + i < classes; i++) in[i] = row[j + i];
      wasm_v128_store(e, exp4_nonpositive(wasm_f32x4_sub(wasm_v128_load(in), m)));
      for (int i = 0; j + i < classes; i++) {
        out[j + i] = e[i];
        sum += e[i];
      }
    }
    f32 scale = k / sum;
    for (j = 0; j < classes; j++) out[j] *= scale;
    int label = labels[r];
    if (label >= 0 && label < classes) out[label] -= k;
  }
}
