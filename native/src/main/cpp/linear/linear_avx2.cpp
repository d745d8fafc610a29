// AVX2 + FMA + F16C variant: u8 x s8 dot products through maddubs (pairs to int16, never
// saturating: |w| <= 128, |a| <= 127) then madd with ones to int32.
#include <immintrin.h>

#include <cstdint>

#include "core/isa_compiled.h"
#include "ember.h"

#define EMBER_X86_NS avx2
#include "linear/x86_float8.h"

namespace ember {
namespace avx2 {
namespace {

struct DotU8S8 {
  static constexpr bool kWide = false;  // u8 x s8 pairs saturate in int16 past |u8| = 128
  static __m256i dot(__m256i acc, __m256i u8, __m256i s8) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u8, s8), _mm256_set1_epi16(1)));
  }
};

using FloatVec = Float8;

}  // namespace
}  // namespace avx2
}  // namespace ember

#define EMBER_X86_MAX_R 2
#define EMBER_X86_MAX_T 4
#define EMBER_X86_VNNI 0
#include "linear/x86_tiles.h"

namespace ember {
const LinearKernels& avx2_kernels() { return avx2::kKernels; }
namespace compiled {
extern const FeatureSet kLinearAvx2 = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
