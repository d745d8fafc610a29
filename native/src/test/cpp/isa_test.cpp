// Kernel-variant selection: a variant runs only where the CPU has every feature its translation
// units were compiled with. Checked against made-up feature sets of real CPU families.
#include <cstring>
#include <initializer_list>

#include "core/isa.h"
#include "test.h"

using namespace ember;

namespace {


constexpr FeatureSet kSseToAvx = kSse3 | kSsse3 | kSse41 | kSse42 | kPopcnt | kAvx;
constexpr FeatureSet kHaswell = kSseToAvx | kAvx2 | kFma | kF16c;
constexpr FeatureSet kSkylakeX = kHaswell | kAvx512F | kAvx512Bw | kAvx512Vl | kAvx512Dq;
constexpr FeatureSet kCascadeLake = kSkylakeX | kAvx512Vnni;  // also Ice Lake: VNNI, no BF16
constexpr FeatureSet kZen4 = kCascadeLake | kAvx512Bf16;
constexpr FeatureSet kAlderLake = kHaswell | kAvxVnni;  // also Sierra Forest, Arrow Lake
constexpr FeatureSet kArmV80 = kAsimd | kCrc32;                                   // Cortex-A53/A72
constexpr FeatureSet kArmV82 = kArmV80 | kAtomics | kAsimdRdm | kAsimdDot | kFp16 | kAsimdFp16;  // Neoverse N1
constexpr FeatureSet kArmV86 = kArmV82 | kArmBf16 | kArmI8mm;                     // Neoverse V1/N2, Graviton 3

bool built(Isa isa) {
  FeatureSet f;
  return isa_features(isa, &f);
}

}  // namespace

TEST(isa_runs_only_where_every_compiled_feature_is_present) {
  for (Isa isa : kAllIsas) {
    FeatureSet need;
    if (!isa_features(isa, &need)) continue;
    CHECK(isa_runs_on(isa, need));
    for (int b = 0; b < 32; b++) {
      const FeatureSet bit = 1u << b;
      if ((need & bit) == 0) continue;
      if (isa_runs_on(isa, need & ~bit) || best_isa(need & ~bit) == isa) {
        char names[64];
        feature_names(bit, names, sizeof names);
        std::fprintf(stderr, "  %s still chosen without %s\n", isa_name(isa), names);
        ember_test::failures++;
      }
    }
  }
  CHECK(isa_runs_on(Isa::Scalar, 0));
  CHECK(best_isa(0) == Isa::Scalar);
}

TEST(isa_variants_record_the_features_of_their_flags) {
#if defined(__x86_64__)
  FeatureSet avx2 = 0, avx2vnni = 0, avx512 = 0;
  CHECK(isa_features(Isa::Avx2, &avx2) && isa_features(Isa::Avx512, &avx512));
  CHECK((avx2 & (kAvx2 | kFma | kF16c | kAvx)) == (kAvx2 | kFma | kF16c | kAvx));
  CHECK((avx2 & (kAvx512F | kAvx512Bw | kAvx512Vl | kAvx512Dq | kAvx512Vnni | kAvx512Bf16 | kAvxVnni)) == 0);
  CHECK(isa_features(Isa::Avx2Vnni, &avx2vnni) && avx2vnni == (avx2 | kAvxVnni));
  const FeatureSet avx512_need = kAvx2 | kFma | kF16c | kAvx512F | kAvx512Bw | kAvx512Vl | kAvx512Dq | kAvx512Vnni;
  CHECK((avx512 & avx512_need) == avx512_need);
  CHECK((avx512 & kAvx512Bf16) == 0);  // Cascade Lake and Ice Lake run it
  FeatureSet bf16 = 0;
  CHECK(isa_features(Isa::Avx512Bf16, &bf16) && bf16 == (avx512 | kAvx512Bf16));
  CHECK(!built(Isa::Neon) && !built(Isa::NeonDot) && !built(Isa::NeonMmla));
#endif
#if defined(__aarch64__)
  FeatureSet neon = 0, dot = 0;
  CHECK(isa_features(Isa::Neon, &neon) && isa_features(Isa::NeonDot, &dot));
  CHECK((neon & kAsimd) != 0 && (neon & (kAsimdDot | kFp16 | kAsimdFp16)) == 0);
  CHECK((dot & (kAsimd | kAsimdDot | kFp16 | kAsimdFp16)) == (kAsimd | kAsimdDot | kFp16 | kAsimdFp16));
  CHECK((dot & (kArmBf16 | kArmI8mm)) == 0);  // Neoverse N1 and Kunpeng 920 run it
  FeatureSet mmla = 0;
  CHECK(isa_features(Isa::NeonMmla, &mmla) && mmla == (dot | kArmBf16 | kArmI8mm));
  CHECK(!built(Isa::Avx2) && !built(Isa::Avx2Vnni) && !built(Isa::Avx512) && !built(Isa::Avx512Bf16));
#endif
}

TEST(best_isa_for_cpu_families) {
  struct Row {
    FeatureSet cpu;
    Isa want;
  };
#if defined(__x86_64__)
  const Row rows[] = {
      {0, Isa::Scalar},                             // baseline x86-64 (SSE2 only)
      {kSseToAvx, Isa::Scalar},                     // Sandy Bridge
      {kHaswell & ~kF16c, Isa::Scalar},             // AVX2 + FMA but no F16C
      {kHaswell & ~kFma, Isa::Scalar},              // AVX2 but no FMA
      {kHaswell, Isa::Avx2},                        // Haswell, Zen 1-3
      {kAlderLake, Isa::Avx2Vnni},                  // AVX-VNNI without AVX-512
      {kAlderLake & ~kF16c, Isa::Scalar},
      {kSkylakeX, Isa::Avx2},                       // AVX-512 without VNNI
      {kCascadeLake, Isa::Avx512},                  // AVX-512 VNNI without BF16 (also Ice Lake)
      {kZen4, Isa::Avx512Bf16},                     // Zen 4
      {kZen4 | kAvxVnni, Isa::Avx512Bf16},          // Zen 5, Sapphire Rapids
      {kZen4 & ~kAvx512Dq, Isa::Avx2},              // any AVX-512 part missing: back to AVX2
      {kZen4 & ~kAvx512Vnni, Isa::Avx2},            // BF16 alone does not make a VNNI part
  };
#else
  const Row rows[] = {
      {0, Isa::Scalar},
      {kArmV80, Isa::Neon},
      {kArmV82 & ~kAsimdFp16, Isa::Neon},  // dotprod but no half-precision vectors
      {kArmV82 & ~kAsimdDot, Isa::Neon},
      {kArmV82, Isa::NeonDot},
      {kArmV86, Isa::NeonMmla},             // Neoverse V1/N2/V2, Graviton 3/4
      {kArmV86 & ~kArmI8mm, Isa::NeonDot},  // the matrix variant needs both BF16 and I8MM
      {kArmV86 & ~kArmBf16, Isa::NeonDot},
      {kArmV86 & ~kAsimdDot, Isa::Neon},    // nor do they make a dotprod part
  };
#endif
  for (const Row& r : rows) {
    if (best_isa(r.cpu) != r.want) {
      char names[256];
      feature_names(r.cpu, names, sizeof names);
      std::fprintf(stderr, "  cpu {%s}: got %s, want %s\n", names, isa_name(best_isa(r.cpu)), isa_name(r.want));
      ember_test::failures++;
    }
  }
}

TEST(detected_isa_is_the_best_this_cpu_runs) {
  CHECK(detected_isa() == best_isa(cpu_features()));
  for (Isa isa : kAllIsas) CHECK(isa_supported(isa) == isa_runs_on(isa, cpu_features()));
  char names[32];
  feature_names(kAvx2 | kFma, names, sizeof names);
  CHECK(std::strcmp(names, "avx2,fma") == 0);
  feature_names(kAsimd | kAsimdDot, names, 8);  // truncated, still terminated
  CHECK(std::strlen(names) < 8);
}
