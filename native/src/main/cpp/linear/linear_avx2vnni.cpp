// AVX2 + AVX-VNNI variant (Alder Lake and later client cores, Sierra Forest and other Xeon 6 E-core
// parts: AVX2 with the VEX-encoded vpdpbusd, no AVX-512): the AVX2 tiles with each u8 x s8 dot product
// of 4-byte groups in one vpdpbusd instead of vpmaddubsw + vpmaddwd + vpaddd (which also never
// saturates, so the sums are the same).
#include <immintrin.h>

#include <cstdint>

#include "core/isa_compiled.h"
#include "ember.h"

#define EMBER_X86_NS avx2vnni
#include "linear/x86_float8.h"

namespace ember {
namespace avx2vnni {
namespace {

struct DotU8S8 {
  static constexpr bool kWide = true;  // any u8 x s8: the sums are int32
  static __m256i dot(__m256i acc, __m256i u8, __m256i s8) { return _mm256_dpbusd_avx_epi32(acc, u8, s8); }
};

using FloatVec = Float8;

}  // namespace
}  // namespace avx2vnni
}  // namespace ember

#define EMBER_X86_MAX_R 2
#define EMBER_X86_MAX_T 4
#define EMBER_X86_VNNI 0
#define EMBER_X86_AVXVNNI 1
#include "linear/x86_tiles.h"

namespace ember {
const LinearKernels& avx2vnni_kernels() { return avx2vnni::kKernels; }
namespace compiled {
extern const FeatureSet kLinearAvx2Vnni = EMBER_COMPILED_FEATURES;
}  // namespace compiled
}  // namespace ember
