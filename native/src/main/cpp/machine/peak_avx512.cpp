// AVX-512 peak probes: 512-bit FMA, and VNNI vpdpbusd (64 u8 x s8 multiply-adds into i32 per op).
#include <immintrin.h>

#include "machine/peak.h"

namespace ember {

double peak_ops_avx512(PeakKind kind, int64_t iters) {
  if (kind == PeakKind::F32Fma) {
    __m512 acc[10];
    for (int j = 0; j < 10; j++) acc[j] = _mm512_set1_ps(1.0f + j);
    const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    for (int64_t i = 0; i < iters; i++) {
      for (int j = 0; j < 10; j++) acc[j] = _mm512_fmadd_ps(acc[j], m, c);
      asm volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]), "+v"(acc[4]), "+v"(acc[5]),
                   "+v"(acc[6]), "+v"(acc[7]), "+v"(acc[8]), "+v"(acc[9]));
    }
    return 2.0 * 16 * 10 * iters;
  }
  __m512i acc[10];
  for (int j = 0; j < 10; j++) acc[j] = _mm512_set1_epi32(j);
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
  for (int64_t i = 0; i < iters; i++) {
    for (int j = 0; j < 10; j++) acc[j] = _mm512_dpbusd_epi32(acc[j], a, b);
    asm volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]), "+v"(acc[4]), "+v"(acc[5]),
                 "+v"(acc[6]), "+v"(acc[7]), "+v"(acc[8]), "+v"(acc[9]));
  }
  return 2.0 * 64 * 10 * iters;
}

}  // namespace ember
