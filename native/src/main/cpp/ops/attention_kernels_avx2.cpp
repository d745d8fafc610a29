// AVX2 + FMA + F16C attention kernels: 8-wide dot products and f16 K/V conversion.
#include <immintrin.h>

#include "core/isa_compiled.h"
#include "linear/linear.h"
#include "ops/ops.h"

namespace ember {

namespace {

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline __m256 load_f16(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)p)); }

void scores_f32(const float* q, const float* k, int n, int d, float* s) {
  for (int j = 0; j < n; j++) {
    const float* kj = k + (int64_t)j * d;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int x = 0;
    for (; x + 16 <= d; x += 16) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + x), _mm256_loadu_ps(kj + x), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + x + 8), _mm256_loadu_ps(kj + x + 8), a1);
    }
    for (; x + 8 <= d; x += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + x), _mm256_loadu_ps(kj + x), a0);
    float a = hsum(_mm256_add_ps(a0, a1));
    for (; x < d; x++) a += q[x] * kj[x];
    s[j] = a;
  }
}

void scores_f16(const float* q, const uint16_t* k, int n, int d, float* s) {
  for (int j = 0; j < n; j++) {
    const uint16_t* kj = k + (int64_t)j * d;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int x = 0;
    for (; x + 16 <= d; x += 16) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + x), load_f16(kj + x), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + x + 8), load_f16(kj + x + 8), a1);
    }
    for (; x + 8 <= d; x += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + x), load_f16(kj + x), a0);
    float a = hsum(_mm256_add_ps(a0, a1));
    for (; x < d; x++) a += q[x] * f16_to_f32(kj[x]);
    s[j] = a;
  }
}

void accumulate_f32(const float* p, const float* v, int n, int d, float* acc) {
  for (int j = 0; j < n; j++) {
    const float* vj = v + (int64_t)j * d;
    __m256 pj = _mm256_set1_ps(p[j]);
    int x = 0;
    for (; x + 8 <= d; x += 8)
      _mm256_storeu_ps(acc + x, _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj + x), _mm256_loadu_ps(acc + x)));
    for (; x < d; x++) acc[x] += p[j] * vj[x];
  }
}

void accumulate_f16(const float* p, const uint16_t* v, int n, int d, float* acc) {
  for (int j = 0; j < n; j++) {
    const uint16_t* vj = v + (int64_t)j * d;
    __m256 pj = _mm256_set1_ps(p[j]);
    int x = 0;
    for (; x + 8 <= d; x += 8)
      _mm256_storeu_ps(acc + x, _mm256_fmadd_ps(pj, load_f16(vj + x), _mm256_loadu_ps(acc + x)));
    for (; x < d; x++) acc[x] += p[j] * f16_to_f32(vj[x]);
  }
}

void to_f16(const float* src, uint16_t* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128((__m128i*)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; i++) dst[i] = f32_to_f16(src[i]);
}

}  // namespace

const AttentionKernels& avx2_attention_kernels() {
  static const AttentionKernels k{scores_f32, scores_f16, accumulate_f32, accumulate_f16, to_f16};
  return k;
}

namespace compiled {
extern const FeatureSet kAttentionAvx2 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
