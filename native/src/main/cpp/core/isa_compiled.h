// The CPU features the including translation unit is compiled for, from the compiler's
// predefined macros (so it follows the -m / -march flags the Makefile gives that file).
//
//   extern const FeatureSet kLinearAvx2 = EMBER_COMPILED_FEATURES;   // in linear_avx2.cpp
//
// A macro, not an inline function: a shared inline body compiled with different flags could be
// merged by the linker into one copy.
#pragma once

#include "core/isa.h"

#if defined(__SSE3__)
#define EMBER_F_SSE3 ::ember::kSse3
#else
#define EMBER_F_SSE3 0u
#endif
#if defined(__SSSE3__)
#define EMBER_F_SSSE3 ::ember::kSsse3
#else
#define EMBER_F_SSSE3 0u
#endif
#if defined(__SSE4_1__)
#define EMBER_F_SSE41 ::ember::kSse41
#else
#define EMBER_F_SSE41 0u
#endif
#if defined(__SSE4_2__)
#define EMBER_F_SSE42 ::ember::kSse42
#else
#define EMBER_F_SSE42 0u
#endif
#if defined(__POPCNT__)
#define EMBER_F_POPCNT ::ember::kPopcnt
#else
#define EMBER_F_POPCNT 0u
#endif
#if defined(__AVX__)
#define EMBER_F_AVX ::ember::kAvx
#else
#define EMBER_F_AVX 0u
#endif
#if defined(__AVX2__)
#define EMBER_F_AVX2 ::ember::kAvx2
#else
#define EMBER_F_AVX2 0u
#endif
#if defined(__FMA__)
#define EMBER_F_FMA ::ember::kFma
#else
#define EMBER_F_FMA 0u
#endif
#if defined(__F16C__)
#define EMBER_F_F16C ::ember::kF16c
#else
#define EMBER_F_F16C 0u
#endif
#if defined(__AVX512F__)
#define EMBER_F_AVX512F ::ember::kAvx512F
#else
#define EMBER_F_AVX512F 0u
#endif
#if defined(__AVX512BW__)
#define EMBER_F_AVX512BW ::ember::kAvx512Bw
#else
#define EMBER_F_AVX512BW 0u
#endif
#if defined(__AVX512VL__)
#define EMBER_F_AVX512VL ::ember::kAvx512Vl
#else
#define EMBER_F_AVX512VL 0u
#endif
#if defined(__AVX512DQ__)
#define EMBER_F_AVX512DQ ::ember::kAvx512Dq
#else
#define EMBER_F_AVX512DQ 0u
#endif
#if defined(__AVX512VNNI__)
#define EMBER_F_AVX512VNNI ::ember::kAvx512Vnni
#else
#define EMBER_F_AVX512VNNI 0u
#endif
#if defined(__AVX512BF16__)
#define EMBER_F_AVX512BF16 ::ember::kAvx512Bf16
#else
#define EMBER_F_AVX512BF16 0u
#endif
#if defined(__AVXVNNI__)
#define EMBER_F_AVXVNNI ::ember::kAvxVnni
#else
#define EMBER_F_AVXVNNI 0u
#endif
#if defined(__ARM_NEON)
#define EMBER_F_ASIMD ::ember::kAsimd
#else
#define EMBER_F_ASIMD 0u
#endif
#if defined(__ARM_FEATURE_DOTPROD)
#define EMBER_F_ASIMDDOT ::ember::kAsimdDot
#else
#define EMBER_F_ASIMDDOT 0u
#endif
#if defined(__ARM_FEATURE_FP16_SCALAR_ARITHMETIC)
#define EMBER_F_FP16 ::ember::kFp16
#else
#define EMBER_F_FP16 0u
#endif
#if defined(__ARM_FEATURE_FP16_VECTOR_ARITHMETIC)
#define EMBER_F_ASIMDFP16 ::ember::kAsimdFp16
#else
#define EMBER_F_ASIMDFP16 0u
#endif
#if defined(__ARM_FEATURE_BF16) || defined(__ARM_FEATURE_BF16_VECTOR_ARITHMETIC)
#define EMBER_F_ARMBF16 ::ember::kArmBf16
#else
#define EMBER_F_ARMBF16 0u
#endif
#if defined(__ARM_FEATURE_MATMUL_INT8)
#define EMBER_F_ARMI8MM ::ember::kArmI8mm
#else
#define EMBER_F_ARMI8MM 0u
#endif
#if defined(__aarch64__) && defined(__ARM_FEATURE_ATOMICS)
#define EMBER_F_ATOMICS ::ember::kAtomics
#else
#define EMBER_F_ATOMICS 0u
#endif
#if defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#define EMBER_F_CRC32 ::ember::kCrc32
#else
#define EMBER_F_CRC32 0u
#endif
#if defined(__aarch64__) && defined(__ARM_FEATURE_QRDMX)
#define EMBER_F_ASIMDRDM ::ember::kAsimdRdm
#else
#define EMBER_F_ASIMDRDM 0u
#endif

#define EMBER_COMPILED_FEATURES                                                                           \
  ((::ember::FeatureSet)(EMBER_F_SSE3 | EMBER_F_SSSE3 | EMBER_F_SSE41 | EMBER_F_SSE42 | EMBER_F_POPCNT |   \
                         EMBER_F_AVX | EMBER_F_AVX2 | EMBER_F_FMA | EMBER_F_F16C | EMBER_F_AVX512F |        \
                         EMBER_F_AVX512BW | EMBER_F_AVX512VL | EMBER_F_AVX512DQ | EMBER_F_AVX512VNNI |     \
                         EMBER_F_AVX512BF16 | EMBER_F_AVXVNNI | EMBER_F_ASIMD | EMBER_F_ASIMDDOT |         \
                         EMBER_F_FP16 | EMBER_F_ASIMDFP16 | EMBER_F_ARMBF16 | EMBER_F_ARMI8MM |            \
                         EMBER_F_ATOMICS | EMBER_F_CRC32 | EMBER_F_ASIMDRDM))
