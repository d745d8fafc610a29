// NEON matrix-multiply peak probes: SMMLA (a 2 x 8 by 8 x 2 int8 product into 4 int32 lanes, 32
// multiply-adds per op) for the int8 kind and BFMMLA (2 x 4 by 4 x 2 bf16 into 4 f32 lanes, 16 per
// op) for the bf16 kind, the instructions this variant's tiles of two activation rows or more use;
// in independent chains like the other probes (accumulators pinned to registers). FMA as plain NEON.
#include <arm_neon.h>

#include "core/isa_compiled.h"
#include "machine/peak.h"

namespace ember {

namespace {
volatile float sink;
constexpr int kChains = 12;

#define EMBER_PIN_12(acc)                                                                                   \
  asm volatile("" : "+w"(acc[0]), "+w"(acc[1]), "+w"(acc[2]), "+w"(acc[3]), "+w"(acc[4]), "+w"(acc[5]),   \
               "+w"(acc[6]), "+w"(acc[7]), "+w"(acc[8]), "+w"(acc[9]), "+w"(acc[10]), "+w"(acc[11]))
static_assert(kChains == 12, "EMBER_PIN_12 names 12 accumulators");

double bfmmla_ops(int64_t iters) {
  const bfloat16x8_t a = vreinterpretq_bf16_u16(vdupq_n_u16(0x3f80));  // 1.0
  const bfloat16x8_t b = vreinterpretq_bf16_u16(vdupq_n_u16(0x3000));  // 2^-31
  float32x4_t acc[kChains];
  for (int j = 0; j < kChains; j++) acc[j] = vdupq_n_f32(1.0f);
  for (int64_t i = 0; i < iters; i++) {
    for (int j = 0; j < kChains; j++) acc[j] = vbfmmlaq_f32(acc[j], a, b);
    EMBER_PIN_12(acc);
  }
  float32x4_t s = acc[0];
  for (int j = 1; j < kChains; j++) s = vaddq_f32(s, acc[j]);
  sink = vaddvq_f32(s);
  return 2.0 * 16 * kChains * iters;
}

double smmla_ops(int64_t iters) {
  const int8x16_t a = vdupq_n_s8(3), b = vdupq_n_s8(-2);
  int32x4_t acc[kChains];
  for (int j = 0; j < kChains; j++) acc[j] = vdupq_n_s32(j);
  for (int64_t i = 0; i < iters; i++) {
    for (int j = 0; j < kChains; j++) acc[j] = vmmlaq_s32(acc[j], a, b);
    EMBER_PIN_12(acc);
  }
  int32x4_t s = acc[0];
  for (int j = 1; j < kChains; j++) s = vaddq_s32(s, acc[j]);
  sink = (float)vaddvq_s32(s);
  return 2.0 * 32 * kChains * iters;
}
#undef EMBER_PIN_12
}  // namespace

double peak_ops_neonmmla(PeakKind kind, int64_t iters) {
  switch (kind) {
    case PeakKind::Bf16Dot: return bfmmla_ops(iters);
    case PeakKind::Int8Dot: return smmla_ops(iters);
    default: return peak_ops_neon(kind, iters);
  }
}

namespace compiled {
extern const FeatureSet kPeakNeonMmla = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
