// NEON dotprod peak probe: SDOT (16 int8 multiply-adds into 4 i32 lanes per op); FMA as plain NEON.
#include <arm_neon.h>

#include "core/isa_compiled.h"
#include "machine/peak.h"

namespace ember {

double peak_ops_neondot(PeakKind kind, int64_t iters) {
  if (kind == PeakKind::F32Fma) return peak_ops_neon(kind, iters);
  int32x4_t acc[12];
  for (int j = 0; j < 12; j++) acc[j] = vdupq_n_s32(j);
  const int8x16_t a = vdupq_n_s8(3), b = vdupq_n_s8(-2);
  for (int64_t i = 0; i < iters; i++) {
    for (int j = 0; j < 12; j++) acc[j] = vdotq_s32(acc[j], a, b);
    asm volatile("" : "+w"(acc[0]), "+w"(acc[1]), "+w"(acc[2]), "+w"(acc[3]), "+w"(acc[4]), "+w"(acc[5]),
                 "+w"(acc[6]), "+w"(acc[7]), "+w"(acc[8]), "+w"(acc[9]), "+w"(acc[10]), "+w"(acc[11]));
  }
  return 2.0 * 16 * 12 * iters;
}

namespace compiled {
extern const FeatureSet kPeakNeonDot = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
