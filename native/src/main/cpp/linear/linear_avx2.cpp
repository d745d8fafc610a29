// AVX2 + FMA + F16C variant: u8 x s8 dot products through maddubs (pairs to int16, never
// saturating: |w| <= 128, |a| <= 127) then madd with ones to int32.
#include <immintrin.h>

#include <cstdint>

#include "core/isa_compiled.h"
#include "ember.h"

namespace ember {
namespace avx2 {
namespace {

struct DotU8S8 {
  static __m256i dot(__m256i acc, __m256i u8, __m256i s8) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u8, s8), _mm256_set1_epi16(1)));
  }
};

struct FloatVec {
  using V = __m256;
  static constexpr int kWidth = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V load_x(const float* p) { return _mm256_loadu_ps(p); }
  template <int DT>
  static V load_w(const uint8_t* row, int64_t k) {
    if constexpr (DT == EMBER_F32) {
      return _mm256_loadu_ps((const float*)row + k);
    } else if constexpr (DT == EMBER_F16) {
      return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)((const uint16_t*)row + k)));
    } else {
      __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)((const uint16_t*)row + k)));
      return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
    }
  }
  static float hsum(V v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

}  // namespace
}  // namespace avx2
}  // namespace ember

#define EMBER_X86_NS avx2
#define EMBER_X86_MAX_R 2
#define EMBER_X86_MAX_T 4
#define EMBER_X86_VNNI 0
#include "linear/x86_tiles.h"

namespace ember {
const LinearKernels& avx2_kernels() { return avx2::kKernels; }
namespace compiled {
extern const FeatureSet kLinearAvx2 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
