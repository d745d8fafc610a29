// AVX-512 attention: the AVX2 kernels, but for a chunk kernel over two query heads at once (sixteen
// lanes: two heads of eight queries), so that each broadcast K or V value and each exp serves both.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "core/isa_compiled.h"
#include "ops/ops.h"
#include "ops/simd_exp.h"

// GCC 12's AVX-512 headers build some results from a self-initialised __Y and warn about it.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace ember {

namespace {

constexpr int kLanes = 2 * kAttentionQueryChunk;
static_assert(kLanes == 16, "chunk_tile holds two heads of eight queries in the lanes of a 512-bit vector");

// As the AVX2 chunk_tile, sixteen lanes wide: scores of eight keys at a time (a broadcast K value
// times the lanes' query column, eight independent FMA chains), the tile's online-softmax update per
// lane, then the output's rows ot[x] eight at a time in registers over the tile's keys.
void chunk_tile(const float* qt, const int32_t* pos, int32_t j0, const float* k, const float* v, int n, int d,
                float* m, float* l, float* ot) {
  alignas(64) float p[kAttentionTile * kLanes];
  const __m512i vpos = _mm512_loadu_si512(pos);
  const __m512 ninf = _mm512_set1_ps(-INFINITY);
  __m512 tmax = ninf;
  for (int j = 0; j < n; j += 8) {
    const float* kr[8];
    for (int i = 0; i < 8; i++) kr[i] = k + (int64_t)std::min(j + i, n - 1) * d;
    __m512 a[8];
    for (int i = 0; i < 8; i++) a[i] = _mm512_setzero_ps();
    for (int x = 0; x < d; x++) {
      const __m512 qx = _mm512_loadu_ps(qt + kLanes * x);
      for (int i = 0; i < 8; i++) a[i] = _mm512_fmadd_ps(qx, _mm512_set1_ps(kr[i][x]), a[i]);
    }
    for (int i = 0; i < 8 && j + i < n; i++) {
      const __mmask16 visible = _mm512_cmpge_epi32_mask(vpos, _mm512_set1_epi32(j0 + j + i));
      const __m512 s = _mm512_mask_blend_ps(visible, ninf, a[i]);
      _mm512_store_ps(p + kLanes * (j + i), s);
      tmax = _mm512_max_ps(tmax, s);
    }
  }
  const __m512 mold = _mm512_loadu_ps(m);
  const __m512 mnew = _mm512_max_ps(mold, tmax);
  const __m512 corr = exp16(_mm512_sub_ps(mold, mnew));  // about 0 on a lane's first tile (max was -inf)
  __m512 sum = _mm512_mul_ps(_mm512_loadu_ps(l), corr);
  for (int j = 0; j < n; j++) {
    const __m512 s = _mm512_load_ps(p + kLanes * j);
    const __m512 e = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(s, ninf, _CMP_NEQ_OQ), exp16(_mm512_sub_ps(s, mnew)));
    _mm512_store_ps(p + kLanes * j, e);
    sum = _mm512_add_ps(sum, e);
  }
  _mm512_storeu_ps(l, sum);
  _mm512_storeu_ps(m, mnew);
  int x = 0;
  for (; x + 8 <= d; x += 8) {
    __m512 o[8];
    for (int i = 0; i < 8; i++) o[i] = _mm512_mul_ps(_mm512_loadu_ps(ot + kLanes * (x + i)), corr);
    for (int j = 0; j < n; j++) {
      const __m512 pj = _mm512_load_ps(p + kLanes * j);
      const float* vj = v + (int64_t)j * d + x;
      for (int i = 0; i < 8; i++) o[i] = _mm512_fmadd_ps(pj, _mm512_set1_ps(vj[i]), o[i]);
    }
    for (int i = 0; i < 8; i++) _mm512_storeu_ps(ot + kLanes * (x + i), o[i]);
  }
  for (; x < d; x++) {
    __m512 o = _mm512_mul_ps(_mm512_loadu_ps(ot + kLanes * x), corr);
    for (int j = 0; j < n; j++) o = _mm512_fmadd_ps(_mm512_load_ps(p + kLanes * j), _mm512_set1_ps(v[(int64_t)j * d + x]), o);
    _mm512_storeu_ps(ot + kLanes * x, o);
  }
}

}  // namespace

const AttentionKernels& avx512_attention_kernels() {
  static const AttentionKernels k = [] {
    AttentionKernels t = avx2_attention_kernels();
    t.chunk_tile = chunk_tile;
    t.chunk_heads = 2;
    return t;
  }();
  return k;
}

namespace compiled {
extern const FeatureSet kAttentionAvx512 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
