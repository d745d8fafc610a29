// AVX-512 variant (F/BW/VL/VNNI): u8 x s8 dot products with vpdpbusd on 256-bit vectors (one
// Q8 block each; Zen 4 splits 512-bit integer ops in two halves anyway), 512-bit float FMA
// with masked tails for f32/f16/bf16 weights.
#include <immintrin.h>

#include <cstdint>

#include "core/isa_compiled.h"
#include "ember.h"

// GCC 12's AVX-512 headers build some results from a self-initialised __Y and warn about it.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace ember {
namespace avx512 {
namespace {

struct DotU8S8 {
  static constexpr bool kWide = true;  // any u8 x s8: the sums are int32
  static __m256i dot(__m256i acc, __m256i u8, __m256i s8) { return _mm256_dpbusd_epi32(acc, u8, s8); }
};

struct FloatVec {
  using V = __m512;
  static constexpr int kWidth = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V load_x(const float* p) { return _mm512_loadu_ps(p); }
  template <int DT>
  static V load_w(const uint8_t* row, int64_t k) {
    if constexpr (DT == EMBER_F32) {
      return _mm512_loadu_ps((const float*)row + k);
    } else if constexpr (DT == EMBER_F16) {
      return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)((const uint16_t*)row + k)));
    } else {
      __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*)((const uint16_t*)row + k)));
      return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
    }
  }
  static float hsum(V v) { return _mm512_reduce_add_ps(v); }
};

}  // namespace
}  // namespace avx512
}  // namespace ember

#define EMBER_X86_NS avx512
// Float tiles of 4 weight rows x 6 activation rows: 24 accumulators, 4 weight vectors and one
// activation vector in the 32 registers; each activation load serves 4 rows (2 with the 2 x 6
// tile before, which took 20-25% longer on f16/bf16 prefill at 128 tokens on Zen 5).
#define EMBER_X86_MAX_R 4
#define EMBER_X86_MAX_T 6
#define EMBER_X86_VNNI 1
#include "linear/x86_tiles.h"

namespace ember {
const LinearKernels& avx512_kernels() { return avx512::kKernels; }
namespace compiled {
extern const FeatureSet kLinearAvx512 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
