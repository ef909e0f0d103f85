// The gradients of sigmoid and relu for tfjs's wasm backend, in WebAssembly SIMD128, each in one
// pass over the activations. Why: tfjs defines them as op chains, dy * (y * (1 - y)) for sigmoid
// (Sub, Multiply, Multiply) and dy * cast(step(x)) for relu (Step, Cast, Multiply): three kernels,
// three allocations and eight passes over the activations where one pass reads two arrays and
// writes one. On LeNet's first layer (1.2M values, arrays in cache) the sigmoid chain takes
// 2.3-2.8 ms and this kernel 0.6-0.7 ms, relu's 1.6 and 0.7 ms; a LeNet step at batch 256 gets
// 3-5 ms shorter (bench/activation-grad.ts, on a busy machine; docs/perf.md).
//
// Results are bitwise tfjs's: the same float operations in the same order. Sigmoid: t = 1 - y,
// u = y * t, dx = dy * u. Relu: dx = dy * s, s being tfjs's Step: 1 where x > 0, NaN where x is
// NaN, else 0 (so dy * 0 keeps its sign and inf * 0 is NaN, as tfjs's).
//
// This module works on tfjs's own memory (imported; see tfjs-memory.ts): the arguments are
// addresses of tfjs tensors, nothing is copied. It must therefore keep no data of its own and
// read or write nothing past the n values it is given (a scalar loop does the last n % 4).
//
// Measured and not kept: a forward sigmoid. tfjs's wasm Sigmoid is XNNPACK's vectorised kernel
// (1.30 ms for 1.2M values); XNNPACK's rr2-p5-div algorithm written here took 1.37 ms. Fusing the
// sigmoid into the conv kernel's epilogue is out of reach while training: LeNet's activations are
// layers of their own, and tfjs's fused ops fuse only a linear activation under a gradient tape.
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
