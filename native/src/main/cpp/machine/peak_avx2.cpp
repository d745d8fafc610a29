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
  // Seven chains, each with its own u8 operand that a register-only barrier renews every iteration, so
  // the vpmaddubsw/vpmaddwd pair cannot be hoisted out of the loop (7 + 7 + 2 of the 16 ymm registers).
  __m256i b = _mm256_set1_epi8(-2), ones = _mm256_set1_epi16(1);
  __m256i x0 = _mm256_set1_epi8(1), x1 = _mm256_set1_epi8(2), x2 = _mm256_set1_epi8(3), x3 = _mm256_set1_epi8(4);
  __m256i x4 = _mm256_set1_epi8(5), x5 = _mm256_set1_epi8(6), x6 = _mm256_set1_epi8(7);
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0;
  for (int64_t i = 0; i < iters; i++) {
    asm volatile("" : "+x"(x0), "+x"(x1), "+x"(x2), "+x"(x3), "+x"(x4), "+x"(x5), "+x"(x6));
    a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_maddubs_epi16(x0, b), ones));
    a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_maddubs_epi16(x1, b), ones));
    a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_maddubs_epi16(x2, b), ones));
    a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_maddubs_epi16(x3, b), ones));
    a4 = _mm256_add_epi32(a4, _mm256_madd_epi16(_mm256_maddubs_epi16(x4, b), ones));
    a5 = _mm256_add_epi32(a5, _mm256_madd_epi16(_mm256_maddubs_epi16(x5, b), ones));
    a6 = _mm256_add_epi32(a6, _mm256_madd_epi16(_mm256_maddubs_epi16(x6, b), ones));
  }
  __m256i s = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3)),
                               _mm256_add_epi32(_mm256_add_epi32(a4, a5), a6));
  alignas(32) int lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), s);
  sink = lanes[0] + lanes[7];
  return 2.0 * 32 * 7 * iters;
}

namespace compiled {
extern const FeatureSet kPeakAvx2 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
