// NEON + dotprod variant (ARMv8.2-A): int8 block dot products with SDOT.
#include <arm_neon.h>

#include "core/isa_compiled.h"

namespace ember {
namespace neondot {
namespace {

struct Dot32 {
  static int32x4_t dot(int8x16_t w0, int8x16_t w1, int8x16_t a0, int8x16_t a1) {
    return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w0, a0), w1, a1);
  }
};

}  // namespace
}  // namespace neondot
}  // namespace ember

#define EMBER_NEON_NS neondot
#include "linear/neon_tiles.h"

namespace ember {
const LinearKernels& neondot_kernels() { return neondot::kKernels; }
namespace compiled {
extern const FeatureSet kLinearNeonDot = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
