// Run-time choice of the kernel variant (never -march=native: one binary runs everywhere).
//
//   switch (active_isa()) { case Isa::Avx2: ... }
//
// x86-64: Scalar (baseline x86-64, SSE2), Avx2 (AVX2+FMA+F16C), Avx2Vnni (Avx2 + AVX-VNNI: the VEX
// vpdpbusd of AVX-512-less cores since Alder Lake and Sierra Forest), Avx512 (F/BW/VL/DQ/VNNI),
// Avx512Bf16 (Avx512 + BF16: bf16 weights times activations rounded to bf16 in products of 16 rows
// or more).
// aarch64: Neon (ARMv8 Advanced SIMD), NeonDot (ARMv8.2-A + dotprod + fp16), NeonMmla (NeonDot + the
// Armv8.6 matrix instructions, BF16 and I8MM: SMMLA for quantized weights in products of 2 rows or
// more, and bf16 weights times activations rounded to bf16 in products of 16 rows or more).
//
// A variant is the set of translation units built with its flags (linear_<v>.cpp, peak_<v>.cpp,
// attention_kernels_<v>.cpp). Each records the features its compiler flags enabled
// (core/isa_compiled.h), and a variant runs only on a CPU that has every one of them.
#pragma once

#include <cstdint>

namespace ember {

enum class Isa { Scalar, Avx2, Avx512, Neon, NeonDot, Avx512Bf16, NeonMmla, Avx2Vnni };
// Every variant, built here or not (isa_features tells which are).
constexpr Isa kAllIsas[] = {Isa::Scalar,   Isa::Avx2, Isa::Avx2Vnni, Isa::Avx512,
                            Isa::Avx512Bf16, Isa::Neon, Isa::NeonDot,  Isa::NeonMmla};

// One bit per CPU feature a translation unit may be compiled for.
enum CpuFeature : uint32_t {
  kSse3 = 1u << 0,
  kSsse3 = 1u << 1,
  kSse41 = 1u << 2,
  kSse42 = 1u << 3,
  kPopcnt = 1u << 4,
  kAvx = 1u << 5,
  kAvx2 = 1u << 6,
  kFma = 1u << 7,
  kF16c = 1u << 8,
  kAvx512F = 1u << 9,
  kAvx512Bw = 1u << 10,
  kAvx512Vl = 1u << 11,
  kAvx512Dq = 1u << 12,
  kAvx512Vnni = 1u << 13,
  kAvx512Bf16 = 1u << 14,
  kAvxVnni = 1u << 15,   // VEX-encoded vpdpbusd on 128/256-bit vectors
  kAsimd = 1u << 16,     // ARMv8 Advanced SIMD
  kAsimdDot = 1u << 17,  // SDOT/UDOT
  kFp16 = 1u << 18,      // scalar half-precision arithmetic (FPHP)
  kAsimdFp16 = 1u << 19, // vector half-precision arithmetic (ASIMDHP)
  kArmBf16 = 1u << 20,   // BFDOT/BFMMLA
  kArmI8mm = 1u << 21,   // SMMLA
  kAtomics = 1u << 22,   // LSE (ARMv8.1, implied by armv8.2-a)
  kCrc32 = 1u << 23,
  kAsimdRdm = 1u << 24,  // SQRDMLAH (ARMv8.1)
};
using FeatureSet = uint32_t;

// Features of the CPU we run on (cpuid via __builtin_cpu_supports, or getauxval HWCAP/HWCAP2).
FeatureSet cpu_features();
// Union of the features the translation units of isa were compiled with; false when isa is not
// built into this library (e.g. NEON on x86-64). Scalar needs nothing.
bool isa_features(Isa isa, FeatureSet* out);
// Whether isa is built in and a CPU with features cpu can run every one of its instructions.
bool isa_runs_on(Isa isa, FeatureSet cpu);
// The best variant a CPU with features cpu can run (pure: tests pass made-up feature sets).
Isa best_isa(FeatureSet cpu);
// Names of the features in set, comma separated, into buf (for error messages).
void feature_names(FeatureSet set, char* buf, int size);

// The best variant this CPU supports, unless a test forced another.
Isa active_isa();
// Best variant this CPU supports.
Isa detected_isa();
bool isa_supported(Isa isa);
// Forces a variant (must be supported); used by tests and benchmarks to compare variants.
void force_isa(Isa isa);
const char* isa_name(Isa isa);
bool isa_from_name(const char* name, Isa* out);

// What each variant's translation units were compiled with (defined in those units).
namespace compiled {
#if defined(__x86_64__)
extern const FeatureSet kLinearAvx2, kLinearAvx2Vnni, kLinearAvx512, kLinearAvx512Bf16, kPeakAvx2, kPeakAvx2Vnni,
    kPeakAvx512, kPeakAvx512Bf16, kAttentionAvx2, kAttentionAvx512, kRowOpsAvx2;
#endif
#if defined(__aarch64__)
extern const FeatureSet kLinearNeon, kLinearNeonDot, kLinearNeonMmla, kPeakNeon, kPeakNeonDot, kPeakNeonMmla,
    kAttentionNeon, kRowOpsNeon;
#endif
}  // namespace compiled

}  // namespace ember
