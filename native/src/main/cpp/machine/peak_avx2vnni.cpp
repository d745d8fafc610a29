// AVX-VNNI peak probe: the VEX-encoded vpdpbusd on 256-bit vectors (32 u8 x s8 multiply-adds per op),
// which the avx2-vnni quantized tiles use; FMA as on AVX2.
#include <immintrin.h>

#include "core/isa_compiled.h"
#include "machine/peak.h"

namespace ember {

namespace {
volatile long long sink;
}  // namespace

double peak_ops_avx2vnni(PeakKind kind, int64_t iters) {
  if (kind != PeakKind::Int8Dot) return peak_ops_avx2(PeakKind::F32Fma, iters);
  // Written out, accumulators in registers, as the AVX2 probe had to be.
  const __m256i b = _mm256_set1_epi8(-2), x = _mm256_set1_epi8(3);
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0,
          a9 = a0;
  for (int64_t i = 0; i < iters; i++) {
    __asm__(
        "%{vex%} vpdpbusd %[b], %[x], %[a0]\n\t"
        "%{vex%} vpdpbusd %[b], %[x], %[a1]\n\t"
        "%{vex%} vpdpbusd %[b], %[x], %[a2]\n\t"
        "%{vex%} vpdpbusd %[b], %[x], %[a3]\n\t"
        "%{vex%} vpdpbusd %[b], %[x], %[a4]\n\t"
        "%{vex%} vpdpbusd %[b], %[x], %[a5]\n\t"
        "%{vex%} vpdpbusd %[b], %[x], %[a6]\n\t"
        "%{vex%} vpdpbusd %[b], %[x], %[a7]\n\t"
        "%{vex%} vpdpbusd %[b], %[x], %[a8]\n\t"
        "%{vex%} vpdpbusd %[b], %[x], %[a9]"
        : [a0] "+x"(a0), [a1] "+x"(a1), [a2] "+x"(a2), [a3] "+x"(a3), [a4] "+x"(a4), [a5] "+x"(a5),
          [a6] "+x"(a6), [a7] "+x"(a7), [a8] "+x"(a8), [a9] "+x"(a9)
        : [b] "x"(b), [x] "x"(x));
  }
  __m256i s = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3)),
                               _mm256_add_epi32(_mm256_add_epi32(a4, a5), _mm256_add_epi32(a6, a7)));
  s = _mm256_add_epi32(s, _mm256_add_epi32(a8, a9));
  alignas(32) int lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), s);
  sink = lanes[0] + lanes[7];
  return 2.0 * 32 * 10 * iters;
}

namespace compiled {
extern const FeatureSet kPeakAvx2Vnni = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
