// NEON peak probes: 128-bit FMA, and the int8 sequence without dotprod (smull + sadalp: 8 MACs).
#include <arm_neon.h>

#include "core/isa_compiled.h"
#include "machine/peak.h"

namespace ember {

double peak_ops_neon(PeakKind kind, int64_t iters) {
  if (kind == PeakKind::F32Fma) {
    float32x4_t acc[12];
    for (int j = 0; j < 12; j++) acc[j] = vdupq_n_f32(1.0f + j);
    const float32x4_t m = vdupq_n_f32(0.999999f), c = vdupq_n_f32(1e-7f);
    for (int64_t i = 0; i < iters; i++) {
      for (int j = 0; j < 12; j++) acc[j] = vfmaq_f32(c, acc[j], m);
      asm volatile("" : "+w"(acc[0]), "+w"(acc[1]), "+w"(acc[2]), "+w"(acc[3]), "+w"(acc[4]), "+w"(acc[5]),
                   "+w"(acc[6]), "+w"(acc[7]), "+w"(acc[8]), "+w"(acc[9]), "+w"(acc[10]), "+w"(acc[11]));
    }
    return 2.0 * 4 * 12 * iters;
  }
  int32x4_t acc[8];
  for (int j = 0; j < 8; j++) acc[j] = vdupq_n_s32(j);
  const int8x8_t a = vdup_n_s8(3), b = vdup_n_s8(-2);
  for (int64_t i = 0; i < iters; i++) {
    for (int j = 0; j < 8; j++) acc[j] = vpadalq_s16(acc[j], vmull_s8(a, b));
    asm volatile("" : "+w"(acc[0]), "+w"(acc[1]), "+w"(acc[2]), "+w"(acc[3]), "+w"(acc[4]), "+w"(acc[5]),
                 "+w"(acc[6]), "+w"(acc[7]));
  }
  return 2.0 * 8 * 8 * iters;
}

namespace compiled {
extern const FeatureSet kPeakNeon = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
