// AVX2 peak probes: 256-bit FMA, and the int8 dot sequence of the AVX2 quantized kernels
// (vpmaddubsw u8 x s8 -> i16 pairs, vpmaddwd with ones -> i32, vpaddd): 32 multiply-adds per step.
// Inputs are hidden from the optimizer once; accumulators stay in registers; results feed a sink.
#include <immintrin.h>

#include "core/isa_compiled.h"
#include "machine/peak.h"

namespace ember {

namespace {
volatile long long sink;
constexpr int kChains = 10;
}  // namespace

double peak_ops_avx2(PeakKind kind, int64_t iters) {
  if (kind == PeakKind::F32Fma) {
    __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    asm volatile("" : "+x"(m), "+x"(c));
    __m256 acc[kChains];
    for (int j = 0; j < kChains; j++) acc[j] = _mm256_set1_ps(1.0f + j);
    for (int64_t i = 0; i < iters; i++) {
      for (int j = 0; j < kChains; j++) acc[j] = _mm256_fmadd_ps(acc[j], m, c);
    }
    __m256 s = acc[0];
    for (int j = 1; j < kChains; j++) s = _mm256_add_ps(s, acc[j]);
    float out[8];
    _mm256_storeu_ps(out, s);
    sink = (long long)(out[0] + out[7]);
    return 2.0 * 8 * kChains * iters;
  }
  // Six chains of vpmaddubsw, vpmaddwd (with ones) and vpaddd, written out so that the accumulators
  // stay in registers (from intrinsics, GCC 12 kept seven of them on the stack, adding a store-forwarding
  // round trip to every chain) and the loop-invariant products are not hoisted: each product feeds an
  // accumulator the asm updates in place.
  const __m256i b = _mm256_set1_epi8(-2), ones = _mm256_set1_epi16(1), x = _mm256_set1_epi8(3);
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  __m256i t0, t1, t2, t3, t4, t5;
  for (int64_t i = 0; i < iters; i++) {
    __asm__(
        "vpmaddubsw %[b], %[x], %[t0]\n\t"
        "vpmaddubsw %[b], %[x], %[t1]\n\t"
        "vpmaddubsw %[b], %[x], %[t2]\n\t"
        "vpmaddubsw %[b], %[x], %[t3]\n\t"
        "vpmaddubsw %[b], %[x], %[t4]\n\t"
        "vpmaddubsw %[b], %[x], %[t5]\n\t"
        "vpmaddwd %[ones], %[t0], %[t0]\n\t"
        "vpmaddwd %[ones], %[t1], %[t1]\n\t"
        "vpmaddwd %[ones], %[t2], %[t2]\n\t"
        "vpmaddwd %[ones], %[t3], %[t3]\n\t"
        "vpmaddwd %[ones], %[t4], %[t4]\n\t"
        "vpmaddwd %[ones], %[t5], %[t5]\n\t"
        "vpaddd %[t0], %[a0], %[a0]\n\t"
        "vpaddd %[t1], %[a1], %[a1]\n\t"
        "vpaddd %[t2], %[a2], %[a2]\n\t"
        "vpaddd %[t3], %[a3], %[a3]\n\t"
        "vpaddd %[t4], %[a4], %[a4]\n\t"
        "vpaddd %[t5], %[a5], %[a5]"
        : [a0] "+x"(a0), [a1] "+x"(a1), [a2] "+x"(a2), [a3] "+x"(a3), [a4] "+x"(a4), [a5] "+x"(a5),
          [t0] "=&x"(t0), [t1] "=&x"(t1), [t2] "=&x"(t2), [t3] "=&x"(t3), [t4] "=&x"(t4), [t5] "=&x"(t5)
        : [b] "x"(b), [x] "x"(x), [ones] "x"(ones));
  }
  __m256i s = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3)),
                               _mm256_add_epi32(a4, a5));
  alignas(32) int lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), s);
  sink = lanes[0] + lanes[7];
  return 2.0 * 32 * 6 * iters;
}

namespace compiled {
extern const FeatureSet kPeakAvx2 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
