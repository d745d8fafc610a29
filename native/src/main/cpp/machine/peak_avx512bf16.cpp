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
  // Written out, accumulators in registers, as the int8 probe (peak_avx512.cpp) had to be.
  static_assert(kChains == 12, "the asm below names 12 accumulators");
  __m512 c0 = _mm512_set1_ps(1.0f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0,
         c10 = c0, c11 = c0;
  for (int64_t i = 0; i < iters; i++) {
    __asm__(
        "vdpbf16ps %13, %12, %0\n\t"
        "vdpbf16ps %13, %12, %1\n\t"
        "vdpbf16ps %13, %12, %2\n\t"
        "vdpbf16ps %13, %12, %3\n\t"
        "vdpbf16ps %13, %12, %4\n\t"
        "vdpbf16ps %13, %12, %5\n\t"
        "vdpbf16ps %13, %12, %6\n\t"
        "vdpbf16ps %13, %12, %7\n\t"
        "vdpbf16ps %13, %12, %8\n\t"
        "vdpbf16ps %13, %12, %9\n\t"
        "vdpbf16ps %13, %12, %10\n\t"
        "vdpbf16ps %13, %12, %11"
        : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5), "+v"(c6), "+v"(c7), "+v"(c8), "+v"(c9),
          "+v"(c10), "+v"(c11)
        : "v"(a), "v"(b));
  }
  const __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                                               _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7))),
                                 _mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)));
  sink = _mm512_reduce_add_ps(s);
  return 2.0 * 32 * kChains * iters;
}

namespace compiled {
extern const FeatureSet kPeakAvx512Bf16 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
