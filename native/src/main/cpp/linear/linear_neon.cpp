// NEON variant (ARMv8-A): int8 block dot products through vmull/vmlal to int16 pairs (at most
// 2 * 128 * 127, no overflow) and pairwise accumulation to int32.
#include <arm_neon.h>

#include "core/isa_compiled.h"

namespace ember {
namespace neon {
namespace {

struct Dot32 {
  static int32x4_t dot(int8x16_t w0, int8x16_t w1, int8x16_t a0, int8x16_t a1) {
    int16x8_t p0 = vmlal_high_s8(vmull_s8(vget_low_s8(w0), vget_low_s8(a0)), w0, a0);
    int16x8_t p1 = vmlal_high_s8(vmull_s8(vget_low_s8(w1), vget_low_s8(a1)), w1, a1);
    return vpadalq_s16(vpaddlq_s16(p0), p1);
  }
};

}  // namespace
}  // namespace neon
}  // namespace ember

#define EMBER_NEON_NS neon
#include "linear/neon_tiles.h"

namespace ember {
const LinearKernels& neon_kernels() { return neon::kKernels; }
namespace compiled {
extern const FeatureSet kLinearNeon = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
