// NEON attention kernels (ARMv8-A): 4-wide FMA dot products, fcvtl/fcvtn f16 K/V conversion, and
// for chunks of eight queries (prefill) chunk_tile, one query per lane of two vectors.
#include <arm_neon.h>

#include <algorithm>
#include <cmath>

#include "core/isa_compiled.h"
#include "linear/linear.h"
#include "ops/ops.h"
#include "ops/simd_exp.h"

namespace ember {

namespace {

inline float32x4_t load_f16(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }

void scores_f32(const float* q, const float* k, int n, int d, float* s) {
  for (int j = 0; j < n; j++) {
    const float* kj = k + (int64_t)j * d;
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0);
    int x = 0;
    for (; x + 8 <= d; x += 8) {
      a0 = vfmaq_f32(a0, vld1q_f32(q + x), vld1q_f32(kj + x));
      a1 = vfmaq_f32(a1, vld1q_f32(q + x + 4), vld1q_f32(kj + x + 4));
    }
    for (; x + 4 <= d; x += 4) a0 = vfmaq_f32(a0, vld1q_f32(q + x), vld1q_f32(kj + x));
    float a = vaddvq_f32(vaddq_f32(a0, a1));
    for (; x < d; x++) a += q[x] * kj[x];
    s[j] = a;
  }
}

void scores_f16(const float* q, const uint16_t* k, int n, int d, float* s) {
  for (int j = 0; j < n; j++) {
    const uint16_t* kj = k + (int64_t)j * d;
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0);
    int x = 0;
    for (; x + 8 <= d; x += 8) {
      a0 = vfmaq_f32(a0, vld1q_f32(q + x), load_f16(kj + x));
      a1 = vfmaq_f32(a1, vld1q_f32(q + x + 4), load_f16(kj + x + 4));
    }
    for (; x + 4 <= d; x += 4) a0 = vfmaq_f32(a0, vld1q_f32(q + x), load_f16(kj + x));
    float a = vaddvq_f32(vaddq_f32(a0, a1));
    for (; x < d; x++) a += q[x] * f16_to_f32(kj[x]);
    s[j] = a;
  }
}

void accumulate_f32(const float* p, const float* v, int n, int d, float* acc) {
  for (int j = 0; j < n; j++) {
    const float* vj = v + (int64_t)j * d;
    float32x4_t pj = vdupq_n_f32(p[j]);
    int x = 0;
    for (; x + 4 <= d; x += 4) vst1q_f32(acc + x, vfmaq_f32(vld1q_f32(acc + x), pj, vld1q_f32(vj + x)));
    for (; x < d; x++) acc[x] += p[j] * vj[x];
  }
}

void accumulate_f16(const float* p, const uint16_t* v, int n, int d, float* acc) {
  for (int j = 0; j < n; j++) {
    const uint16_t* vj = v + (int64_t)j * d;
    float32x4_t pj = vdupq_n_f32(p[j]);
    int x = 0;
    for (; x + 4 <= d; x += 4) vst1q_f32(acc + x, vfmaq_f32(vld1q_f32(acc + x), pj, load_f16(vj + x)));
    for (; x < d; x++) acc[x] += p[j] * f16_to_f32(vj[x]);
  }
}

void to_f16(const float* src, uint16_t* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1_u16(dst + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(src + i))));
  for (; i < n; i++) dst[i] = f32_to_f16(src[i]);
}

void from_f16(const uint16_t* src, float* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(dst + i, load_f16(src + i));
  for (; i < n; i++) dst[i] = f16_to_f32(src[i]);
}

static_assert(kAttentionQueryChunk == 8, "chunk_tile holds one query per lane of two 128-bit vectors");

// Eight queries (lanes of two vectors) over one tile: scores of eight keys at a time, four values of
// d per step (one K vector per key, multiplied by lane into the queries' columns), the tile's
// online-softmax update per lane, then the output's rows ot[x] eight at a time in registers.
void chunk_tile(const float* qt, const int32_t* pos, int32_t j0, const float* k, const float* v, int n, int d,
                float* m, float* l, float* ot) {
  float p[kAttentionTile * 8];
  const int32x4_t pos_lo = vld1q_s32(pos), pos_hi = vld1q_s32(pos + 4);
  const float32x4_t ninf = vdupq_n_f32(-INFINITY);
  float32x4_t tmax_lo = ninf, tmax_hi = ninf;
  for (int j = 0; j < n; j += 8) {
    const float* kr[8];
    for (int i = 0; i < 8; i++) kr[i] = k + (int64_t)std::min(j + i, n - 1) * d;
    float32x4_t a[8][2];
    for (int i = 0; i < 8; i++) a[i][0] = a[i][1] = vdupq_n_f32(0);
    int x = 0;
    for (; x + 4 <= d; x += 4) {
      float32x4_t q[4][2];
      for (int u = 0; u < 4; u++) q[u][0] = vld1q_f32(qt + 8 * (x + u)), q[u][1] = vld1q_f32(qt + 8 * (x + u) + 4);
      for (int i = 0; i < 8; i++) {
        const float32x4_t kv = vld1q_f32(kr[i] + x);
        a[i][0] = vfmaq_laneq_f32(a[i][0], q[0][0], kv, 0);
        a[i][1] = vfmaq_laneq_f32(a[i][1], q[0][1], kv, 0);
        a[i][0] = vfmaq_laneq_f32(a[i][0], q[1][0], kv, 1);
        a[i][1] = vfmaq_laneq_f32(a[i][1], q[1][1], kv, 1);
        a[i][0] = vfmaq_laneq_f32(a[i][0], q[2][0], kv, 2);
        a[i][1] = vfmaq_laneq_f32(a[i][1], q[2][1], kv, 2);
        a[i][0] = vfmaq_laneq_f32(a[i][0], q[3][0], kv, 3);
        a[i][1] = vfmaq_laneq_f32(a[i][1], q[3][1], kv, 3);
      }
    }
    for (; x < d; x++) {
      const float32x4_t q0 = vld1q_f32(qt + 8 * x), q1 = vld1q_f32(qt + 8 * x + 4);
      for (int i = 0; i < 8; i++) {
        a[i][0] = vfmaq_n_f32(a[i][0], q0, kr[i][x]);
        a[i][1] = vfmaq_n_f32(a[i][1], q1, kr[i][x]);
      }
    }
    for (int i = 0; i < 8 && j + i < n; i++) {
      const int32x4_t key = vdupq_n_s32(j0 + j + i);
      const float32x4_t s0 = vbslq_f32(vcgeq_s32(pos_lo, key), a[i][0], ninf);
      const float32x4_t s1 = vbslq_f32(vcgeq_s32(pos_hi, key), a[i][1], ninf);
      vst1q_f32(p + 8 * (j + i), s0);
      vst1q_f32(p + 8 * (j + i) + 4, s1);
      tmax_lo = vmaxq_f32(tmax_lo, s0);
      tmax_hi = vmaxq_f32(tmax_hi, s1);
    }
  }
  const float32x4_t mold_lo = vld1q_f32(m), mold_hi = vld1q_f32(m + 4);
  const float32x4_t mnew_lo = vmaxq_f32(mold_lo, tmax_lo), mnew_hi = vmaxq_f32(mold_hi, tmax_hi);
  // about 0 on a lane's first tile (max was -inf)
  const float32x4_t corr_lo = exp4(vsubq_f32(mold_lo, mnew_lo)), corr_hi = exp4(vsubq_f32(mold_hi, mnew_hi));
  float32x4_t sum_lo = vmulq_f32(vld1q_f32(l), corr_lo), sum_hi = vmulq_f32(vld1q_f32(l + 4), corr_hi);
  for (int j = 0; j < n; j++) {
    const float32x4_t s0 = vld1q_f32(p + 8 * j), s1 = vld1q_f32(p + 8 * j + 4);
    // masked keys (-inf) weigh exactly 0
    const float32x4_t e0 = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(exp4(vsubq_f32(s0, mnew_lo))),
                                                           vmvnq_u32(vceqq_f32(s0, ninf))));
    const float32x4_t e1 = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(exp4(vsubq_f32(s1, mnew_hi))),
                                                           vmvnq_u32(vceqq_f32(s1, ninf))));
    vst1q_f32(p + 8 * j, e0);
    vst1q_f32(p + 8 * j + 4, e1);
    sum_lo = vaddq_f32(sum_lo, e0);
    sum_hi = vaddq_f32(sum_hi, e1);
  }
  vst1q_f32(l, sum_lo);
  vst1q_f32(l + 4, sum_hi);
  vst1q_f32(m, mnew_lo);
  vst1q_f32(m + 4, mnew_hi);
  int x = 0;
  for (; x + 4 <= d; x += 4) {
    float32x4_t o[4][2];
    for (int u = 0; u < 4; u++) {
      o[u][0] = vmulq_f32(vld1q_f32(ot + 8 * (x + u)), corr_lo);
      o[u][1] = vmulq_f32(vld1q_f32(ot + 8 * (x + u) + 4), corr_hi);
    }
    for (int j = 0; j < n; j++) {
      const float32x4_t p0 = vld1q_f32(p + 8 * j), p1 = vld1q_f32(p + 8 * j + 4);
      const float32x4_t vv = vld1q_f32(v + (int64_t)j * d + x);
      o[0][0] = vfmaq_laneq_f32(o[0][0], p0, vv, 0);
      o[0][1] = vfmaq_laneq_f32(o[0][1], p1, vv, 0);
      o[1][0] = vfmaq_laneq_f32(o[1][0], p0, vv, 1);
      o[1][1] = vfmaq_laneq_f32(o[1][1], p1, vv, 1);
      o[2][0] = vfmaq_laneq_f32(o[2][0], p0, vv, 2);
      o[2][1] = vfmaq_laneq_f32(o[2][1], p1, vv, 2);
      o[3][0] = vfmaq_laneq_f32(o[3][0], p0, vv, 3);
      o[3][1] = vfmaq_laneq_f32(o[3][1], p1, vv, 3);
    }
    for (int u = 0; u < 4; u++) {
      vst1q_f32(ot + 8 * (x + u), o[u][0]);
      vst1q_f32(ot + 8 * (x + u) + 4, o[u][1]);
    }
  }
  for (; x < d; x++) {
    float32x4_t o0 = vmulq_f32(vld1q_f32(ot + 8 * x), corr_lo), o1 = vmulq_f32(vld1q_f32(ot + 8 * x + 4), corr_hi);
    for (int j = 0; j < n; j++) {
      const float vx = v[(int64_t)j * d + x];
      o0 = vfmaq_n_f32(o0, vld1q_f32(p + 8 * j), vx);
      o1 = vfmaq_n_f32(o1, vld1q_f32(p + 8 * j + 4), vx);
    }
    vst1q_f32(ot + 8 * x, o0);
    vst1q_f32(ot + 8 * x + 4, o1);
  }
}

float exp_scores(float* s, int n, float scale, float* max) {
  float32x4_t vm = vdupq_n_f32(*max);
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    const float32x4_t v = vmulq_n_f32(vld1q_f32(s + j), scale);
    vst1q_f32(s + j, v);
    vm = vmaxq_f32(vm, v);
  }
  float m = vmaxvq_f32(vm);
  for (int t = j; t < n; t++) {
    s[t] *= scale;
    if (s[t] > m) m = s[t];
  }
  const float32x4_t mv = vdupq_n_f32(m);
  float32x4_t vsum = vdupq_n_f32(0);
  for (j = 0; j + 4 <= n; j += 4) {
    const float32x4_t e = exp4(vsubq_f32(vld1q_f32(s + j), mv));
    vst1q_f32(s + j, e);
    vsum = vaddq_f32(vsum, e);
  }
  float sum = vaddvq_f32(vsum);
  for (; j < n; j++) {
    s[j] = std::exp(s[j] - m);
    sum += s[j];
  }
  *max = m;
  return sum;
}

}  // namespace

const AttentionKernels& neon_attention_kernels() {
  static const AttentionKernels k{scores_f32, scores_f16, accumulate_f32, accumulate_f16, to_f16, exp_scores,
                                  chunk_tile, from_f16};
  return k;
}

namespace compiled {
extern const FeatureSet kAttentionNeon = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
