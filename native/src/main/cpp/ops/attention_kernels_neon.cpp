// NEON attention kernels (ARMv8-A): 4-wide FMA dot products, fcvtl/fcvtn f16 K/V conversion.
#include <arm_neon.h>

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
  static const AttentionKernels k{scores_f32, scores_f16, accumulate_f32, accumulate_f16, to_f16, exp_scores};
  return k;
}

namespace compiled {
extern const FeatureSet kAttentionNeon = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
