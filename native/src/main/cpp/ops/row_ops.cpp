// Row ops of the forward: RMSNorm (plain and fused with the residual add), residual add, SwiGLU.
#include <cmath>

#include "ops/ops.h"

namespace ember {

static float inv_rms(const float* x, int64_t n, float eps) {
  // Four partial sums keep the loop short-latency; double keeps long rows exact enough.
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += (double)x[i] * x[i];
    s1 += (double)x[i + 1] * x[i + 1];
    s2 += (double)x[i + 2] * x[i + 2];
    s3 += (double)x[i + 3] * x[i + 3];
  }
  for (; i < n; i++) s0 += (double)x[i] * x[i];
  double mean = (s0 + s1 + s2 + s3) / (double)n;
  return (float)(1.0 / std::sqrt(mean + (double)eps));
}

void rms_norm_row(const float* x, const float* w, int64_t n, float eps, float* out) {
  float r = inv_rms(x, n, eps);
  for (int64_t i = 0; i < n; i++) out[i] = x[i] * r * w[i];
}

void add_rms_norm_row(float* x, const float* delta, const float* w, int64_t n, float eps, float* out) {
  add_row(x, delta, n);
  rms_norm_row(x, w, n, eps, out);
}

void add_row(float* x, const float* delta, int64_t n) {
  for (int64_t i = 0; i < n; i++) x[i] += delta[i];
}

void swiglu_row(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    float g = gate[i];
    gate[i] = g / (1.f + std::exp(-g)) * up[i];
  }
}

const RowKernels& scalar_row_kernels() {
  static const RowKernels k{swiglu_row};
  return k;
}

const RowKernels& row_kernels(Isa isa) {
  switch (isa) {
#if defined(__x86_64__)
    case Isa::Avx2:
    case Isa::Avx2Vnni:
    case Isa::Avx512:
    case Isa::Avx512Bf16: return avx2_row_kernels();
#endif
#if defined(__aarch64__)
    case Isa::Neon:
    case Isa::NeonDot:
    case Isa::NeonMmla: return neon_row_kernels();
#endif
    default: return scalar_row_kernels();
  }
}

}  // namespace ember
