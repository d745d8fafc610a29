// CPU feature detection and the (test-overridable) choice of kernel variant.
#include "core/isa.h"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace ember {

FeatureSet cpu_features() {
  static const FeatureSet features = [] {
    FeatureSet f = 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    const struct {
      bool has;
      FeatureSet bit;
    } x86[] = {
        {__builtin_cpu_supports("sse3") != 0, kSse3},
        {__builtin_cpu_supports("ssse3") != 0, kSsse3},
        {__builtin_cpu_supports("sse4.1") != 0, kSse41},
        {__builtin_cpu_supports("sse4.2") != 0, kSse42},
        {__builtin_cpu_supports("popcnt") != 0, kPopcnt},
        {__builtin_cpu_supports("avx") != 0, kAvx},  // libgcc also checks the OS saves the registers
        {__builtin_cpu_supports("avx2") != 0, kAvx2},
        {__builtin_cpu_supports("fma") != 0, kFma},
        {__builtin_cpu_supports("f16c") != 0, kF16c},
        {__builtin_cpu_supports("avx512f") != 0, kAvx512F},
        {__builtin_cpu_supports("avx512bw") != 0, kAvx512Bw},
        {__builtin_cpu_supports("avx512vl") != 0, kAvx512Vl},
        {__builtin_cpu_supports("avx512dq") != 0, kAvx512Dq},
        {__builtin_cpu_supports("avx512vnni") != 0, kAvx512Vnni},
        {__builtin_cpu_supports("avx512bf16") != 0, kAvx512Bf16},
        {__builtin_cpu_supports("avxvnni") != 0, kAvxVnni},
    };
    for (const auto& e : x86) {
      if (e.has) f |= e.bit;
    }
#endif
#if defined(__aarch64__)
    const unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    const struct {
      unsigned long caps, bit;
      FeatureSet feature;
    } arm[] = {
        {hw, HWCAP_ASIMD, kAsimd},      {hw, HWCAP_ASIMDDP, kAsimdDot},  {hw, HWCAP_FPHP, kFp16},
        {hw, HWCAP_ASIMDHP, kAsimdFp16}, {hw2, HWCAP2_BF16, kArmBf16},   {hw2, HWCAP2_I8MM, kArmI8mm},
        {hw, HWCAP_ATOMICS, kAtomics},  {hw, HWCAP_CRC32, kCrc32},      {hw, HWCAP_ASIMDRDM, kAsimdRdm},
    };
    for (const auto& e : arm) {
      if (e.caps & e.bit) f |= e.feature;
    }
#endif
    return f;
  }();
  return features;
}

bool isa_features(Isa isa, FeatureSet* out) {
  switch (isa) {
    case Isa::Scalar: *out = 0; return true;
#if defined(__x86_64__)
    // Avx512 also runs the AVX2 attention and row kernels (all but its chunk kernel).
    case Isa::Avx2:
      *out = compiled::kLinearAvx2 | compiled::kPeakAvx2 | compiled::kAttentionAvx2 | compiled::kRowOpsAvx2;
      return true;
    // Avx2Vnni is Avx2 with its own quantized tiles and int8 probe.
    case Isa::Avx2Vnni:
      *out = compiled::kLinearAvx2Vnni | compiled::kPeakAvx2 | compiled::kPeakAvx2Vnni | compiled::kAttentionAvx2 |
             compiled::kRowOpsAvx2;
      return true;
    case Isa::Avx512:
      *out = compiled::kLinearAvx512 | compiled::kPeakAvx512 | compiled::kAttentionAvx2 |
             compiled::kAttentionAvx512 | compiled::kRowOpsAvx2;
      return true;
    // Avx512Bf16 is Avx512 with its own bf16 tiles and probe.
    case Isa::Avx512Bf16:
      *out = compiled::kLinearAvx512 | compiled::kLinearAvx512Bf16 | compiled::kPeakAvx512 |
             compiled::kPeakAvx512Bf16 | compiled::kAttentionAvx2 | compiled::kAttentionAvx512 | compiled::kRowOpsAvx2;
      return true;
#endif
#if defined(__aarch64__)
    // NeonDot also runs the NEON attention and row kernels.
    case Isa::Neon:
      *out = compiled::kLinearNeon | compiled::kPeakNeon | compiled::kAttentionNeon | compiled::kRowOpsNeon;
      return true;
    case Isa::NeonDot:
      *out = compiled::kLinearNeonDot | compiled::kPeakNeonDot | compiled::kAttentionNeon | compiled::kRowOpsNeon;
      return true;
    // NeonMmla is NeonDot with its own tiles (SMMLA, BFMMLA) and probes for two activation rows or more.
    case Isa::NeonMmla:
      *out = compiled::kLinearNeonDot | compiled::kLinearNeonMmla | compiled::kPeakNeonDot | compiled::kPeakNeonMmla |
             compiled::kAttentionNeon | compiled::kRowOpsNeon;
      return true;
#endif
    default: return false;
  }
}

bool isa_runs_on(Isa isa, FeatureSet cpu) {
  FeatureSet need;
  return isa_features(isa, &need) && (need & ~cpu) == 0;
}

Isa best_isa(FeatureSet cpu) {
  for (Isa isa : {Isa::Avx512Bf16, Isa::Avx512, Isa::Avx2Vnni, Isa::Avx2, Isa::NeonMmla, Isa::NeonDot, Isa::Neon}) {
    if (isa_runs_on(isa, cpu)) return isa;
  }
  return Isa::Scalar;
}

void feature_names(FeatureSet set, char* buf, int size) {
  static const char* const kNames[] = {"sse3",     "ssse3",     "sse4.1",     "sse4.2",      "popcnt",   "avx",
                                       "avx2",     "fma",       "f16c",       "avx512f",     "avx512bw", "avx512vl",
                                       "avx512dq", "avx512vnni", "avx512bf16", "avxvnni",     "asimd",    "asimddp",
                                       "fphp",     "asimdhp",   "bf16",       "i8mm",        "atomics",  "crc32",
                                       "asimdrdm"};
  int n = 0;
  if (size > 0) buf[0] = 0;
  for (int b = 0; b < (int)(sizeof(kNames) / sizeof(kNames[0])); b++) {
    if ((set & (1u << b)) == 0 || n >= size) continue;
    n += std::snprintf(buf + n, size - n, "%s%s", n > 0 ? "," : "", kNames[b]);
  }
}

bool isa_supported(Isa isa) { return isa_runs_on(isa, cpu_features()); }

Isa detected_isa() {
  static const Isa best = best_isa(cpu_features());
  return best;
}

static std::atomic<int> forced{-1};

Isa active_isa() {
  int f = forced.load(std::memory_order_relaxed);
  return f >= 0 ? (Isa)f : detected_isa();
}

void force_isa(Isa isa) {
  if (isa_supported(isa)) forced.store((int)isa, std::memory_order_relaxed);
}

static const char* const kNames[] = {"scalar", "avx2", "avx512", "neon", "neon-dotprod", "avx512-bf16", "neon-mmla", "avx2-vnni"};

const char* isa_name(Isa isa) { return kNames[(int)isa]; }

bool isa_from_name(const char* name, Isa* out) {
  for (int i = 0; i < (int)(sizeof(kNames) / sizeof(kNames[0])); i++) {
    if (std::strcmp(name, kNames[i]) == 0) {
      *out = (Isa)i;
      return true;
    }
  }
  return false;
}

}  // namespace ember
