// AVX-512 BF16 peak probe: vdpbf16ps, 32 bf16 multiply-adds into 16 f32 lanes per op, in
// independent chains like the other probes (accumulators in registers, result to a volatile sink).
#include <immintrin.h>

#include "core/isa_compiled.h"
#include "machine/peak.h"

// GCC 12's AVX-512 headers build some results from a self-initialised __Y and warn about it.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace ember {

namespace {
volatile float sink;
constexpr int kChains = 12;
}  // namespace

double peak_ops_avx512bf16(int64_t iters) {
  __m512i a = _mm512_set1_epi16(0x3f80), b = _mm512_set1_epi16(0x3000);  // 1.0 and 2^-31 in bf16
  asm volatile("" : "+v"(a), "+v"(b));
  __m512 acc[kChains];
  for (int j = 0; j < kChains; j++) acc[j] = _mm512_set1_ps(1.0f + j);
  for (int64_t i = 0; i < iters; i++) {
    for (int j = 0; j < kChains; j++) acc[j] = _mm512_dpbf16_ps(acc[j], (__m512bh)a, (__m512bh)b);
  }
  __m512 s = acc[0];
  for (int j = 1; j < kChains; j++) s = _mm512_add_ps(s, acc[j]);
  sink = _mm512_reduce_add_ps(s);
  return 2.0 * 32 * kChains * iters;
}

namespace compiled {
extern const FeatureSet kPeakAvx512Bf16 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
