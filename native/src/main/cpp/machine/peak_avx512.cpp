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
  __m512i acc[kChains];
  for (int j = 0; j < kChains; j++) acc[j] = _mm512_set1_epi32(j);
  for (int64_t i = 0; i < iters; i++) {
    for (int j = 0; j < kChains; j++) acc[j] = _mm512_dpbusd_epi32(acc[j], a, b);
  }
  __m512i s = acc[0];
  for (int j = 1; j < kChains; j++) s = _mm512_add_epi32(s, acc[j]);
  sink = _mm512_reduce_add_epi32(s);
  return 2.0 * 64 * kChains * iters;
}

namespace compiled {
extern const FeatureSet kPeakAvx512 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
