// AVX2 + FMA + F16C attention kernels: 8-wide dot products (four keys at a time, reduced
// together), V accumulated in registers 32 values at a time, f16 K/V conversion, and the online
// softmax's exp eight scores at a time. Chunks of eight queries (prefill) run chunk_tile instead,
// one query per lane: scores, softmax and output are all vertical operations, with no reductions.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "core/isa_compiled.h"
#include "linear/linear.h"
#include "ops/ops.h"
#include "ops/simd_exp.h"

namespace ember {

namespace {

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline __m256 load_f16(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)p)); }

inline __m256 load_x(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 load_x(const uint16_t* p) { return load_f16(p); }
inline float to_f32(float v) { return v; }
inline float to_f32(uint16_t v) { return f16_to_f32(v); }

// [hsum(a0), hsum(a1), hsum(a2), hsum(a3)].
inline __m128 hsum4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

template <typename K>
void scores(const float* q, const K* k, int n, int d, float* s) {
  int j = 0;
  if (d % 8 == 0) {  // four keys at a time: each q vector loaded once for the four
    for (; j + 4 <= n; j += 4) {
      const K* kj = k + (int64_t)j * d;
      // Two sums per key (even and odd 8-value steps): eight independent FMA chains, enough to keep
      // both FMA pipes busy through their latency (four chains ran at half the rate).
      __m256 a[4], b[4];
      for (int i = 0; i < 4; i++) a[i] = b[i] = _mm256_setzero_ps();
      int x = 0;
      for (; x + 16 <= d; x += 16) {
        const __m256 qa = _mm256_loadu_ps(q + x), qb = _mm256_loadu_ps(q + x + 8);
        for (int i = 0; i < 4; i++) {
          a[i] = _mm256_fmadd_ps(qa, load_x(kj + (int64_t)i * d + x), a[i]);
          b[i] = _mm256_fmadd_ps(qb, load_x(kj + (int64_t)i * d + x + 8), b[i]);
        }
      }
      if (x < d) {
        const __m256 qa = _mm256_loadu_ps(q + x);
        for (int i = 0; i < 4; i++) a[i] = _mm256_fmadd_ps(qa, load_x(kj + (int64_t)i * d + x), a[i]);
      }
      _mm_storeu_ps(s + j, hsum4(_mm256_add_ps(a[0], b[0]), _mm256_add_ps(a[1], b[1]), _mm256_add_ps(a[2], b[2]),
                                 _mm256_add_ps(a[3], b[3])));
    }
  }
  for (; j < n; j++) {
    const K* kj = k + (int64_t)j * d;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int x = 0;
    for (; x + 16 <= d; x += 16) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + x), load_x(kj + x), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + x + 8), load_x(kj + x + 8), a1);
    }
    for (; x + 8 <= d; x += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + x), load_x(kj + x), a0);
    float a = hsum(_mm256_add_ps(a0, a1));
    for (; x < d; x++) a += q[x] * to_f32(kj[x]);
    s[j] = a;
  }
}

// acc[x0 .. x0 + 8 * kVecs) += sum_j p[j] * v[j][...] with the sums held in registers.
template <int kVecs, typename V>
inline void accumulate_span(const float* p, const V* v, int n, int d, int x0, float* acc) {
  __m256 a[kVecs];
  for (int i = 0; i < kVecs; i++) a[i] = _mm256_loadu_ps(acc + x0 + 8 * i);
  for (int j = 0; j < n; j++) {
    const __m256 pj = _mm256_broadcast_ss(p + j);
    const V* vj = v + (int64_t)j * d + x0;
    for (int i = 0; i < kVecs; i++) a[i] = _mm256_fmadd_ps(pj, load_x(vj + 8 * i), a[i]);
  }
  for (int i = 0; i < kVecs; i++) _mm256_storeu_ps(acc + x0 + 8 * i, a[i]);
}

template <typename V>
void accumulate(const float* p, const V* v, int n, int d, float* acc) {
  int x = 0;
  // Eight vectors per pass where d allows: eight independent FMA chains over the keys.
  for (; x + 64 <= d; x += 64) accumulate_span<8>(p, v, n, d, x, acc);
  for (; x + 32 <= d; x += 32) accumulate_span<4>(p, v, n, d, x, acc);
  for (; x + 8 <= d; x += 8) accumulate_span<1>(p, v, n, d, x, acc);
  for (; x < d; x++) {
    for (int j = 0; j < n; j++) acc[x] += p[j] * to_f32(v[(int64_t)j * d + x]);
  }
}

void scores_f32(const float* q, const float* k, int n, int d, float* s) { scores(q, k, n, d, s); }
void scores_f16(const float* q, const uint16_t* k, int n, int d, float* s) { scores(q, k, n, d, s); }
void accumulate_f32(const float* p, const float* v, int n, int d, float* acc) { accumulate(p, v, n, d, acc); }
void accumulate_f16(const float* p, const uint16_t* v, int n, int d, float* acc) { accumulate(p, v, n, d, acc); }

float exp_scores(float* s, int n, float scale, float* max) {
  const __m256 vs = _mm256_set1_ps(scale);
  __m256 vm = _mm256_set1_ps(*max);
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(s + j), vs);
    _mm256_storeu_ps(s + j, v);
    vm = _mm256_max_ps(vm, v);
  }
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(vm), _mm256_extractf128_ps(vm, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  float m = _mm_cvtss_f32(m4);
  for (int t = j; t < n; t++) {
    s[t] *= scale;
    if (s[t] > m) m = s[t];
  }
  const __m256 mv = _mm256_set1_ps(m);
  __m256 vsum = _mm256_setzero_ps();
  for (j = 0; j + 8 <= n; j += 8) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(s + j), mv));
    _mm256_storeu_ps(s + j, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  float sum = hsum(vsum);
  for (; j < n; j++) {
    s[j] = std::exp(s[j] - m);
    sum += s[j];
  }
  *max = m;
  return sum;
}

static_assert(kAttentionQueryChunk == 8, "chunk_tile holds one query per lane of a 256-bit vector");

// Eight queries (lanes) over one tile: scores of eight keys at a time (a broadcast K value times
// the queries' column, eight independent FMA chains), the tile's online-softmax update per lane,
// then the output's rows ot[x] eight at a time in registers over the tile's keys.
void chunk_tile(const float* qt, const int32_t* pos, int32_t j0, const float* k, const float* v, int n, int d,
                float* m, float* l, float* ot) {
  alignas(32) float p[kAttentionTile * 8];
  const __m256i vpos = _mm256_loadu_si256((const __m256i*)pos);
  const __m256 ninf = _mm256_set1_ps(-INFINITY);
  __m256 tmax = ninf;
  for (int j = 0; j < n; j += 8) {
    const float* kr[8];
    for (int i = 0; i < 8; i++) kr[i] = k + (int64_t)std::min(j + i, n - 1) * d;
    __m256 a[8];
    for (int i = 0; i < 8; i++) a[i] = _mm256_setzero_ps();
    for (int x = 0; x < d; x++) {
      const __m256 qx = _mm256_loadu_ps(qt + 8 * x);
      for (int i = 0; i < 8; i++) a[i] = _mm256_fmadd_ps(qx, _mm256_broadcast_ss(kr[i] + x), a[i]);
    }
    for (int i = 0; i < 8 && j + i < n; i++) {
      const __m256 visible = _mm256_castsi256_ps(_mm256_cmpgt_epi32(vpos, _mm256_set1_epi32(j0 + j + i - 1)));
      const __m256 s = _mm256_blendv_ps(ninf, a[i], visible);
      _mm256_store_ps(p + 8 * (j + i), s);
      tmax = _mm256_max_ps(tmax, s);
    }
  }
  const __m256 mold = _mm256_loadu_ps(m);
  const __m256 mnew = _mm256_max_ps(mold, tmax);
  const __m256 corr = exp8(_mm256_sub_ps(mold, mnew));  // about 0 on a lane's first tile (max was -inf)
  __m256 sum = _mm256_mul_ps(_mm256_loadu_ps(l), corr);
  for (int j = 0; j < n; j++) {
    const __m256 s = _mm256_load_ps(p + 8 * j);
    const __m256 e = _mm256_and_ps(exp8(_mm256_sub_ps(s, mnew)), _mm256_cmp_ps(s, ninf, _CMP_NEQ_OQ));
    _mm256_store_ps(p + 8 * j, e);
    sum = _mm256_add_ps(sum, e);
  }
  _mm256_storeu_ps(l, sum);
  _mm256_storeu_ps(m, mnew);
  int x = 0;
  for (; x + 8 <= d; x += 8) {
    __m256 o[8];
    for (int i = 0; i < 8; i++) o[i] = _mm256_mul_ps(_mm256_loadu_ps(ot + 8 * (x + i)), corr);
    for (int j = 0; j < n; j++) {
      const __m256 pj = _mm256_load_ps(p + 8 * j);
      const float* vj = v + (int64_t)j * d + x;
      for (int i = 0; i < 8; i++) o[i] = _mm256_fmadd_ps(pj, _mm256_broadcast_ss(vj + i), o[i]);
    }
    for (int i = 0; i < 8; i++) _mm256_storeu_ps(ot + 8 * (x + i), o[i]);
  }
  for (; x < d; x++) {
    __m256 o = _mm256_mul_ps(_mm256_loadu_ps(ot + 8 * x), corr);
    for (int j = 0; j < n; j++) o = _mm256_fmadd_ps(_mm256_load_ps(p + 8 * j), _mm256_broadcast_ss(v + (int64_t)j * d + x), o);
    _mm256_storeu_ps(ot + 8 * x, o);
  }
}

void from_f16(const uint16_t* src, float* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load_f16(src + i));
  for (; i < n; i++) dst[i] = f16_to_f32(src[i]);
}

void to_f16(const float* src, uint16_t* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128((__m128i*)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; i++) dst[i] = f32_to_f16(src[i]);
}

}  // namespace

const AttentionKernels& avx2_attention_kernels() {
  static const AttentionKernels k{scores_f32, scores_f16, accumulate_f32, accumulate_f16, to_f16, exp_scores,
                                  chunk_tile, from_f16};
  return k;
}

namespace compiled {
extern const FeatureSet kAttentionAvx2 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
