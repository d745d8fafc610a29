// NEON row kernels (ARMv8-A): SwiGLU four values at a time through the vector exp.
#include <arm_neon.h>

#include <cmath>

#include "core/isa_compiled.h"
#include "ops/ops.h"
#include "ops/simd_exp.h"

namespace ember {

namespace {

void swiglu(float* gate, const float* up, int64_t n) {
  const float32x4_t one = vdupq_n_f32(1.0f);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t g = vld1q_f32(gate + i);
    const float32x4_t silu = vdivq_f32(g, vaddq_f32(one, exp4(vnegq_f32(g))));
    vst1q_f32(gate + i, vmulq_f32(silu, vld1q_f32(up + i)));
  }
  for (; i < n; i++) {
    const float g = gate[i];
    gate[i] = g / (1.f + std::exp(-g)) * up[i];
  }
}

}  // namespace

const RowKernels& neon_row_kernels() {
  static const RowKernels k{swiglu};
  return k;
}

namespace compiled {
extern const FeatureSet kRowOpsNeon = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
