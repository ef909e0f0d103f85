// What every kernel.c of ours shares (each includes this; build-kernel.sh compiles it in its folder).
#include <wasm_simd128.h>

typedef float f32;
#define EXPORT(name) __attribute__((export_name(name)))
#define INLINE static inline __attribute__((always_inline))

// MADD(acc, a, b) = acc + a * b. SIMD128 has no fused multiply-add: the plain build (clang 14,
// kernel.gen.ts) does a mul then an add. The relaxed build (clang-19 -mrelaxed-simd -DLN_RELAXED_SIMD,
// kernel.relaxed.gen.ts; loaded only where the engine validates relaxed SIMD) makes it one
// f32x4.relaxed_madd: an FMA where the CPU has one (x86 FMA3, ARM), rounded once instead of twice.
// build-kernel.sh makes a relaxed build of each kernel.c that uses MADD.
#ifdef LN_RELAXED_SIMD
#define MADD(acc, a, b) wasm_f32x4_relaxed_madd(a, b, acc)
#else
#define MADD(acc, a, b) wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))
#endif
