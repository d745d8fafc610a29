// NEON BF16 peak probe: BFMMLA, a 2 x 4 by 4 x 2 bf16 product into 4 f32 lanes (16 multiply-adds
// per op), in independent chains like the other probes (accumulators pinned to registers).
#include <arm_neon.h>

#include "core/isa_compiled.h"
#include "machine/peak.h"

namespace ember {

namespace {
volatile float sink;
constexpr int kChains = 12;
}  // namespace

double peak_ops_neonbf16(int64_t iters) {
  const bfloat16x8_t a = vreinterpretq_bf16_u16(vdupq_n_u16(0x3f80));  // 1.0
  const bfloat16x8_t b = vreinterpretq_bf16_u16(vdupq_n_u16(0x3000));  // 2^-31
  float32x4_t acc[kChains];
  for (int j = 0; j < kChains; j++) acc[j] = vdupq_n_f32(1.0f);
  for (int64_t i = 0; i < iters; i++) {
    for (int j = 0; j < kChains; j++) acc[j] = vbfmmlaq_f32(acc[j], a, b);
    asm volatile("" : "+w"(acc[0]), "+w"(acc[1]), "+w"(acc[2]), "+w"(acc[3]), "+w"(acc[4]), "+w"(acc[5]),
                 "+w"(acc[6]), "+w"(acc[7]), "+w"(acc[8]), "+w"(acc[9]), "+w"(acc[10]), "+w"(acc[11]));
  }
  float32x4_t s = acc[0];
  for (int j = 1; j < kChains; j++) s = vaddq_f32(s, acc[j]);
  sink = vaddvq_f32(s);
  return 2.0 * 16 * kChains * iters;
}

namespace compiled {
extern const FeatureSet kPeakNeonBf16 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
