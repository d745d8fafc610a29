// Arithmetic peak probes: tight register-only loops of the widest instructions a kernel variant
// uses, timed on one thread. The results are the "physical limit" ember bench compares against.
//
//   double gops = peak_probe(Isa::Avx2, PeakKind::Int8Dot, 50'000'000) ;  // ops per second / 1e9
#pragma once

#include <cstdint>

#include "core/isa.h"

namespace ember {

// Bf16Dot: what the variant multiplies bf16 weights with in products of 16 rows or more (vdpbf16ps
// on Avx512Bf16, BFMMLA on NeonMmla, the f32 FMA elsewhere). Int8Dot on NeonMmla: SMMLA, which
// its quantized tiles of two activation rows or more use.
enum class PeakKind { F32Fma = 0, Int8Dot = 1, Bf16Dot = 2 };

// Runs the probe for `iters` iterations on the calling thread; returns operations performed
// (2 per multiply-add). Returns 0 when the variant has no such probe.
double peak_ops_scalar(PeakKind kind, int64_t iters);
double peak_ops_avx2(PeakKind kind, int64_t iters);
double peak_ops_avx2vnni(PeakKind kind, int64_t iters);  // VEX vpdpbusd for Int8Dot
double peak_ops_avx512(PeakKind kind, int64_t iters);
double peak_ops_avx512bf16(int64_t iters);  // vdpbf16ps only
double peak_ops_neon(PeakKind kind, int64_t iters);
double peak_ops_neondot(PeakKind kind, int64_t iters);
double peak_ops_neonmmla(PeakKind kind, int64_t iters);  // SMMLA and BFMMLA

}  // namespace ember
