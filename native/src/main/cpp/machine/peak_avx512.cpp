// AVX-512 peak probes: 512-bit FMA, and VNNI vpdpbusd (64 u8 x s8 multiply-adds into i32 per op).
// Inputs are hidden from the optimizer once; accumulators stay in registers (no per-iteration barrier,
// which would spill them and measure store forwarding instead); results feed a volatile sink.
#include <immintrin.h>

#include "core/isa_compiled.h"
#include "machine/peak.h"

// GCC 12's AVX-512 headers build some results from a self-initialised __Y and warn about it.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace ember {

namespace {
volatile long long sink;
constexpr int kChains = 12;  // independent accumulators: enough to cover latency x throughput
}  // namespace

double peak_ops_avx512(PeakKind kind, int64_t iters) {
  if (kind == PeakKind::F32Fma) {
    __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    asm volatile("" : "+v"(m), "+v"(c));
    __m512 acc[kChains];
    for (int j = 0; j < kChains; j++) acc[j] = _mm512_set1_ps(1.0f + j);
    for (int64_t i = 0; i < iters; i++) {
      for (int j = 0; j < kChains; j++) acc[j] = _mm512_fmadd_ps(acc[j], m, c);
    }
    __m512 s = acc[0];
    for (int j = 1; j < kChains; j++) s = _mm512_add_ps(s, acc[j]);
    sink = (long long)_mm512_reduce_add_ps(s);
    return 2.0 * 16 * kChains * iters;
  }
  __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
  asm volatile("" : "+v"(a), "+v"(b));
  // The loop is written out so that each accumulator stays in its register: from the intrinsic, GCC 12
  // copied every accumulator through another register each iteration, and the probe read anywhere
  // from 560 to 860 G-ops/s per thread on Zen 5 depending on the build (a hand-written loop of 16
  // vpdpbusd: 6.7 G/s, i.e. 860).
  static_assert(kChains == 12, "the asm below names 12 accumulators");
  __m512i c0 = _mm512_set1_epi32(0), c1 = _mm512_set1_epi32(1), c2 = _mm512_set1_epi32(2), c3 = _mm512_set1_epi32(3);
  __m512i c4 = _mm512_set1_epi32(4), c5 = _mm512_set1_epi32(5), c6 = _mm512_set1_epi32(6), c7 = _mm512_set1_epi32(7);
  __m512i c8 = _mm512_set1_epi32(8), c9 = _mm512_set1_epi32(9), c10 = _mm512_set1_epi32(10), c11 = _mm512_set1_epi32(11);
  for (int64_t i = 0; i < iters; i++) {
    __asm__(
        "vpdpbusd %13, %12, %0\n\t"
        "vpdpbusd %13, %12, %1\n\t"
        "vpdpbusd %13, %12, %2\n\t"
        "vpdpbusd %13, %12, %3\n\t"
        "vpdpbusd %13, %12, %4\n\t"
        "vpdpbusd %13, %12, %5\n\t"
        "vpdpbusd %13, %12, %6\n\t"
        "vpdpbusd %13, %12, %7\n\t"
        "vpdpbusd %13, %12, %8\n\t"
        "vpdpbusd %13, %12, %9\n\t"
        "vpdpbusd %13, %12, %10\n\t"
        "vpdpbusd %13, %12, %11"
        : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5), "+v"(c6), "+v"(c7), "+v"(c8), "+v"(c9),
          "+v"(c10), "+v"(c11)
        : "v"(a), "v"(b));
  }
  const __m512i s = _mm512_add_epi32(
      _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(c0, c1), _mm512_add_epi32(c2, c3)),
                       _mm512_add_epi32(_mm512_add_epi32(c4, c5), _mm512_add_epi32(c6, c7))),
      _mm512_add_epi32(_mm512_add_epi32(c8, c9), _mm512_add_epi32(c10, c11)));
  sink = _mm512_reduce_add_epi32(s);
  return 2.0 * 64 * kChains * iters;
}

namespace compiled {
extern const FeatureSet kPeakAvx512 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
