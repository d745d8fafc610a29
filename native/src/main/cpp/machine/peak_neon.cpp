// NEON peak probes: 128-bit FMA, and the int8 sequence without dotprod (smull + sadalp: 8 MACs).
#include <arm_neon.h>

#include "core/isa_compiled.h"
#include "machine/peak.h"

namespace ember {

namespace {
volatile float sink;
}  // namespace

// Both loops are written out so that the compiler can neither hoist the loop-invariant products (it
// folded smull of two constants and timed sadalp alone) nor copy the addend through a temporary
// (vfmaq_f32(c, acc, m) needs c in the destination: two moves per FMA).
double peak_ops_neon(PeakKind kind, int64_t iters) {
  if (kind == PeakKind::F32Fma) {
    float32x4_t a0 = vdupq_n_f32(1.0f), a1 = vdupq_n_f32(2.0f), a2 = vdupq_n_f32(3.0f), a3 = vdupq_n_f32(4.0f);
    float32x4_t a4 = vdupq_n_f32(5.0f), a5 = vdupq_n_f32(6.0f), a6 = vdupq_n_f32(7.0f), a7 = vdupq_n_f32(8.0f);
    float32x4_t a8 = vdupq_n_f32(9.0f), a9 = vdupq_n_f32(10.0f), a10 = vdupq_n_f32(11.0f), a11 = vdupq_n_f32(12.0f);
    const float32x4_t m = vdupq_n_f32(0.999999f), c = vdupq_n_f32(1e-7f);
    for (int64_t i = 0; i < iters; i++) {
      __asm__(
          "fmla %0.4s, %12.4s, %13.4s\n\t"
          "fmla %1.4s, %12.4s, %13.4s\n\t"
          "fmla %2.4s, %12.4s, %13.4s\n\t"
          "fmla %3.4s, %12.4s, %13.4s\n\t"
          "fmla %4.4s, %12.4s, %13.4s\n\t"
          "fmla %5.4s, %12.4s, %13.4s\n\t"
          "fmla %6.4s, %12.4s, %13.4s\n\t"
          "fmla %7.4s, %12.4s, %13.4s\n\t"
          "fmla %8.4s, %12.4s, %13.4s\n\t"
          "fmla %9.4s, %12.4s, %13.4s\n\t"
          "fmla %10.4s, %12.4s, %13.4s\n\t"
          "fmla %11.4s, %12.4s, %13.4s"
          : "+w"(a0), "+w"(a1), "+w"(a2), "+w"(a3), "+w"(a4), "+w"(a5), "+w"(a6), "+w"(a7), "+w"(a8), "+w"(a9),
            "+w"(a10), "+w"(a11)
          : "w"(m), "w"(c));
    }
    const float32x4_t s = vaddq_f32(vaddq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)),
                                              vaddq_f32(vaddq_f32(a4, a5), vaddq_f32(a6, a7))),
                                    vaddq_f32(vaddq_f32(a8, a9), vaddq_f32(a10, a11)));
    sink = vgetq_lane_f32(s, 0);
    return 2.0 * 4 * 12 * iters;
  }
  int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  const int8x8_t x = vdup_n_s8(3), y = vdup_n_s8(-2);
  int16x8_t t0, t1, t2, t3, t4, t5, t6, t7;
  for (int64_t i = 0; i < iters; i++) {
    __asm__(
        "smull %8.8h, %16.8b, %17.8b\n\t"
        "smull %9.8h, %16.8b, %17.8b\n\t"
        "smull %10.8h, %16.8b, %17.8b\n\t"
        "smull %11.8h, %16.8b, %17.8b\n\t"
        "smull %12.8h, %16.8b, %17.8b\n\t"
        "smull %13.8h, %16.8b, %17.8b\n\t"
        "smull %14.8h, %16.8b, %17.8b\n\t"
        "smull %15.8h, %16.8b, %17.8b\n\t"
        "sadalp %0.4s, %8.8h\n\t"
        "sadalp %1.4s, %9.8h\n\t"
        "sadalp %2.4s, %10.8h\n\t"
        "sadalp %3.4s, %11.8h\n\t"
        "sadalp %4.4s, %12.8h\n\t"
        "sadalp %5.4s, %13.8h\n\t"
        "sadalp %6.4s, %14.8h\n\t"
        "sadalp %7.4s, %15.8h"
        : "+w"(a0), "+w"(a1), "+w"(a2), "+w"(a3), "+w"(a4), "+w"(a5), "+w"(a6), "+w"(a7), "=&w"(t0), "=&w"(t1),
          "=&w"(t2), "=&w"(t3), "=&w"(t4), "=&w"(t5), "=&w"(t6), "=&w"(t7)
        : "w"(x), "w"(y));
  }
  const int32x4_t s = vaddq_s32(vaddq_s32(vaddq_s32(a0, a1), vaddq_s32(a2, a3)), vaddq_s32(vaddq_s32(a4, a5), vaddq_s32(a6, a7)));
  sink = vgetq_lane_s32(s, 0);
  return 2.0 * 8 * 8 * iters;
}

namespace compiled {
extern const FeatureSet kPeakNeon = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
