// Portable attention kernels (the reference every ISA variant is tested against) and the
// choice of kernels for the active ISA.
#include <cmath>
#include <limits>

#include "linear/linear.h"
#include "ops/ops.h"

namespace ember {

namespace {

void scores_f32(const float* q, const float* k, int n, int d, float* s) {
  for (int j = 0; j < n; j++) {
    const float* kj = k + (int64_t)j * d;
    float a = 0.f;
    for (int x = 0; x < d; x++) a += q[x] * kj[x];
    s[j] = a;
  }
}

void scores_f16(const float* q, const uint16_t* k, int n, int d, float* s) {
  for (int j = 0; j < n; j++) {
    const uint16_t* kj = k + (int64_t)j * d;
    float a = 0.f;
    for (int x = 0; x < d; x++) a += q[x] * f16_to_f32(kj[x]);
    s[j] = a;
  }
}

void accumulate_f32(const float* p, const float* v, int n, int d, float* acc) {
  for (int j = 0; j < n; j++) {
    const float* vj = v + (int64_t)j * d;
    for (int x = 0; x < d; x++) acc[x] += p[j] * vj[x];
  }
}

void accumulate_f16(const float* p, const uint16_t* v, int n, int d, float* acc) {
  for (int j = 0; j < n; j++) {
    const uint16_t* vj = v + (int64_t)j * d;
    for (int x = 0; x < d; x++) acc[x] += p[j] * f16_to_f32(vj[x]);
  }
}

void to_f16(const float* src, uint16_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; i++) dst[i] = f32_to_f16(src[i]);
}

float exp_scores(float* s, int n, float scale, float* max) {
  float m = *max;
  for (int j = 0; j < n; j++) {
    s[j] *= scale;
    if (s[j] > m) m = s[j];
  }
  float sum = 0.f;
  for (int j = 0; j < n; j++) {
    s[j] = std::exp(s[j] - m);
    sum += s[j];
  }
  *max = m;
  return sum;
}

}  // namespace

const AttentionKernels& scalar_attention_kernels() {
  static const AttentionKernels k{scores_f32, scores_f16, accumulate_f32, accumulate_f16, to_f16, exp_scores,
                                  nullptr, nullptr};
  return k;
}

const AttentionKernels& attention_kernels(Isa isa) {
  switch (isa) {
#if defined(__x86_64__)
    case Isa::Avx2:
    case Isa::Avx2Vnni: return avx2_attention_kernels();
    case Isa::Avx512:
    case Isa::Avx512Bf16: return avx512_attention_kernels();
#endif
#if defined(__aarch64__)
    case Isa::Neon:
    case Isa::NeonDot:
    case Isa::NeonMmla: return neon_attention_kernels();
#endif
    default: return scalar_attention_kernels();
  }
}

}  // namespace ember
