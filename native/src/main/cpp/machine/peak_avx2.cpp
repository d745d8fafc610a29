// AVX2 peak probes: 256-bit FMA, and the int8 dot sequence of the AVX2 quantized kernels
// (vpmaddubsw u8 x s8 -> i16 pairs, vpmaddwd with ones -> i32, vpaddd): 32 multiply-adds per step.
#include <immintrin.h>

#include "machine/peak.h"

namespace ember {

double peak_ops_avx2(PeakKind kind, int64_t iters) {
  if (kind == PeakKind::F32Fma) {
    __m256 acc[10];
    for (int j = 0; j < 10; j++) acc[j] = _mm256_set1_ps(1.0f + j);
    const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    for (int64_t i = 0; i < iters; i++) {
      for (int j = 0; j < 10; j++) acc[j] = _mm256_fmadd_ps(acc[j], m, c);
      asm volatile("" : "+x"(acc[0]), "+x"(acc[1]), "+x"(acc[2]), "+x"(acc[3]), "+x"(acc[4]), "+x"(acc[5]),
                   "+x"(acc[6]), "+x"(acc[7]), "+x"(acc[8]), "+x"(acc[9]));
    }
    return 2.0 * 8 * 10 * iters;
  }
  __m256i acc[8];
  for (int j = 0; j < 8; j++) acc[j] = _mm256_set1_epi32(j);
  const __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-2), ones = _mm256_set1_epi16(1);
  for (int64_t i = 0; i < iters; i++) {
    for (int j = 0; j < 8; j++) {
      __m256i p = _mm256_maddubs_epi16(a, b);
      acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(p, ones));
    }
    asm volatile("" : "+x"(acc[0]), "+x"(acc[1]), "+x"(acc[2]), "+x"(acc[3]), "+x"(acc[4]), "+x"(acc[5]),
                 "+x"(acc[6]), "+x"(acc[7]));
  }
  return 2.0 * 32 * 8 * iters;
}

}  // namespace ember
