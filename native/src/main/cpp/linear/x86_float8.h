// Eight-lane float vector traits (AVX2 + FMA + F16C), for the x86 tile kernels: the AVX2 copy
// uses them everywhere, the AVX-512 copy for its T=1 float rows (x86_tiles.h, FloatGemvOf).
//
//   #define EMBER_X86_NS avx2            // namespace of this copy
//   #include "linear/x86_float8.h"       // Float8 in ember::avx2::(anonymous)
//
// Weights load as f32 exactly: f16 through vcvtph2ps, bf16 as the high half of a 32-bit lane.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "ember.h"

namespace ember {
namespace EMBER_X86_NS {
namespace {

struct Float8 {
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
}  // namespace EMBER_X86_NS
}  // namespace ember
