// AVX2 + FMA row kernels: SwiGLU eight values at a time through the vector exp.
#include <immintrin.h>

#include <cmath>

#include "core/isa_compiled.h"
#include "ops/ops.h"
#include "ops/simd_exp.h"

namespace ember {

namespace {

void swiglu(float* gate, const float* up, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, exp8(_mm256_xor_ps(g, sign))));
    _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
  }
  for (; i < n; i++) {
    const float g = gate[i];
    gate[i] = g / (1.f + std::exp(-g)) * up[i];
  }
}

}  // namespace

const RowKernels& avx2_row_kernels() {
  static const RowKernels k{swiglu};
  return k;
}

namespace compiled {
extern const FeatureSet kRowOpsAvx2 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
